// Seeded test tensors for kernel cases: uniform values in a range (integers when asked), with chosen
// special values placed first so every case also meets NaN, ±0, ties and wrap-around inputs.

import { Tensor } from '../../src/ir/tensor.js';
import type { ElementType } from '../../src/ir/types.js';
import { seededRandom } from '../../src/inputs/random-inputs.js';

export interface RandomSpec {
  readonly lo?: number;
  readonly hi?: number;
  readonly integer?: boolean;
  /** Values placed at the start (then random ones). */
  readonly specials?: readonly number[];
}

export function randomTensor(type: ElementType, lens: readonly number[], seed: number, spec: RandomSpec = {}): Tensor {
  const next = seededRandom(seed);
  const n = lens.reduce((a, b) => a * b, 1);
  const lo = spec.lo ?? -1;
  const hi = spec.hi ?? 1;
  const values = Array.from({ length: n }, (_, i) => {
    if (spec.specials && i < spec.specials.length) return spec.specials[i]!;
    const v = lo + (hi - lo) * next();
    return spec.integer ? Math.floor(v) : v;
  });
  return Tensor.fromNumbers(type, lens, values);
}
