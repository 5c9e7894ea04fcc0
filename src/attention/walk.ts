// The score-path walk: from a softmax back to the dot that made its scores, and forward to the dot that
// reads its probabilities, through the ops that may sit between them (see `stepKind`). Breadth first, in
// argument / user order, so the nearest dot comes first and the result is deterministic. The walk finds
// paths; deciding whether a path is attention is detect.ts's job.

import type { Instruction } from '../ir/instruction.js';
import { isFloatType } from '../ir/types.js';

/** How the walk treats an instruction between the two dots. */
export type StepKind =
  /** views and copies: transpose, reshape, squeeze, … (the axis moves, values do not) */
  | 'layout'
  /** a type conversion (an fp32 softmax island in an fp16 model) */
  | 'convert'
  /** an elementwise float op: scale, mask, softcap, … */
  | 'elementwise'
  /** a GEMM: where the walk ends */
  | 'dot'
  /** anything else: reductions, concat, gather, convolution, parameters, literals */
  | 'stop';

const LAYOUT = new Set(['transpose', 'reshape', 'contiguous', 'squeeze', 'unsqueeze', 'multibroadcast', 'broadcast', 'slice', 'step', 'identity']);

export function stepKind(ins: Instruction): StepKind {
  const name = ins.op.name;
  if (name === 'dot') return 'dot';
  // Scores are floats; a bool or integer value on the way (a comparison) is a mask's business, not the path's.
  if (!isFloatType(ins.shape.type)) return 'stop';
  if (name === 'convert') return 'convert';
  if (LAYOUT.has(name)) return 'layout';
  if (ins.op.def.pointwise === true && name !== 'quantizelinear' && name !== 'dequantizelinear') return 'elementwise';
  return 'stop';
}

/** A dot reached by the walk, and the path from it (first) to where the walk started (last). */
export interface PathBack {
  readonly dot: Instruction;
  readonly path: readonly Instruction[];
}

/** Instructions looked at per walk before giving up (a mask built from a long chain is not a score path). */
const BUDGET = 512;

/** The dots whose outputs reach `x` through passable ops, nearest first; `x` itself when it is a dot. */
export function dotsBefore(x: Instruction): PathBack[] {
  const towardX = new Map<Instruction, Instruction | undefined>([[x, undefined]]);
  const queue: Instruction[] = [x];
  const found: PathBack[] = [];
  for (let head = 0; head < queue.length && head < BUDGET; head++) {
    const ins = queue[head]!;
    const kind = stepKind(ins);
    if (kind === 'dot') {
      found.push({ dot: ins, path: pathFrom(ins, towardX) });
      continue;
    }
    if (kind === 'stop') continue;
    for (const input of ins.inputs) {
      if (towardX.has(input)) continue;
      towardX.set(input, ins);
      queue.push(input);
    }
  }
  return found;
}

function pathFrom(start: Instruction, next: ReadonlyMap<Instruction, Instruction | undefined>): Instruction[] {
  const path: Instruction[] = [];
  for (let i: Instruction | undefined = start; i !== undefined; i = next.get(i)) path.push(i);
  return path;
}

/** A dot reading the walk's start through passable ops: the path from the start (first) to the dot (last). */
export interface PathForward {
  readonly dot: Instruction;
  readonly path: readonly Instruction[];
  /** Which operand of the dot the path arrives at. */
  readonly operand: number;
}

/** The dots that read `root`'s output through passable ops, nearest first. */
export function dotsAfter(root: Instruction): PathForward[] {
  const towardRoot = new Map<Instruction, Instruction | undefined>([[root, undefined]]);
  const queue: Instruction[] = [root];
  const found: PathForward[] = [];
  for (let head = 0; head < queue.length && head < BUDGET; head++) {
    const ins = queue[head]!;
    for (const user of ins.outputs) {
      if (towardRoot.has(user)) continue;
      towardRoot.set(user, ins);
      const kind = stepKind(user);
      if (kind === 'dot') {
        found.push({ dot: user, path: pathFrom(user, towardRoot).reverse(), operand: user.inputs.indexOf(ins) });
      } else if (kind !== 'stop') {
        queue.push(user);
      }
    }
  }
  return found;
}
