// Reference-interpreter matmul throughput: 512×512×512 float32 dot through computeOp (packing included),
// median of 5 timed runs after 2 warm-ups. Build first: `node scripts/test.mjs ref/` (writes build/), then
//   node bench/ref-matmul.mjs [n]
import { makeOp } from '../build/src/ops/index.js';
import { Shape } from '../build/src/ir/shape.js';
import { Tensor } from '../build/src/ir/tensor.js';
import { computeOp } from '../build/src/ref/evaluate.js';

const n = Number(process.argv[2] ?? 512);
const RUNS = 5;
const WARMUPS = 2;

function randomMatrix(seed) {
  const data = new Float32Array(n * n);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s / 2 ** 31 - 1;
  }
  return new Tensor(new Shape('float_type', [n, n]), data);
}

const a = randomMatrix(1);
const b = randomMatrix(2);
const dot = makeOp('dot');
const out = new Shape('float_type', [n, n]);

for (let i = 0; i < WARMUPS; i++) computeOp(dot, [a, b], out);
const times = [];
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  computeOp(dot, [a, b], out);
  times.push(performance.now() - t0);
}
times.sort((x, y) => x - y);
const median = times[Math.floor(RUNS / 2)];
const gflops = (2 * n ** 3) / (median * 1e-3) / 1e9;
console.log(`ref dot float32 ${n}x${n}x${n}: median ${median.toFixed(1)} ms of ${RUNS} (${times.map((t) => t.toFixed(1)).join(', ')}), ${gflops.toFixed(2)} GFLOP/s`);
