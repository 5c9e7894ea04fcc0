// binary16 and bfloat16: decode of all 65,536 patterns, round trips, and encode of 10^6 uniform float32s,
// every tie and its neighbours, specials, and doubles near ties (no double rounding), bit for bit against
// the reference; plus hand-checked edges (overflow to Inf, subnormal ties, NaN sign).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bf16FromF32Bits,
  bf16ToFloat,
  float32BitsRoundToOdd,
  floatToBf16,
  floatToHalf,
  halfFromF32Bits,
  halfToFloat,
} from '../../src/numerics/float16.js';
import { TABLES, f32BitsOf, refEncode, refEncodeF32Bits } from './reference.js';
import { doublesNearTies, gridF32Bits, specialF32Bits, uniformF32Bits } from './samples.js';
import { assertSameCodes, sameValue } from './sweep.js';

const UNIFORM = uniformF32Bits(1_000_000, 0x5eed_f016);
const SPECIALS = Uint32Array.from(specialF32Bits(0x5eed_0002));

/** Asserts encode(x) equals the reference for every double in `xs` (no NaNs). */
function assertDoublesMatch(label: string, xs: Float64Array, encode: (x: number) => number, table: typeof TABLES.half): void {
  const bad: string[] = [];
  for (const x of xs) {
    const want = refEncode(table, x, x < 0 || Object.is(x, -0), false);
    const got = encode(x);
    if (got !== want && bad.length < 8) bad.push(`${x}: got 0x${got.toString(16)}, want 0x${want.toString(16)}`);
  }
  assert.deepEqual(bad, [], label);
}

test('half: all 65,536 patterns decode to the table value', () => {
  for (let h = 0; h < 65536; h++) {
    const got = halfToFloat(h);
    assert.ok(sameValue(got, TABLES.half.values[h]!), `0x${h.toString(16)}: got ${got}`);
  }
});

test('half: every non-NaN half survives decode → encode; NaNs come back as the quiet NaN with their sign', () => {
  for (let h = 0; h < 65536; h++) {
    const isNaN = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
    const want = isNaN ? (h & 0x8000) | 0x7e00 : h;
    const bits = f32BitsOf(TABLES.half.values[h]!, h >= 0x8000);
    assert.equal(halfFromF32Bits(bits), want, `0x${h.toString(16)} via float32 bits`);
    if (!isNaN) assert.equal(floatToHalf(halfToFloat(h)), h, `0x${h.toString(16)} via number`);
  }
});

test('half: 10^6 uniform float32s, every tie and its neighbours, specials', () => {
  const expected = (bits: number) => refEncodeF32Bits(TABLES.half, bits, false);
  assertSameCodes('uniform', UNIFORM, halfFromF32Bits, expected);
  assertSameCodes('grid', gridF32Bits(TABLES.half, 300_000, 0x5eed_0116), halfFromF32Bits, expected);
  assertSameCodes('specials', SPECIALS, halfFromF32Bits, expected);
  // floatToHalf on the float32 value itself gives the same codes (NaN signs aside: a JS number's NaN
  // sign is not dependable, so NaNs are left to the bit-level checks).
  const notNaN = UNIFORM.subarray(0, 200_000).filter((b) => (b & 0x7fffffff) <= 0x7f800000);
  assertSameCodes('uniform via floatToHalf', notNaN, (b) => floatToHalf(f32Value(b)), expected);
});

test('half: doubles near ties round once, directly (no rounding through float32 first)', () => {
  assertDoublesMatch('half', doublesNearTies(TABLES.half, 300_000, 0x5eed_0216), floatToHalf, TABLES.half);
  // The trap itself: 1 + 2^-11 + 2^-40 is just above a tie, but rounds to the tie as a float32.
  assert.equal(floatToHalf(1 + 2 ** -11 + 2 ** -40), 0x3c01);
  assert.equal(floatToHalf(Math.fround(1 + 2 ** -11 + 2 ** -40)), 0x3c00);
});

