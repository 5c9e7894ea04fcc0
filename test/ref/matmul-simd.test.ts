import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchedMatmul, setSimdMatmul, type MatrixOperand } from '../../src/ref/matmul.js';
import { SimdKernel, simdSupported } from '../../src/ref/matmul-simd.js';
import { seededRandom } from './helpers.js';

function operand(lens: number[], rnd: () => number, transposed = false): MatrixOperand {
  const n = lens.reduce((a, b) => a * b, 1);
  const data = Float32Array.from({ length: n }, () => rnd() * 2 - 1);
  const r = lens.length;
  const strides = new Array<number>(r).fill(0);
  let acc = 1;
  // Row-major, or with the last two axes swapped in memory (a transposed view).
  const order = transposed ? [...Array(r - 2).keys(), r - 1, r - 2].reverse() : [...Array(r).keys()].reverse();
  for (const d of order) {
    strides[d] = acc;
    acc *= lens[d]!;
  }
  return { data, offset: 0, lens, strides };
}

function bothKernels(a: MatrixOperand, b: MatrixOperand): { simd: Float64Array; plain: Float64Array } {
  const was = setSimdMatmul(true);
  try {
    const simd = batchedMatmul(a, b);
    setSimdMatmul(false);
    const plain = batchedMatmul(a, b);
    return { simd, plain };
  } finally {
    setSimdMatmul(was);
  }
}

test('the SIMD module validates and instantiates on this Node', () => {
  assert.ok(simdSupported());
  assert.ok(SimdKernel.get() !== undefined);
});

test('the SIMD kernel is bit-identical to the JavaScript kernel (ragged sizes, transposed B, batches, K 0 and 1)', () => {
  const rnd = seededRandom(11);
  const cases: [number, number, number, number[]][] = [
    [1, 1, 1, []],
    [3, 5, 7, []],
    [4, 4, 4, [2]],
    [9, 0, 6, []],
    [6, 1, 10, [3]],
    [17, 33, 13, [2, 2]],
    [64, 96, 40, []],
  ];
  for (const [M, K, N, batch] of cases) {
    for (const transposed of [false, true]) {
      const a = operand([...batch, M, K], rnd);
      const b = operand([...batch, K, N], rnd, transposed);
      const { simd, plain } = bothKernels(a, b);
      assert.equal(simd.length, plain.length);
      for (let i = 0; i < plain.length; i++) {
        assert.ok(Object.is(simd[i], plain[i]), `M=${M} K=${K} N=${N} batch=${batch} transposed=${transposed} [${i}]: ${simd[i]} vs ${plain[i]}`);
      }
    }
  }
});

test('the SIMD kernel sums exactly what a sequential float64 loop sums (several column chunks)', () => {
  // K = 2048 makes each B chunk 16 panels wide, so N = 100 needs several kernel calls per batch.
  const rnd = seededRandom(5);
  const [M, K, N] = [5, 2048, 100];
  const a = operand([M, K], rnd);
  const b = operand([K, N], rnd);
  const { simd } = bothKernels(a, b);
  for (const [i, j] of [[0, 0], [4, 99], [2, 63], [3, 64]] as const) {
    let s = 0;
    for (let k = 0; k < K; k++) s += (a.data[i * K + k]! as number) * (b.data[k * N + j]! as number);
    assert.equal(simd[i * N + j], s, `C[${i}][${j}]`);
  }
});
