// Axis tracking for the attention finder: where an axis of an instruction's input lands in its output,
// for the ops that may sit between the two dots (layout ops, converts, elementwise ops).
//   transpose[perm](x): axis a -> perm.indexOf(a)        reshape: a -> the output axis with the same
//   squeeze / unsqueeze: shifted, or lost when squeezed    prefix product and length (else lost)
// It is not a shape inference: ops it does not know lose the axis (undefined), and callers reject.

import type { Instruction } from '../ir/instruction.js';

/** Ops an axis passes through unchanged (elementwise ops are recognised by their `pointwise` trait). */
const SAME_AXIS = new Set(['contiguous', 'identity', 'slice', 'step']);

/**
 * The output axis of `ins` that input `inputIndex`'s axis `axis` becomes; undefined when the op merges,
 * drops or broadcasts it, or is not one the attention walk passes through.
 */
export function mapAxisForward(ins: Instruction, inputIndex: number, axis: number): number | undefined {
  const input = ins.inputs[inputIndex];
  if (input === undefined || axis < 0 || axis >= input.shape.ndim) return undefined;
  const inLens = input.shape.lens;
  const outLens = ins.shape.lens;
  const name = ins.op.name;

  if (ins.op.def.pointwise === true || SAME_AXIS.has(name)) {
    return inLens.length === outLens.length ? axis : undefined;
  }
  switch (name) {
    case 'transpose': {
      const out = ins.op.ints('permutation').indexOf(axis);
      return out < 0 ? undefined : out;
    }
    case 'multibroadcast': {
      const out = axis + (outLens.length - inLens.length);
      // A broadcast key axis (length 1 spread over many keys) is not the same axis any more.
      return outLens[out] === inLens[axis] ? out : undefined;
    }
    case 'broadcast': {
      const out = axis + ins.op.int('axis');
      return outLens[out] === inLens[axis] ? out : undefined;
    }
    case 'squeeze': {
      const squeezed = ins.op.ints('axes');
      if (squeezed.includes(axis)) return undefined;
      return axis - squeezed.filter((a) => a < axis).length;
    }
    case 'unsqueeze': {
      const inserted = new Set(ins.op.ints('axes'));
      let seen = -1;
      for (let out = 0; out < outLens.length; out++) {
        if (inserted.has(out)) continue;
        seen++;
        if (seen === axis) return out;
      }
      return undefined;
    }
    case 'reshape':
      return reshapeAxis(inLens, outLens, axis);
    default:
      return undefined;
  }
}

/**
 * The reshape output axis holding input axis `axis` intact: same length, same product of the axes
 * before it. When several qualify (length-1 axes next to each other) the one at the same distance from
 * the end wins, as the key axis is the last one in practice.
 */
export function reshapeAxis(inLens: readonly number[], outLens: readonly number[], axis: number): number | undefined {
  const before = product(inLens.slice(0, axis));
  const length = inLens[axis]!;
  const candidates: number[] = [];
  let prefix = 1;
  for (let out = 0; out < outLens.length; out++) {
    if (prefix === before && outLens[out] === length) candidates.push(out);
    prefix *= outLens[out]!;
  }
  if (candidates.length <= 1) return candidates[0];
  const rightAligned = outLens.length - (inLens.length - axis);
  return candidates.includes(rightAligned) ? rightAligned : candidates[candidates.length - 1];
}

function product(xs: readonly number[]): number {
  return xs.reduce((p, x) => p * x, 1);
}

/** Tracks `axis` of `path[0]`'s output along `path` (each element an input of the next). */
export function trackAxis(path: readonly Instruction[], axis: number): { axis: number | undefined; lostAt: Instruction | undefined } {
  let a: number | undefined = axis;
  for (let k = 1; k < path.length; k++) {
    const ins = path[k]!;
    a = mapAxisForward(ins, ins.inputs.indexOf(path[k - 1]!), a);
    if (a === undefined) return { axis: undefined, lostAt: ins };
  }
  return { axis: a, lostAt: undefined };
}
