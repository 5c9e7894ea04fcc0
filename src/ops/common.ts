// Shape checks shared by the op families. Each throws a ShapeError whose message names the input and
// the reason; Instruction.computeShape prefixes the op text.

import { ShapeError } from '../ir/op.js';
import { Shape, sameNumbers } from '../ir/shape.js';
import type { ElementType } from '../ir/types.js';

export function expectInputs(inputs: readonly Shape[], min: number, max = min): void {
  if (inputs.length < min || inputs.length > max) {
    const want = min === max ? `${min}` : `${min} to ${max}`;
    throw new ShapeError(`expects ${want} input(s), got ${inputs.length}`);
  }
}

export function expectSameLens(inputs: readonly Shape[]): void {
  const first = inputs[0]!;
  inputs.forEach((s, i) => {
    if (!sameNumbers(s.lens, first.lens)) {
      throw new ShapeError(`input ${i} has lens {${s.lens.join(', ')}} but input 0 has {${first.lens.join(', ')}}`);
    }
  });
}

export function expectSameType(inputs: readonly Shape[]): void {
  const first = inputs[0]!;
  inputs.forEach((s, i) => {
    if (s.type !== first.type) throw new ShapeError(`input ${i} is ${s.type} but input 0 is ${first.type}`);
  });
}

export function expectType(s: Shape, which: string, ok: (t: ElementType) => boolean, what: string): void {
  if (!ok(s.type)) throw new ShapeError(`${which} is ${s.type}, expected ${what}`);
}

/** Normalizes a possibly negative axis against `ndim`, rejecting it when out of range. */
export function normalizeAxis(axis: number, ndim: number, what = 'axis'): number {
  const a = axis < 0 ? axis + ndim : axis;
  if (a < 0 || a >= ndim) throw new ShapeError(`${what} ${axis} is out of range for rank ${ndim}`);
  return a;
}

export function standard(type: ElementType, lens: readonly number[]): Shape {
  return new Shape(type, lens);
}

/** Numpy-style broadcast of several lens lists (right-aligned; 1 stretches). */
export function broadcastLens(all: readonly (readonly number[])[]): number[] {
  const rank = Math.max(0, ...all.map((l) => l.length));
  const out = new Array<number>(rank).fill(1);
  for (const lens of all) {
    const off = rank - lens.length;
    lens.forEach((l, i) => {
      const cur = out[off + i]!;
      if (cur === 1) out[off + i] = l;
      else if (l !== 1 && l !== cur) {
        throw new ShapeError(`cannot broadcast {${all.map((x) => x.join(', ')).join('} with {')}}`);
      }
    });
  }
  return out;
}
