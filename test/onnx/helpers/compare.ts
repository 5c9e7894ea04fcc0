// Output comparison for the conformance runner: float32/64 and half/bf16 within a relative+absolute
// tolerance, low-precision floats (fp8, fp4, e8m0), integers and bools bit-exact; NaN matches NaN.
// Returns a one-line reason for the first mismatch, or undefined when the tensors agree.

import type { Tensor } from '../../../src/ir/tensor.js';
import type { ElementType } from '../../../src/ir/types.js';

export interface Tolerance {
  readonly rtol: number;
  readonly atol: number;
}

function exactType(t: ElementType): boolean {
  return !(t === 'float_type' || t === 'double_type' || t === 'half_type' || t === 'bf16_type');
}

export function compareTensors(actual: Tensor, expected: Tensor, tolerance: (t: ElementType) => Tolerance): string | undefined {
  if (actual.type !== expected.type) return `type ${actual.type}, expected ${expected.type}`;
  const a = actual.shape.lens;
  const e = expected.shape.lens;
  if (a.length !== e.length || a.some((l, i) => l !== e[i])) return `lens {${a.join(', ')}}, expected {${e.join(', ')}}`;
  const n = expected.shape.elements();
  const exact = exactType(expected.type);
  const { rtol, atol } = tolerance(expected.type);
  let worst: { i: number; x: number; y: number; excess: number } | undefined;
  for (let i = 0; i < n; i++) {
    const x = actual.get(i);
    const y = expected.get(i);
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (Number.isNaN(x) && Number.isNaN(y)) continue;
      return `element ${i} is ${x}, expected ${y}`;
    }
    if (exact) {
      if (actual.rawAt(i) !== expected.rawAt(i)) return `element ${i} is ${x}, expected ${y} (bit-exact type ${expected.type})`;
      continue;
    }
    if (x === y) continue;
    const excess = Math.abs(x - y) - (atol + rtol * Math.abs(y));
    if (!(excess <= 0) && (!worst || excess > worst.excess)) worst = { i, x, y, excess };
  }
  if (worst) return `element ${worst.i} is ${worst.x}, expected ${worst.y} (rtol ${rtol}, atol ${atol})`;
  return undefined;
}
