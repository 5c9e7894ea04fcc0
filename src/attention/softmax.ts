// Softmax recognition for the attention finder: the `softmax` op, and the decomposed form exporters and
// rewrite-reduce produce:
//   div(e, bcast(reduce_sum[axes={a}](e)))  where  e = exp(sub(x, bcast(reduce_max[axes={a}](x))))
//   div(e, bcast(reduce_sum[axes={a}](e)))  where  e = exp(x)                  (no max subtraction)
// Unlike MIGraphX's softmax_input, the decomposed form is checked: both reductions run over the same single
// axis, reduce_max reads the tensor that is shifted, and reduce_sum reads the exponentials that are divided.
// This file recognises; it does not decide whether the softmax is part of an attention block.

import type { Instruction } from '../ir/instruction.js';
import { normalizeAxis } from '../ops/common.js';
import { any, anyOf, arg, matchInstruction, name, skip } from '../match/matcher.js';

export interface SoftmaxMatch {
  /** The instruction whose output is the probabilities (`softmax`, or the decomposed form's `div`). */
  readonly root: Instruction;
  /** The tensor normalised (the scores). */
  readonly input: Instruction;
  /** The axis normalised, in `input`'s axes. */
  readonly axis: number;
  /** Every instruction of the softmax itself (the decomposed form's reductions, broadcasts, sub, exp, div). */
  readonly pieces: readonly Instruction[];
  readonly decomposed: boolean;
}

/** A decomposed softmax whose parts do not fit together; `reason` says which part. */
export interface MalformedSoftmax {
  readonly root: Instruction;
  readonly input: Instruction;
  readonly reason: string;
}

export type SoftmaxRecognition = { kind: 'softmax'; match: SoftmaxMatch } | { kind: 'malformed'; malformed: MalformedSoftmax } | { kind: 'none' };

/** Views a reduction's result passes through on its way back to full size. */
const broadcastView = skip(name('multibroadcast', 'broadcast', 'contiguous', 'unsqueeze', 'squeeze', 'reshape'));

// div(exp(sub(x, bcast(reduce_max))) | exp(x), bcast(reduce_sum)): structure only; the checks below
// compare what the reductions read and over which axes.
const decomposedSoftmax = name('div').with(
  arg(0).of(
    name('exp')
      .bind('exp')
      .with(
        arg(0).of(
          anyOf(
            name('sub')
              .bind('sub')
              .with(arg(0).of(any().bind('x')), arg(1).of(broadcastView.to(name('reduce_max').bind('max')))),
            any().bind('x'),
          ),
        ),
      ),
  ),
  arg(1).of(broadcastView.to(name('reduce_sum').bind('sum'))),
);

/** Recognises a softmax whose output is `ins`. */
export function recognizeSoftmax(ins: Instruction): SoftmaxRecognition {
  if (ins.op.name === 'softmax') {
    const input = ins.inputs[0]!;
    const axis = normalizeAxis(ins.op.int('axis'), input.shape.ndim);
    return { kind: 'softmax', match: { root: ins, input, axis, pieces: [ins], decomposed: false } };
  }
  const r = matchInstruction(decomposedSoftmax, ins);
  if (!r) return { kind: 'none' };
  const exp = r.get('exp');
  const sum = r.get('sum');
  const max = r.opt('max');
  const sub = r.opt('sub');
  const x = r.get('x');
  const malformed = (reason: string): SoftmaxRecognition => ({ kind: 'malformed', malformed: { root: ins, input: x, reason } });

  if (sum.inputs[0] !== exp) return malformed('reduce_sum does not read the exponentials the division uses');
  const sumAxes = sum.op.ints('axes');
  if (sumAxes.length !== 1) return malformed(`reduce_sum runs over ${sumAxes.length} axes, not one`);
  const axis = normalizeAxis(sumAxes[0]!, exp.shape.ndim);
  const pieces: Instruction[] = [ins, exp, sum, ...viewsBetween(ins.inputs[1]!, sum)];
  if (max && sub) {
    if (max.inputs[0] !== x) return malformed('reduce_max does not read the tensor it is subtracted from');
    const maxAxes = max.op.ints('axes');
    if (maxAxes.length !== 1 || normalizeAxis(maxAxes[0]!, x.shape.ndim) !== axis) {
      return malformed(`reduce_max runs over axes {${maxAxes.join(', ')}} but reduce_sum over {${axis}}`);
    }
    pieces.push(sub, max, ...viewsBetween(sub.inputs[1]!, max));
  }
  return { kind: 'softmax', match: { root: ins, input: x, axis, pieces, decomposed: true } };
}

/** The single-input views from `from` down to (not including) `to`. */
function viewsBetween(from: Instruction, to: Instruction): Instruction[] {
  const out: Instruction[] = [];
  for (let i = from; i !== to && i.inputs.length === 1; i = i.inputs[0]!) out.push(i);
  return out;
}
