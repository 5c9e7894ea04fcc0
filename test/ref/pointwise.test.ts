import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeOp } from '../../src/ops/index.js';
import { Module } from '../../src/ir/module.js';
import { Shape } from '../../src/ir/shape.js';
import type { ElementType } from '../../src/ir/types.js';
import { computeOp, evaluateModule } from '../../src/ref/evaluate.js';
import { assertClose, raw, rawTensor, runOp, tensor } from './helpers.js';

const f32 = Math.fround;
const binary = (name: string, type: ElementType, a: number[], b: number[]) =>
  runOp(name, {}, [tensor(type, [a.length], a), tensor(type, [b.length], b)]);
const big = (name: string, type: ElementType, a: bigint[], b: bigint[]) => {
  const Arr = type === 'int64_type' ? BigInt64Array : BigUint64Array;
  return runOp(name, {}, [rawTensor(type, [a.length], Arr.from(a)), rawTensor(type, [b.length], Arr.from(b))]);
};

test('float arithmetic is float32: results are stored rounded to float32', () => {
  const r = binary('add', 'float_type', [1, 0.1, 1e30], [2 ** -24, 0.2, 1e30]);
  // 1 + 2^-24 is a tie in float32 and rounds to even (1); 0.1f + 0.2f rounds to the float32 nearest the sum.
  assert.deepEqual(r.toNumbers(), [1, f32(f32(0.1) + f32(0.2)), f32(2e30)]);
  assert.ok(r.data instanceof Float32Array);
  assert.deepEqual(binary('div', 'float_type', [1, -1, 0], [3, 0, 0]).toNumbers().slice(0, 2), [f32(1 / 3), -Infinity]);
  assert.ok(Number.isNaN(binary('div', 'float_type', [0], [0]).get(0)));
});

test('half results are computed in float32 and rounded once to half, ties to even', () => {
  // 1 + 2^-11 lies halfway between 1 (0x3C00) and 1 + 2^-10 (0x3C01): even mantissa wins (0x3C00).
  // 1 + 3·2^-11 lies halfway between 0x3C01 and 0x3C02: 0x3C02. 60000 + 10000 overflows to +Inf (0x7C00).
  const a = rawTensor('half_type', [3], new Uint16Array([0x3c00, 0x3c00, 0x7b53]));
  const b = rawTensor('half_type', [3], new Uint16Array([0x1000, 0x1600, 0x70e2]));
  assert.equal(a.get(2), 60000);
  assert.equal(b.get(2), 10000);
  assert.equal(b.get(0), 2 ** -11);
  assert.equal(b.get(1), 3 * 2 ** -11);
  assert.deepEqual(raw(runOp('add', {}, [a, b])), [0x3c00, 0x3c02, 0x7c00]);
  // 1/3 in float32 is 0.3333333432…; the nearest half is 1365·2^-12 = 0x3555.
  const one = rawTensor('half_type', [1], new Uint16Array([0x3c00]));
  const three = rawTensor('half_type', [1], new Uint16Array([0x4200]));
  assert.deepEqual(raw(runOp('div', {}, [one, three])), [0x3555]);
});

test('bf16 results round once to bf16', () => {
  // 1 + 2^-8 is halfway between 1 (0x3F80) and 1 + 2^-7 (0x3F81): ties to even give 0x3F80.
  const a = rawTensor('bf16_type', [2], new Uint16Array([0x3f80, 0x3f80]));
  const b = rawTensor('bf16_type', [2], new Uint16Array([0x3b80, 0x3c40])); // 2^-8, 3·2^-8
  assert.deepEqual(raw(runOp('add', {}, [a, b])), [0x3f80, 0x3f82]);
});

