// Seeded random inputs for `run`, `perf` and calibration when the user gives none (as migraphx-driver
// does). Floats are uniform in [-1, 1); integer inputs that feed a gather's indices stay inside the
// gathered axis, so the model can index with them; other integers are small non-negative values.

import { isOutputParameter } from '../ops/memory.js';
import type { Instruction } from '../ir/instruction.js';
import type { Module } from '../ir/module.js';
import type { Shape } from '../ir/shape.js';
import { Tensor } from '../ir/tensor.js';
import { isFloatType, isIntegerType, isLowPrecisionFloat } from '../ir/types.js';

/** mulberry32: a small, fast, well-mixed 32-bit generator; the same seed always gives the same stream. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Ops that only move or reinterpret data: an index passes through them unchanged. */
const PASS_THROUGH = new Set(['convert', 'contiguous', 'reshape', 'transpose', 'multibroadcast', 'broadcast', 'squeeze', 'unsqueeze', 'identity', 'slice', 'step']);

/** The largest exclusive bound an integer parameter may take so every gather using it stays in range. */
export function indexBound(param: Instruction): number | undefined {
  let bound: number | undefined;
  const seen = new Set<Instruction>();
  const visit = (ins: Instruction) => {
    for (const user of ins.outputs) {
      if (seen.has(user)) continue;
      seen.add(user);
      if (user.op.name === 'gather' && user.inputs[1] === ins) {
        const data = user.inputs[0]!.shape;
        const axis = user.op.int('axis');
        const len = data.lens[axis < 0 ? axis + data.ndim : axis]!;
        bound = bound === undefined ? len : Math.min(bound, len);
      } else if (PASS_THROUGH.has(user.op.name)) {
        visit(user);
      }
    }
  };
  visit(param);
  return bound;
}

export function randomTensor(shape: Shape, next: () => number, intBound = 16): Tensor {
  const n = shape.elements();
  const values = new Float64Array(n);
  if (isFloatType(shape.type) || isLowPrecisionFloat(shape.type)) {
    for (let i = 0; i < n; i++) values[i] = next() * 2 - 1;
  } else if (shape.type === 'bool_type') {
    for (let i = 0; i < n; i++) values[i] = next() < 0.5 ? 0 : 1;
  } else if (isIntegerType(shape.type)) {
    const hi = Math.max(1, Math.min(intBound, shape.type === 'uint2_type' || shape.type === 'int2_type' ? 2 : intBound));
    for (let i = 0; i < n; i++) values[i] = Math.floor(next() * hi);
  } else {
    throw new Error(`cannot make random values of ${shape.type}`);
  }
  return Tensor.fromNumbers(shape.type, shape.lens, values);
}

/** The parameters a caller supplies: all but a lowered program's output buffers (`main:#output_k`). */
export function inputParameters(m: Module): Instruction[] {
  return m.parameters().filter((p) => !isOutputParameter(p.paramName()));
}

/** One random tensor per input parameter of `m` (by name), reproducible from `seed`. */
export function randomInputs(m: Module, seed: number): Map<string, Tensor> {
  const next = seededRandom(seed);
  const out = new Map<string, Tensor>();
  // Sorted by name so the values do not depend on parameter order in the module. A lowered program's
  // output parameters are buffers for its results, not inputs.
  const params = inputParameters(m).sort((a, b) => (a.paramName() < b.paramName() ? -1 : a.paramName() > b.paramName() ? 1 : 0));
  for (const p of params) out.set(p.paramName(), randomTensor(p.shape, next, indexBound(p) ?? 16));
  return out;
}