test('half: hand-checked edges', () => {
  const cases: [number, number][] = [
    [65504, 0x7bff],
    [65519.996, 0x7bff],
    [65520, 0x7c00], // ties to even: the next pattern is Inf
    [1e10, 0x7c00],
    [-Infinity, 0xfc00],
    [2 ** -24, 0x0001],
    [2 ** -25, 0x0000], // half the smallest subnormal ties to 0
    [Math.fround(2 ** -25 * (1 + 2 ** -23)), 0x0001],
    [3 * 2 ** -25, 0x0002], // 1.5 units ties to 2
    [1023.5 * 2 ** -24, 0x0400], // the largest subnormal plus half a unit ties up to the smallest normal
    [2 ** -14, 0x0400],
    [-0, 0x8000],
    [1, 0x3c00],
    [1 + 2 ** -11, 0x3c00],
    [1 + 3 * 2 ** -11, 0x3c02],
    [-2, 0xc000],
  ];
  for (const [x, want] of cases) {
    assert.equal(floatToHalf(x), want, `floatToHalf(${x})`);
    assert.equal(refEncode(TABLES.half, x, x < 0 || Object.is(x, -0), false), want, `reference ${x}`);
  }
  assert.equal(halfFromF32Bits(0x7fc00000), 0x7e00);
  assert.equal(halfFromF32Bits(0xffc00000), 0xfe00);
  assert.equal(floatToHalf(NaN), 0x7e00);
});

test('bf16: all 65,536 patterns decode to the table value and round-trip', () => {
  for (let b = 0; b < 65536; b++) {
    const value = TABLES.bf16.values[b]!;
    assert.ok(sameValue(bf16ToFloat(b), value), `0x${b.toString(16)}`);
    const isNaN = Number.isNaN(value);
    const want = isNaN ? (b & 0x8000) | 0x7fc0 : b;
    assert.equal(bf16FromF32Bits(f32BitsOf(value, b >= 0x8000)), want, `0x${b.toString(16)} round trip`);
  }
});

test('bf16: 10^6 uniform float32s, every tie and its neighbours, specials, doubles near ties', () => {
  const expected = (bits: number) => refEncodeF32Bits(TABLES.bf16, bits, false);
  assertSameCodes('uniform', UNIFORM, bf16FromF32Bits, expected);
  assertSameCodes('grid', gridF32Bits(TABLES.bf16, 300_000, 0x5eed_0316), bf16FromF32Bits, expected);
  assertSameCodes('specials', SPECIALS, bf16FromF32Bits, expected);
  assertDoublesMatch('bf16', doublesNearTies(TABLES.bf16, 300_000, 0x5eed_0416), floatToBf16, TABLES.bf16);
});

test('bf16: hand-checked edges', () => {
  const bitsCases: [number, number][] = [
    [0x7f7f7fff, 0x7f7f],
    [0x7f7f8000, 0x7f80], // the midpoint past the max bf16 ties to even: Inf
    [0x3f808000, 0x3f80], // 1 + 2^-8 ties to even
    [0x3f818000, 0x3f82],
    [0x00008000, 0x0000], // float32 subnormal tie
    [0x00018000, 0x0002],
    [0x80000000, 0x8000],
    [0x7fc00000, 0x7fc0],
    [0xffc00000, 0xffc0],
    [0x7f800001, 0x7fc0], // signalling NaN is quieted, not rounded into Inf
  ];
  for (const [bits, want] of bitsCases) {
    assert.equal(bf16FromF32Bits(bits), want, `0x${bits.toString(16)}`);
  }
  assert.equal(floatToBf16(1 + 2 ** -8 + 2 ** -40), 0x3f81); // above the tie as a double
});

test('float32BitsRoundToOdd: exact values keep their bits; inexact ones truncate and set the last bit', () => {
  assert.equal(float32BitsRoundToOdd(1), 0x3f800000);
  assert.equal(float32BitsRoundToOdd(-0), 0x80000000);
  assert.equal(float32BitsRoundToOdd(1 + 2 ** -30), 0x3f800001);
  assert.equal(float32BitsRoundToOdd(1 + 2 ** -23 - 2 ** -40), 0x3f800001); // nearest would give ...01 too
  assert.equal(float32BitsRoundToOdd(1 + 2 ** -22 - 2 ** -40), 0x3f800001); // nearest gives ...02: step back, mark
  assert.equal(float32BitsRoundToOdd(-(1 + 2 ** -30)), 0xbf800001);
  assert.equal(float32BitsRoundToOdd(3.4028235677973366e38), 0x7f7fffff); // between FLT_MAX and 2^128
  assert.equal(float32BitsRoundToOdd(2 ** 128), 0x7f800000); // past every float32: Inf
  assert.equal(float32BitsRoundToOdd(-1e300), 0xff800000);
  assert.equal(float32BitsRoundToOdd(1e-300), 0x00000001);
  assert.equal(float32BitsRoundToOdd(Infinity), 0x7f800000);
});

function f32Value(bits: number): number {
  return new Float32Array(new Uint32Array([bits]).buffer)[0]!;
}