test('small integer types wrap as two\'s complement', () => {
  assert.deepEqual(binary('add', 'int8_type', [100, -100, 127], [100, -100, 1]).toNumbers(), [-56, 56, -128]);
  assert.deepEqual(binary('mul', 'int8_type', [16, -128], [16, -1]).toNumbers(), [0, -128]);
  assert.deepEqual(binary('sub', 'uint8_type', [1, 0], [2, 255]).toNumbers(), [255, 1]);
  assert.deepEqual(runOp('abs', {}, [tensor('int8_type', [2], [-128, -5])]).toNumbers(), [-128, 5]);
  assert.deepEqual(runOp('neg', {}, [tensor('uint8_type', [2], [1, 0])]).toNumbers(), [255, 0]);
  assert.deepEqual(binary('add', 'int4_type', [7, -8], [1, -1]).toNumbers(), [-8, 7]);
  assert.deepEqual(binary('add', 'uint2_type', [3, 2], [1, 3]).toNumbers(), [0, 1]);
});

test('32-bit integer products keep their exact low 32 bits', () => {
  const a = [65536, 123456789, -2147483648, 4000000000];
  const b = [65536, 987654321, -1, 3];
  const i32 = binary('mul', 'int32_type', a.slice(0, 3), b.slice(0, 3)).toNumbers();
  assert.deepEqual(i32, [0, Number(BigInt.asIntN(32, 123456789n * 987654321n)), -2147483648]);
  const u32 = binary('mul', 'uint32_type', [4000000000, 123456789], [3, 987654321]).toNumbers();
  assert.deepEqual(u32, [Number(BigInt.asUintN(32, 12000000000n)), Number(BigInt.asUintN(32, 123456789n * 987654321n))]);
});

test('uint64 and int64 arithmetic is exact beyond 2^53 and wraps modulo 2^64 (test_add_uint64, test_sub_uint64)', () => {
  const max = 2n ** 64n - 1n;
  assert.deepEqual(raw(big('add', 'uint64_type', [max, 2n ** 53n + 1n, 1n], [1n, 2n, 2n])), [0n, 2n ** 53n + 3n, 3n]);
  assert.deepEqual(raw(big('sub', 'uint64_type', [0n, 2n ** 60n + 7n], [1n, 2n ** 60n])), [max, 7n]);
  assert.deepEqual(raw(big('mul', 'int64_type', [2n ** 40n + 3n, 2n ** 62n], [2n ** 20n + 1n, 4n])), [
    BigInt.asIntN(64, (2n ** 40n + 3n) * (2n ** 20n + 1n)),
    0n,
  ]);
  assert.deepEqual(raw(big('div', 'int64_type', [2n ** 62n + 1n, -7n, 5n], [3n, 2n, 0n])), [(2n ** 62n + 1n) / 3n, -3n, 0n]);
  assert.deepEqual(raw(runOp('neg', {}, [rawTensor('int64_type', [1], BigInt64Array.from([-(2n ** 63n)]))])), [-(2n ** 63n)]);
  assert.deepEqual(raw(big('max', 'int64_type', [2n ** 53n + 1n], [2n ** 53n])), [2n ** 53n + 1n]);
  assert.deepEqual(raw(big('min', 'uint64_type', [max], [max - 1n])), [max - 1n]);
  assert.deepEqual(raw(runOp('abs', {}, [rawTensor('int64_type', [2], BigInt64Array.from([-(2n ** 60n), 5n]))])), [2n ** 60n, 5n]);
});

test('integer division truncates toward zero; mod takes the divisor\'s sign, fmod the dividend\'s', () => {
  for (const type of ['int32_type', 'int8_type'] as const) {
    assert.deepEqual(binary('div', type, [-7, 7, -7, 7], [2, -2, -2, 2]).toNumbers(), [-3, -3, 3, 3]);
    assert.deepEqual(binary('mod', type, [-7, 7, -7, 7, 6], [2, -2, -2, 2, 3]).toNumbers(), [1, -1, -1, 1, 0]);
    assert.deepEqual(binary('fmod', type, [-7, 7, -7, 7], [2, -2, -2, 2]).toNumbers(), [-1, 1, -1, 1]);
  }
  assert.deepEqual(raw(big('mod', 'int64_type', [-7n, 7n], [2n, -2n])), [1n, -1n]);
  assert.deepEqual(raw(big('fmod', 'int64_type', [-7n, 7n], [2n, -2n])), [-1n, 1n]);
  assert.deepEqual(binary('mod', 'float_type', [-7.5, 7.5], [2, -2]).toNumbers(), [0.5, -0.5]);
  assert.deepEqual(binary('fmod', 'float_type', [-7.5, 7.5], [2, -2]).toNumbers(), [-1.5, 1.5]);
});

