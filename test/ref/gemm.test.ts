import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeOp } from '../../src/ops/index.js';
import { Module } from '../../src/ir/module.js';
import { Shape } from '../../src/ir/shape.js';
import { evaluateModule } from '../../src/ref/evaluate.js';
import { raw, rawTensor, runOp, seededRandom, tensor } from './helpers.js';

/** C = A·B per batch by the definition, in float64. A is [batch, M, K], B is [batch, K, N], row-major. */
function naiveMatmul(a: number[], b: number[], batch: number, M: number, K: number, N: number): { c: number[]; scale: number[] } {
  const c: number[] = [];
  const scale: number[] = [];
  for (let p = 0; p < batch; p++) {
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        let mag = 0;
        for (let k = 0; k < K; k++) {
          const t = a[(p * M + i) * K + k]! * b[(p * K + k) * N + j]!;
          s += t;
          mag += Math.abs(t);
        }
        c.push(s);
        scale.push(mag);
      }
    }
  }
  return { c, scale };
}

function randomFloats(n: number, rnd: () => number): number[] {
  return Array.from({ length: n }, () => Math.fround(rnd() * 2 - 1));
}

function assertMatmul(actual: number[], expected: { c: number[]; scale: number[] }, what: string): void {
  assert.equal(actual.length, expected.c.length, what);
  for (let i = 0; i < actual.length; i++) {
    const tol = 2 ** -22 * expected.scale[i]! + 1e-30;
    assert.ok(Math.abs(actual[i]! - expected.c[i]!) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected.c[i]}`);
  }
}

test('dot matches a naive triple loop for sizes around and off the 4×4 block', () => {
  const rnd = seededRandom(7);
  const sizes: [number, number, number][] = [[1, 1, 1], [3, 5, 7], [4, 4, 4], [5, 1, 3], [17, 9, 13], [33, 65, 31], [8, 0, 5]];
  for (const [M, K, N] of sizes) {
    const a = randomFloats(M * K, rnd);
    const b = randomFloats(K * N, rnd);
    const r = runOp('dot', {}, [tensor('float_type', [M, K], a), tensor('float_type', [K, N], b)]);
    assert.deepEqual(r.shape.lens, [M, N]);
    assertMatmul(r.toNumbers(), naiveMatmul(a, b, 1, M, K, N), `${M}x${K}x${N}`);
  }
});

test('batched dot reads a transposed B and a broadcast batch through their strides', () => {
  const rnd = seededRandom(11);
  const [B0, B1, M, K, N] = [2, 3, 6, 10, 7];
  const m = new Module('m');
  const a = m.addParameter('a', new Shape('float_type', [B0, B1, M, K]));
  const bt = m.addParameter('bt', new Shape('float_type', [B0, B1, N, K]));
  const w = m.addParameter('w', new Shape('float_type', [K, N]));
  const b = m.addInstruction(makeOp('transpose', { permutation: [0, 1, 3, 2] }), [bt]);
  const wb = m.addInstruction(makeOp('multibroadcast', { out_lens: [B0, B1, K, N] }), [w]);
  const d1 = m.addInstruction(makeOp('dot'), [a, b]);
  const d2 = m.addInstruction(makeOp('dot'), [a, wb]);
  m.addReturn([d1, d2]);
  const av = randomFloats(B0 * B1 * M * K, rnd);
  const btv = randomFloats(B0 * B1 * N * K, rnd);
  const wv = randomFloats(K * N, rnd);
  const [r1, r2] = evaluateModule(
    m,
    new Map([
      ['a', tensor('float_type', [B0, B1, M, K], av)],
      ['bt', tensor('float_type', [B0, B1, N, K], btv)],
      ['w', tensor('float_type', [K, N], wv)],
    ]),
  );
  // Build the row-major B operands by hand: B[p][k][n] = bt[p][n][k]; the broadcast repeats w.
  const batches = B0 * B1;
  const bv: number[] = [];
  for (let p = 0; p < batches; p++) for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) bv.push(btv[(p * N + n) * K + k]!);
  const wRepeated = Array.from({ length: batches }, () => wv).flat();
  assert.deepEqual(r1!.shape.lens, [B0, B1, M, N]);
  assertMatmul(r1!.toNumbers(), naiveMatmul(av, bv, batches, M, K, N), 'transposed B');
  assertMatmul(r2!.toNumbers(), naiveMatmul(av, wRepeated, batches, M, K, N), 'broadcast B');
});

test('dot on a sliced A (offset and row stride) matches the definition', () => {
  const rnd = seededRandom(5);
  const big = randomFloats(9 * 12, rnd);
  const bv = randomFloats(5 * 6, rnd);
  const m = new Module('m');
  const x = m.addParameter('x', new Shape('float_type', [9, 12]));
  const y = m.addParameter('y', new Shape('float_type', [5, 6]));
  const a = m.addInstruction(makeOp('slice', { axes: [0, 1], starts: [2, 3], ends: [9, 8] }), [x]);
  const d = m.addInstruction(makeOp('dot'), [a, y]);
  m.addReturn([d]);
  const [r] = evaluateModule(m, new Map([['x', tensor('float_type', [9, 12], big)], ['y', tensor('float_type', [5, 6], bv)]]));
  const av: number[] = [];
  for (let i = 2; i < 9; i++) for (let k = 3; k < 8; k++) av.push(big[i * 12 + k]!);
  assertMatmul(r!.toNumbers(), naiveMatmul(av, bv, 1, 7, 5, 6), 'sliced A');
});

test('half dot rounds the output once (not after every addition)', () => {
  // 1 + 2^-11 + 2^-11 = 1 + 2^-10 exactly (0x3C01); rounding each partial sum to half would stick at 1.
  const a = rawTensor('half_type', [1, 3], new Uint16Array([0x3c00, 0x1000, 0x1000]));
  const b = rawTensor('half_type', [3, 1], new Uint16Array([0x3c00, 0x3c00, 0x3c00]));
  assert.deepEqual(raw(runOp('dot', {}, [a, b])), [0x3c01]);
  // 1 + 2^-11 alone is a tie: even → 1.0 (0x3C00).
  const a2 = rawTensor('half_type', [1, 2], new Uint16Array([0x3c00, 0x1000]));
  const b2 = rawTensor('half_type', [2, 1], new Uint16Array([0x3c00, 0x3c00]));
  assert.deepEqual(raw(runOp('dot', {}, [a2, b2])), [0x3c00]);
});

test('double dot keeps float64 precision', () => {
  const a = tensor('double_type', [1, 2], [1, 1e-12]);
  const b = tensor('double_type', [2, 1], [1, 1]);
  assert.deepEqual(runOp('dot', {}, [a, b]).toNumbers(), [1 + 1e-12]);
});

test('integer dot is exact and wraps, through float64 when safe and BigInt when not', () => {
  const small = runOp('dot', {}, [tensor('int8_type', [1, 2], [100, 100]), tensor('int8_type', [2, 1], [2, 1])]);
  assert.deepEqual(small.toNumbers(), [Number(BigInt.asIntN(8, 300n))]);
  const x = 2 ** 30 + 1;
  const y = 2 ** 30 + 3;
  const r = runOp('dot', {}, [tensor('int32_type', [1, 2], [x, 3]), tensor('int32_type', [2, 1], [y, 5])]);
  assert.deepEqual(r.toNumbers(), [Number(BigInt.asIntN(32, BigInt(x) * BigInt(y) + 15n))]);
  const a64 = rawTensor('int64_type', [1, 2], BigInt64Array.from([2n ** 40n + 1n, -3n]));
  const b64 = rawTensor('int64_type', [2, 1], BigInt64Array.from([2n ** 20n + 7n, 2n ** 50n]));
  assert.deepEqual(raw(runOp('dot', {}, [a64, b64])), [BigInt.asIntN(64, (2n ** 40n + 1n) * (2n ** 20n + 7n) - 3n * 2n ** 50n)]);
});

test('quant_dot decodes fp8 exactly to float32 and sums 8-bit integers exactly into int32', () => {
  // e4m3fn: 0x38 = 1, 0x40 = 2, 0x3C = 1.5, 0xB8 = -1, 0x7E = 448, 0x01 = 2^-9.
  const a = rawTensor('fp8e4m3fn_type', [2, 2], new Uint8Array([0x38, 0x40, 0x7e, 0x01]));
  const b = rawTensor('fp8e4m3fn_type', [2, 1], new Uint8Array([0x3c, 0xb8]));
  const r = runOp('quant_dot', {}, [a, b]);
  assert.equal(r.type, 'float_type');
  assert.deepEqual(r.toNumbers(), [1 * 1.5 + 2 * -1, 448 * 1.5 + 2 ** -9 * -1].map(Math.fround));
  const e5 = rawTensor('fp8e5m2_type', [1, 1], new Uint8Array([0x7b])); // 57344
  assert.deepEqual(runOp('quant_dot', {}, [e5, e5]).toNumbers(), [57344 * 57344]);
  const i8 = tensor('int8_type', [1, 2], [-128, 127]);
  const q = runOp('quant_dot', {}, [i8, tensor('int8_type', [2, 1], [-128, 127])]);
  assert.equal(q.type, 'int32_type');
  assert.deepEqual(q.toNumbers(), [128 * 128 + 127 * 127]);
  const mixed = runOp('quant_dot', {}, [tensor('uint8_type', [1, 1], [255]), tensor('int8_type', [1, 1], [-128])]);
  assert.deepEqual(mixed.toNumbers(), [-32640]);
});

/** Direct convolution by the definition, for any spatial rank. */
function naiveConv(
  x: number[], xl: number[], w: number[], wl: number[],
  pads: number[], strides: number[], dils: number[], group: number,
): { lens: number[]; y: number[] } {
  const k = xl.length - 2;
  const outSp = Array.from({ length: k }, (_, d) => Math.floor((xl[d + 2]! + pads[d]! + pads[d + k]! - dils[d]! * (wl[d + 2]! - 1) - 1) / strides[d]!) + 1);
  const lens = [xl[0]!, wl[0]!, ...outSp];
  const coords = (shape: number[]): number[][] =>
    shape.reduce<number[][]>((acc, len) => acc.flatMap((c) => Array.from({ length: len }, (_, i) => [...c, i])), [[]]);
  const flat = (shape: number[], c: number[]) => c.reduce((acc, v, d) => acc * shape[d]! + v, 0);
  const cg = wl[1]!;
  const perGroup = wl[0]! / group;
  const y: number[] = [];
  for (const [n, oc, ...o] of coords(lens)) {
    const g = Math.floor(oc! / perGroup);
    let s = 0;
    for (let ic = 0; ic < cg; ic++) {
      for (const q of coords(wl.slice(2))) {
        const pos = q.map((qd, d) => o[d]! * strides[d]! - pads[d]! + qd * dils[d]!);
        if (pos.some((p, d) => p < 0 || p >= xl[d + 2]!)) continue;
        s += x[flat(xl, [n!, g * cg + ic, ...pos])]! * w[flat(wl, [oc!, ic, ...q])]!;
      }
    }
    y.push(s);
  }
  return { lens, y };
}

test('convolution: a hand-computed 1-D case with padding', () => {
  const x = tensor('float_type', [1, 1, 4], [1, 2, 3, 4]);
  const w = tensor('float_type', [1, 1, 2], [1, 1]);
  const r = runOp('convolution', { padding: [1, 1], stride: [1], dilation: [1] }, [x, w]);
  assert.deepEqual(r.shape.lens, [1, 1, 5]);
  assert.deepEqual(r.toNumbers(), [1, 3, 5, 7, 4]);
});

test('convolution matches the definition with groups, dilation, stride and asymmetric padding (1-D, 2-D, 3-D)', () => {
  const rnd = seededRandom(3);
  const cases: { xl: number[]; wl: number[]; pads: number[]; strides: number[]; dils: number[]; group: number }[] = [
    { xl: [2, 4, 9], wl: [6, 2, 3], pads: [2, 1], strides: [2], dils: [2], group: 2 },
    { xl: [1, 6, 7, 8], wl: [9, 2, 3, 2], pads: [1, 0, 0, 1], strides: [2, 1], dils: [2, 3], group: 3 },
    { xl: [1, 2, 4, 5, 3], wl: [4, 1, 2, 3, 2], pads: [1, 0, 1, 0, 1, 0], strides: [1, 2, 1], dils: [1, 1, 2], group: 2 },
    { xl: [1, 4, 5, 5], wl: [4, 1, 3, 3], pads: [1, 1, 1, 1], strides: [1, 1], dils: [1, 1], group: 4 }, // depthwise
  ];
  for (const c of cases) {
    const xv = Array.from({ length: c.xl.reduce((a, b) => a * b, 1) }, () => Math.round(rnd() * 16 - 8) / 4);
    const wv = Array.from({ length: c.wl.reduce((a, b) => a * b, 1) }, () => Math.round(rnd() * 16 - 8) / 4);
    const expected = naiveConv(xv, c.xl, wv, c.wl, c.pads, c.strides, c.dils, c.group);
    const r = runOp('convolution', { padding: c.pads, stride: c.strides, dilation: c.dils, group: c.group }, [
      tensor('float_type', c.xl, xv),
      tensor('float_type', c.wl, wv),
    ]);
    assert.deepEqual(r.shape.lens, expected.lens);
    // Quarter-integer inputs make every product and sum exact.
    assert.deepEqual(r.toNumbers(), expected.y);
  }
});

test('convolution reads a transposed input and rounds half output once', () => {
  const m = new Module('m');
  const x = m.addParameter('x', new Shape('float_type', [1, 3, 1, 2]));
  const xt = m.addInstruction(makeOp('transpose', { permutation: [0, 3, 2, 1] }), [x]); // [1, 2, 1, 3]
  const w = m.addLiteral(tensor('float_type', [1, 2, 1, 2], [1, 10, 100, 1000]));
  const y = m.addInstruction(makeOp('convolution', { padding: [0, 0, 0, 0], stride: [1, 1], dilation: [1, 1] }), [xt, w]);
  m.addReturn([y]);
  // x[0][c][0][s] = 2c + s + 1 → xt[0][s][0][c]; y[j] = Σ_s Σ_q xt[s][j+q]·w[s][q].
  const xv = tensor('float_type', [1, 3, 1, 2], [1, 2, 3, 4, 5, 6]);
  const [r] = evaluateModule(m, new Map([['x', xv]]));
  const xtAt = (s: number, c: number) => 2 * c + s + 1;
  const wAt = [[1, 10], [100, 1000]];
  const expected = [0, 1].map((j) => [0, 1].reduce((acc, s) => acc + xtAt(s, j) * wAt[s]![0]! + xtAt(s, j + 1) * wAt[s]![1]!, 0));
  assert.deepEqual(r!.toNumbers(), expected);
  const h = runOp('convolution', { padding: [0, 0], stride: [1], dilation: [1] }, [
    rawTensor('half_type', [1, 1, 3], new Uint16Array([0x3c00, 0x1000, 0x1000])),
    rawTensor('half_type', [1, 1, 3], new Uint16Array([0x3c00, 0x3c00, 0x3c00])),
  ]);
  assert.deepEqual(raw(h), [0x3c01]);
});

test('dot on empty operands: K = 0 gives zeros, M = 0 gives an empty result', () => {
  const z = runOp('dot', {}, [tensor('float_type', [2, 0], []), tensor('float_type', [0, 3], [])]);
  assert.deepEqual(z.toNumbers(), [0, 0, 0, 0, 0, 0]);
  const e = runOp('dot', {}, [tensor('float_type', [0, 4], []), tensor('float_type', [4, 3], Array(12).fill(1))]);
  assert.deepEqual(e.shape.lens, [0, 3]);
  assert.equal(e.shape.elements(), 0);
});
