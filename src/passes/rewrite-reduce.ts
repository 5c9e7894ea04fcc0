// rewrite-reduce: softmax becomes the reductions and pointwise ops fusion works on (migraphx.md §5.3).
//   softmax[axis](x) -> div(e, mb(reduce_sum[axes={axis}](e)))  where  e = exp(sub(x, mb(reduce_max[axes={axis}](x))))
//   logsoftmax[axis](x) -> log(softmax[axis](x))
// For half and bf16 inputs the rewritten softmax runs in float (an fp32 island, as MIGraphX does since
// fp16 exp/sum overflows on real attention scores):  convert[half](softmax(convert[float](x))).
// Runs after quantization (simplify-qdq) and before fuse-attention / fuse-reduce.

import type { Instruction } from '../ir/instruction.js';
import type { Module } from '../ir/module.js';
import { makeOp } from '../ir/op.js';
import type { Program } from '../ir/program.js';
import { normalizeAxis } from '../ops/common.js';
import type { Pass } from './pass.js';

const LOW_PRECISION = new Set(['half_type', 'bf16_type']);
const DECOMPOSABLE = new Set(['float_type', 'half_type', 'bf16_type', 'double_type']);

/** Inserts the decomposed softmax of `x` before `at`; returns its result (same type as `x`). */
function decompose(m: Module, at: Instruction, x: Instruction, axis: number): Instruction {
  const add = (name: string, inputs: Instruction[], attrs = {}) => m.copyProvenance(at, m.insertInstruction(at, makeOp(name, attrs), inputs));
  const type = x.shape.type;
  const island = LOW_PRECISION.has(type);
  const input = island ? add('convert', [x], { target_type: 'float_type' }) : x;
  const lens = input.shape.lens;
  const max = add('reduce_max', [input], { axes: [axis] });
  const shifted = add('sub', [input, add('multibroadcast', [max], { out_lens: lens })]);
  const e = add('exp', [shifted]);
  const sum = add('reduce_sum', [e], { axes: [axis] });
  const y = add('div', [e, add('multibroadcast', [sum], { out_lens: lens })]);
  return island ? add('convert', [y], { target_type: type }) : y;
}

function rewrite(m: Module, ins: Instruction): void {
  if (ins.op.name !== 'softmax' && ins.op.name !== 'logsoftmax') return;
  const x = ins.inputs[0]!;
  // exp is defined on float, half and bf16 only; a softmax on anything else (only a malformed model has
  // one) is left as it is, for the interpreter to evaluate or the backend to reject.
  if (!DECOMPOSABLE.has(x.shape.type)) return;
  const axis = normalizeAxis(ins.op.int('axis'), x.shape.ndim);
  let y = decompose(m, ins, x, axis);
  if (ins.op.name === 'logsoftmax') y = m.copyProvenance(ins, m.insertInstruction(ins, makeOp('log'), [y]));
  m.replaceAllUses(ins, y);
  m.removeInstruction(ins);
}

export const rewriteReduce: Pass = {
  name: 'rewrite-reduce',
  apply(program: Program) {
    for (const m of program.reachableModules()) for (const ins of m.instructions()) rewrite(m, ins);
  },
};