test('pow: float pow, exact integer pow for integer exponents (wrapping)', () => {
  assert.deepEqual(binary('pow', 'float_type', [2, 9, 1], [0.5, 0.5, NaN]).toNumbers(), [f32(Math.SQRT2), 3, 1]);
  assert.deepEqual(binary('pow', 'int32_type', [3, 2, 2, -1, 5, 0], [4, 31, -1, -3, 0, 0]).toNumbers(), [81, -2147483648, 0, -1, 1, 1]);
  assert.deepEqual(binary('pow', 'int16_type', [3], [11]).toNumbers(), [Number(BigInt.asIntN(16, 3n ** 11n))]);
  assert.deepEqual(raw(big('pow', 'uint64_type', [3n], [40n])), [3n ** 40n]);
  assert.deepEqual(raw(big('pow', 'int64_type', [3n], [40n])), [BigInt.asIntN(64, 3n ** 40n)]);
});

test('min and max propagate NaN', () => {
  const r = binary('max', 'float_type', [NaN, 1, -0], [1, NaN, 0]).toNumbers();
  assert.ok(Number.isNaN(r[0]!) && Number.isNaN(r[1]!));
  assert.ok(Number.isNaN(binary('min', 'float_type', [2], [NaN]).get(0)));
  assert.deepEqual(binary('min', 'int32_type', [3, -4], [-2, 5]).toNumbers(), [-2, -4]);
});

test('comparisons give bool; NaN compares false; int64 compares exactly', () => {
  const a = [1, NaN, 2, -0];
  const b = [1, NaN, 3, 0];
  const eq = binary('equal', 'float_type', a, b);
  assert.equal(eq.type, 'bool_type');
  assert.deepEqual(eq.toNumbers(), [1, 0, 0, 1]);
  assert.deepEqual(binary('less', 'float_type', a, b).toNumbers(), [0, 0, 1, 0]);
  assert.deepEqual(binary('greater', 'half_type', [2, 1], [1, 2]).toNumbers(), [1, 0]);
  assert.deepEqual(raw(big('less', 'int64_type', [2n ** 53n, 2n ** 53n + 1n], [2n ** 53n + 1n, 2n ** 53n])), [1, 0]);
  assert.deepEqual(raw(big('equal', 'uint64_type', [2n ** 64n - 1n], [2n ** 64n - 2n])), [0]);
  assert.deepEqual(binary('equal', 'bool_type', [1, 0, 1], [1, 0, 0]).toNumbers(), [1, 1, 0]);
});

test('logical ops and not', () => {
  const a = [0, 0, 1, 1];
  const b = [0, 1, 0, 1];
  assert.deepEqual(binary('logical_and', 'bool_type', a, b).toNumbers(), [0, 0, 0, 1]);
  assert.deepEqual(binary('logical_or', 'bool_type', a, b).toNumbers(), [0, 1, 1, 1]);
  assert.deepEqual(binary('logical_xor', 'bool_type', a, b).toNumbers(), [0, 1, 1, 0]);
  assert.deepEqual(runOp('not', {}, [tensor('bool_type', [2], [0, 1])]).toNumbers(), [1, 0]);
  // Integer not is bitwise: ~5 = -6; for uint8, ~0 = 255.
  assert.deepEqual(runOp('not', {}, [tensor('int8_type', [1], [5])]).toNumbers(), [-6]);
  assert.deepEqual(runOp('not', {}, [tensor('uint8_type', [1], [0])]).toNumbers(), [255]);
  assert.deepEqual(raw(runOp('not', {}, [rawTensor('uint64_type', [1], BigUint64Array.from([0n]))])), [2n ** 64n - 1n]);
});

