// encodeScalar / decodeScalar over every element type, and wrapInt: doubles into each low-precision float
// type must round once, exactly like the reference (no rounding through float32 first); integer types
// truncate and wrap like BigInt.asIntN / asUintN; bool follows ONNX Cast (NaN is true).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeScalar, encodeScalar, wrapInt } from '../../src/numerics/codec.js';
import { ELEMENT_TYPES, type ElementType } from '../../src/ir/types.js';
import { type FormatTable, TABLES, refEncode, refEncodeE8m0 } from './reference.js';
import { doublesNearTies, makeRandom } from './samples.js';

const FLOAT_TABLES: [ElementType, FormatTable][] = [
  ['half_type', TABLES.half],
  ['bf16_type', TABLES.bf16],
  ['fp8e4m3fn_type', TABLES.e4m3fn],
  ['fp8e4m3fnuz_type', TABLES.e4m3fnuz],
  ['fp8e5m2_type', TABLES.e5m2],
  ['fp8e5m2fnuz_type', TABLES.e5m2fnuz],
  ['fp4e2m1_type', TABLES.e2m1],
];

test('doubles into every low-precision float type match the reference, saturate on and off', () => {
  for (const [type, table] of FLOAT_TABLES) {
    const xs = doublesNearTies(table, 50_000, 0x5eed_c0de);
    for (const saturate of [true, false]) {
      const bad: string[] = [];
      for (const x of xs) {
        const got = encodeScalar(type, x, saturate);
        const want = refEncode(table, x, x < 0 || Object.is(x, -0), saturate);
        if (got !== want && bad.length < 5) bad.push(`${x}: got ${got}, want ${want}`);
      }
      assert.deepEqual(bad, [], `${type} saturate=${saturate}`);
    }
  }
});

test('doubles into e8m0 match the reference in every round mode, and decode back to powers of two', () => {
  const next = makeRandom(0x5eed_e8);
  for (const mode of ['up', 'down', 'nearest'] as const) {
    for (const saturate of [true, false]) {
      for (let i = 0; i < 20_000; i++) {
        // 1.5·2^k nudged by a tiny relative amount, or a random double over the whole float32 range
        const k = (next() % 300) - 150;
        const x = i % 2 === 0 ? 1.5 * 2 ** k * (1 + (next() & 1 ? 2 ** -40 : -(2 ** -40))) : (next() / 2 ** 32) * 2 ** k;
        const want = refEncodeE8m0(x, saturate, mode);
        assert.equal(encodeScalar('fp8e8m0_type', x, saturate, mode), want, `${x} ${mode} saturate=${saturate}`);
      }
    }
  }
  assert.equal(decodeScalar('fp8e8m0_type', encodeScalar('fp8e8m0_type', 0.3)), 0.5);
  assert.equal(decodeScalar('fp8e8m0_type', encodeScalar('fp8e8m0_type', 0.3, true, 'down')), 0.25);
});

test('decode(encode(x)) for each float type on values each type holds exactly', () => {
  const exact: [ElementType, number[]][] = [
    ['half_type', [0, -0, 1, -2.5, 65504, 2 ** -24, Infinity, -Infinity]],
    ['bf16_type', [0, -0, 1, -2.5, 2 ** 127, 2 ** -133, Infinity]],
    ['fp8e4m3fn_type', [0, -0, 1, -2.5, 448, 2 ** -9]],
    ['fp8e4m3fnuz_type', [0, 1, -2.5, 240, 2 ** -10]],
    ['fp8e5m2_type', [0, -0, 1, -2.5, 57344, 2 ** -16, Infinity]],
    ['fp8e5m2fnuz_type', [0, 1, -2.5, 57344, 2 ** -17]],
    ['fp4e2m1_type', [0, -0, 0.5, -1.5, 6]],
    ['fp8e8m0_type', [1, 2 ** -127, 2 ** 127, 0.125]],
    ['float_type', [0, -0, 1.5, -1e30]],
    ['double_type', [0.1, -1e300]],
  ];
  for (const [type, values] of exact) {
    for (const x of values) {
      const stored = encodeScalar(type, x, false);
      assert.ok(Object.is(decodeScalar(type, stored), x), `${type} ${x} (stored ${stored})`);
    }
  }
  for (const type of ['half_type', 'bf16_type', 'fp8e4m3fn_type', 'fp8e5m2_type', 'fp8e8m0_type'] as const) {
    assert.ok(Number.isNaN(decodeScalar(type, encodeScalar(type, NaN))), `${type} NaN`);
  }
});

