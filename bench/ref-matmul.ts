// Reference-interpreter matmul throughput: an n×n×n float32 dot through computeOp (packing included).
// Target on the 2-core CI machine kind: >= 2 GFLOP/s at 512³ (issue 2).

import { makeOp } from '../src/ops/index.js';
import { Shape } from '../src/ir/shape.js';
import { Tensor } from '../src/ir/tensor.js';
import { computeOp } from '../src/ref/evaluate.js';
import { seededRandom } from '../src/inputs/random-inputs.js';
import { time, type Timing } from './stats.js';

export interface MatmulBench {
  readonly n: number;
  readonly timing: Timing;
  readonly gflops: number;
}

export function benchRefMatmul(n = 512): MatmulBench {
  const next = seededRandom(n);
  const matrix = () => new Tensor(new Shape('float_type', [n, n]), Float32Array.from({ length: n * n }, () => next() * 2 - 1));
  const a = matrix();
  const b = matrix();
  const dot = makeOp('dot');
  const out = new Shape('float_type', [n, n]);
  const timing = time(() => void computeOp(dot, [a, b], out), 5, 2);
  return { n, timing, gflops: (2 * n ** 3) / (timing.medianMs * 1e-3) / 1e9 };
}