test('where copies stored values of any type, fp8 codes and bigints included', () => {
  const c = tensor('bool_type', [3], [1, 0, 1]);
  const x = rawTensor('fp8e4m3fn_type', [3], new Uint8Array([0x7f, 0x01, 0x38]));
  const y = rawTensor('fp8e4m3fn_type', [3], new Uint8Array([0x00, 0x81, 0xff]));
  assert.deepEqual(raw(runOp('where', {}, [c, x, y])), [0x7f, 0x81, 0x38]);
  const xi = rawTensor('int64_type', [3], BigInt64Array.from([2n ** 62n, 1n, -1n]));
  const yi = rawTensor('int64_type', [3], BigInt64Array.from([0n, 2n ** 61n, 0n]));
  assert.deepEqual(raw(runOp('where', {}, [c, xi, yi])), [2n ** 62n, 2n ** 61n, -1n]);
});

test('clip clamps and lets NaN through; isnan', () => {
  const x = tensor('float_type', [4], [-5, 0.5, 9, NaN]);
  const lo = tensor('float_type', [4], [-1, -1, -1, -1]);
  const hi = tensor('float_type', [4], [1, 1, 1, 1]);
  const r = runOp('clip', {}, [x, lo, hi]).toNumbers();
  assert.deepEqual(r.slice(0, 3), [-1, 0.5, 1]);
  assert.ok(Number.isNaN(r[3]!));
  assert.deepEqual(runOp('clip', {}, [tensor('int32_type', [3], [-9, 3, 9]), tensor('int32_type', [3], [0, 0, 0]), tensor('int32_type', [3], [5, 5, 5])]).toNumbers(), [0, 3, 5]);
  assert.deepEqual(runOp('isnan', {}, [x]).toNumbers(), [0, 0, 0, 1]);
  assert.deepEqual(runOp('isnan', {}, [rawTensor('half_type', [3], new Uint16Array([0x7e00, 0x7c00, 0xfe01]))]).toNumbers(), [1, 0, 1]);
  assert.deepEqual(runOp('isnan', {}, [tensor('int32_type', [1], [0])]).toNumbers(), [0]);
});

test('nearbyint rounds half to even and keeps the sign of zero', () => {
  const r = runOp('nearbyint', {}, [tensor('float_type', [8], [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999, -0.4])]).toNumbers();
  assert.deepEqual(r, [0, 2, 2, -0, -2, -2, 2, -0]);
  assert.ok(Object.is(r[3], -0) && Object.is(r[7], -0));
});

test('unary float functions match their definitions, rounded to float32', () => {
  const xs = [-2.5, -1, -0.25, 0, 0.3, 1, 3.75];
  const pos = [0.01, 0.5, 1, 2, 10];
  const run = (name: string, v: number[]) => runOp(name, {}, [tensor('float_type', [v.length], v)]).toNumbers();
  const expect = (name: string, v: number[], f: (x: number) => number) =>
    assertClose(run(name, v), v.map((x) => f(f32(x))), 1.2e-7, 1e-45, name);
  expect('abs', xs, Math.abs);
  expect('neg', xs, (x) => -x);
  expect('sign', xs, Math.sign);
  expect('relu', xs, (x) => (x > 0 ? x : 0));
  expect('floor', xs, Math.floor);
  expect('ceil', xs, Math.ceil);
  expect('exp', xs, Math.exp);
  expect('tanh', xs, Math.tanh);
  expect('sin', xs, Math.sin);
  expect('cos', xs, Math.cos);
  expect('sigmoid', xs, (x) => 1 / (1 + Math.exp(-x)));
  expect('log', pos, Math.log);
  expect('sqrt', pos, Math.sqrt);
  expect('rsqrt', pos, (x) => 1 / Math.sqrt(x));
  expect('recip', pos, (x) => 1 / x);
  assert.ok(Number.isNaN(run('relu', [NaN])[0]!));
  assert.ok(Number.isNaN(run('sqrt', [-1])[0]!));
});