test('wrapInt truncates toward zero and wraps like BigInt.asIntN / asUintN', () => {
  const hand: [number, number, boolean, number][] = [
    [200, 8, true, -56], // the ONNX Cast spec's example: 200 (int16) -> -56 (int8)
    [-9, 4, true, 7],
    [15, 4, true, -1],
    [-3, 2, true, 1],
    [2, 2, true, -2],
    [-1, 8, false, 255],
    [261, 8, false, 5],
    [2.7, 8, true, 2],
    [-2.7, 8, true, -2],
    [127.9, 8, true, 127],
    [128, 8, true, -128],
    [-129, 8, true, 127],
    [2 ** 31, 32, true, -(2 ** 31)],
    [2 ** 32 + 7, 32, false, 7],
    [NaN, 8, true, 0],
    [Infinity, 16, false, 0],
  ];
  for (const [x, bits, signed, want] of hand) assert.equal(wrapInt(x, bits, signed), want, `wrapInt(${x}, ${bits}, ${signed})`);
  assert.ok(Object.is(wrapInt(-0.5, 8, false), 0), 'no -0');

  const next = makeRandom(0x5eed_1a7);
  for (let i = 0; i < 20_000; i++) {
    const x = (next() - 2 ** 31) * 2 ** (next() % 10) + (next() % 1000) / 1000;
    const truncated = BigInt(Math.trunc(x));
    for (const bits of [2, 4, 8, 16, 32]) {
      assert.equal(wrapInt(x, bits, true), Number(BigInt.asIntN(bits, truncated)), `signed ${bits}: ${x}`);
      assert.equal(wrapInt(x, bits, false), Number(BigInt.asUintN(bits, truncated)), `unsigned ${bits}: ${x}`);
    }
  }
});

test('integer, bool and 64-bit element types', () => {
  const cases: [ElementType, number, number | bigint][] = [
    ['int8_type', 200, -56],
    ['uint8_type', -1, 255],
    ['int16_type', 40000, -25536],
    ['uint16_type', 70000, 4464],
    ['int32_type', -3.9, -3],
    ['uint32_type', -1, 4294967295],
    ['int4_type', 9, -7],
    ['uint4_type', -9, 7],
    ['int2_type', -3, 1],
    ['uint2_type', 5, 1],
    ['int64_type', -3.7, -3n],
    ['uint64_type', -1, 2n ** 64n - 1n],
    ['bool_type', 0, 0],
    ['bool_type', -0, 0],
    ['bool_type', 0.1, 1],
    ['bool_type', NaN, 1], // ONNX Cast: only ±0 are false
  ];
  for (const [type, x, want] of cases) assert.equal(encodeScalar(type, x), want, `${type} ${x}`);
  assert.equal(decodeScalar('int64_type', -5n), -5);
  assert.equal(decodeScalar('bool_type', 7), 1);
});

test('every element type is handled; the two without a scalar form say so', () => {
  for (const type of ELEMENT_TYPES) {
    if (type === 'tuple_type' || type === 'fp4x2_type') {
      assert.throws(() => encodeScalar(type, 1), /scalar|per element/, type);
      assert.throws(() => decodeScalar(type, 1), /scalar/, type);
      continue;
    }
    const stored = encodeScalar(type, 1);
    assert.equal(decodeScalar(type, stored), 1, type);
  }
});