test('erf is accurate to float32 (and to ~1e-13 in double)', () => {
  // Reference values (Abramowitz & Stegun tables / high-precision evaluation).
  const cases: [number, number][] = [
    [1e-4, 1.1283791633342477e-4],
    [-0.1, -0.1124629160182849],
    [0.5, 0.5204998778130465],
    [1, 0.8427007929497149],
    [2, 0.9953222650189527],
    [2.6, 0.9997639655834707],
    [3, 0.9999779095030014],
    [4, 0.9999999845827421],
    [-5, -0.9999999999984626],
    [10, 1],
  ];
  const xs = cases.map((c) => c[0]);
  const inFloat = runOp('erf', {}, [tensor('float_type', [xs.length], xs)]).toNumbers();
  assertClose(inFloat, cases.map((c) => c[1]), 1.2e-7, 0, 'erf float');
  const inDouble = runOp('erf', {}, [tensor('double_type', [xs.length], xs)]).toNumbers();
  assertClose(inDouble, cases.map((c) => c[1]), 1e-13, 0, 'erf double');
});

test('pointwise ops read transposed, broadcast and sliced views through their strides', () => {
  const m = new Module('m');
  const x = m.addParameter('x', new Shape('float_type', [2, 3]));
  const y = m.addParameter('y', new Shape('float_type', [3, 2]));
  const v = m.addParameter('v', new Shape('float_type', [3]));
  const w = m.addParameter('w', new Shape('float_type', [2, 5]));
  const yt = m.addInstruction(makeOp('transpose', { permutation: [1, 0] }), [y]);
  const vb = m.addInstruction(makeOp('multibroadcast', { out_lens: [2, 3] }), [v]);
  const ws = m.addInstruction(makeOp('slice', { axes: [1], starts: [1], ends: [4] }), [w]);
  const s1 = m.addInstruction(makeOp('add'), [x, yt]);
  const s2 = m.addInstruction(makeOp('mul'), [s1, vb]);
  const s3 = m.addInstruction(makeOp('sub'), [s2, ws]);
  m.addReturn([s3]);
  const xv = [1, 2, 3, 4, 5, 6];
  const yv = [10, 20, 30, 40, 50, 60];
  const vv = [1, 10, 100];
  const wv = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const [r] = evaluateModule(
    m,
    new Map([
      ['x', tensor('float_type', [2, 3], xv)],
      ['y', tensor('float_type', [3, 2], yv)],
      ['v', tensor('float_type', [3], vv)],
      ['w', tensor('float_type', [2, 5], wv)],
    ]),
  );
  const expected: number[] = [];
  for (let i = 0; i < 2; i++) {
    for (let j = 0; j < 3; j++) expected.push((xv[i * 3 + j]! + yv[j * 2 + i]!) * vv[j]! - wv[i * 5 + 1 + j]!);
  }
  assert.deepEqual(r!.toNumbers(), expected);
  assert.ok(r!.shape.equals(new Shape('float_type', [2, 3])));
});

test('pointwise ops on empty tensors give empty results', () => {
  const e = tensor('float_type', [0, 3], []);
  const r = runOp('add', {}, [e, e]);
  assert.deepEqual(r.shape.lens, [0, 3]);
  assert.equal(r.shape.elements(), 0);
});

test('arithmetic on fp8 is refused by the compute with the op and type named', () => {
  const x = rawTensor('fp8e4m3fn_type', [1], new Uint8Array([0x38]));
  assert.throws(() => computeOp(makeOp('neg'), [x], x.shape), /neg.*fp8e4m3fn_type/);
});
