// FLOAT4E2M1 and FLOAT8E8M0: decode of every code, and encode against the reference over every half,
// 10^6 uniform float32s and the ties / powers of two; e8m0 in all three round modes with and without
// saturation, plus the special-value table of the ONNX Cast spec checked by hand.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type E8m0RoundMode, e8m0FromF32Bits, e8m0ToFloat, fp4FromF32Bits, fp4ToFloat } from '../../src/numerics/float4.js';
import { E8M0_VALUES, TABLES, f32BitsOf, f32ValueOfBits, refEncodeE8m0, refEncodeF32Bits } from './reference.js';
import { allHalvesAsF32Bits, gridF32Bits, specialF32Bits, uniformF32Bits } from './samples.js';
import { assertSameCodes, sameValue } from './sweep.js';

const UNIFORM = uniformF32Bits(1_000_000, 0x5eed_f004);
const ALL_HALVES = allHalvesAsF32Bits(TABLES.half.values);
const SPECIALS = Uint32Array.from(specialF32Bits(0x5eed_0003));
const ROUND_MODES: readonly E8m0RoundMode[] = ['up', 'down', 'nearest'];

test('e2m1: all 16 codes decode to the table value', () => {
  assert.deepEqual(
    Array.from({ length: 16 }, (_, c) => fp4ToFloat(c)),
    [0, 0.5, 1, 1.5, 2, 3, 4, 6, -0, -0.5, -1, -1.5, -2, -3, -4, -6],
  );
  for (let c = 0; c < 16; c++) assert.ok(sameValue(fp4ToFloat(c), TABLES.e2m1.values[c]!), `reference code ${c}`);
});

test('e2m1: every half, 10^6 uniform float32s, ties and specials match the reference', () => {
  const grid = gridF32Bits(TABLES.e2m1, 100_000, 0x5eed_0104);
  for (const saturate of [true, false]) {
    const actual = (bits: number) => fp4FromF32Bits(bits, saturate);
    const expected = (bits: number) => refEncodeF32Bits(TABLES.e2m1, bits, saturate);
    assertSameCodes(`all halves saturate=${saturate}`, ALL_HALVES, actual, expected);
    assertSameCodes(`uniform saturate=${saturate}`, UNIFORM, actual, expected);
    assertSameCodes(`grid saturate=${saturate}`, grid, actual, expected);
    assertSameCodes(`specials saturate=${saturate}`, SPECIALS, actual, expected);
  }
});

test('e2m1: hand-checked ties, clamping, zeros and NaN', () => {
  const cases: [number, number][] = [
    [0.25, 0x0], // tie between 0 and 0.5: even code 0
    [0.26, 0x1],
    [0.75, 0x2], // tie between 0.5 (code 1) and 1 (code 2)
    [1.25, 0x2],
    [1.75, 0x4],
    [2.5, 0x4],
    [3.5, 0x6],
    [5, 0x6],
    [7, 0x7], // past 6 everything clamps
    [1e6, 0x7],
    [Infinity, 0x7],
    [-Infinity, 0xf],
    [-3.5, 0xe],
    [-0, 0x8],
    [-0.1, 0x8],
  ];
  for (const [x, want] of cases) {
    const bits = f32BitsOf(Math.fround(x), x < 0 || Object.is(x, -0));
    assert.equal(fp4FromF32Bits(bits), want, `${x}`);
    assert.equal(refEncodeF32Bits(TABLES.e2m1, bits, true), want, `reference ${x}`);
  }
  // ml_dtypes (and so the ONNX node tests) turn NaN into 0x8 and -NaN into 0x0.
  assert.equal(fp4FromF32Bits(0x7fc00000), 0x8);
  assert.equal(fp4FromF32Bits(0xffc00000), 0x0);
});

test('e8m0: all 256 codes decode to 2^(code-127), 0xFF is NaN', () => {
  for (let c = 0; c < 256; c++) assert.ok(sameValue(e8m0ToFloat(c), E8M0_VALUES[c]!), `code ${c}`);
  assert.equal(e8m0ToFloat(0), 2 ** -127);
  assert.equal(e8m0ToFloat(127), 1);
  assert.equal(e8m0ToFloat(254), 2 ** 127);
  assert.ok(Number.isNaN(e8m0ToFloat(255)));
});

/** Powers of two over the whole float32 range (normal and subnormal), their neighbours and 1.5·2^k ties. */
function powerOfTwoF32Bits(): Uint32Array {
  const out: number[] = [];
  const around = (bits: number) => {
    for (const b of [bits - 1, bits, bits + 1]) if (b >= 0 && b <= 0x7f800000) out.push(b, (b | 0x80000000) >>> 0);
  };
  for (let field = 1; field < 255; field++) {
    around(field << 23);
    around((field << 23) | 0x400000);
  }
  for (let k = 0; k < 23; k++) {
    around(1 << k);
    if (k > 0) around(3 << (k - 1));
  }
  return Uint32Array.from(out);
}

test('e8m0: every half, 10^6 uniform float32s, powers of two and ties, all round modes, saturate on and off', () => {
  const powers = powerOfTwoF32Bits();
  for (const mode of ROUND_MODES) {
    for (const saturate of [true, false]) {
      const actual = (bits: number) => e8m0FromF32Bits(bits, saturate, mode);
      const expected = (bits: number) => refEncodeE8m0(f32ValueOfBits(bits), saturate, mode);
      const label = `${mode} saturate=${saturate}`;
      assertSameCodes(`${label}, all halves`, ALL_HALVES, actual, expected);
      assertSameCodes(`${label}, uniform`, UNIFORM, actual, expected);
      assertSameCodes(`${label}, powers of two`, powers, actual, expected);
      assertSameCodes(`${label}, specials`, SPECIALS, actual, expected);
    }
  }
});

test('e8m0: the special-value table of the ONNX Cast spec (saturate+up, non-saturate+nearest)', () => {
  // [input bits, saturate + up, no saturate + nearest]
  const rows: [string, number, number, number][] = [
    ['0', 0x00000000, 0x00, 0xff],
    ['NaN', 0x7fc00000, 0xff, 0xff],
    ['Inf', 0x7f800000, 0xfe, 0xff],
    ['x > E8M0_MAX (1.5 · 2^127)', 0x7f400000, 0xfe, 0xff],
    ['x < E8M0_MIN (2^-130)', 0x00080000, 0x00, 0xff],
  ];
  for (const [name, bits, saturateUp, nearest] of rows) {
    assert.equal(e8m0FromF32Bits(bits, true, 'up'), saturateUp, `${name}, saturate + up`);
    assert.equal(e8m0FromF32Bits(bits, false, 'nearest'), nearest, `${name}, no saturate + nearest`);
    const value = f32ValueOfBits(bits);
    assert.equal(refEncodeE8m0(value, true, 'up'), saturateUp, `reference ${name}, saturate + up`);
    assert.equal(refEncodeE8m0(value, false, 'nearest'), nearest, `reference ${name}, no saturate + nearest`);
  }
});

test('e8m0: round modes on ordinary values; the sign is ignored', () => {
  // [x, up, down, nearest]
  const rows: [number, number, number, number][] = [
    [1, 0x7f, 0x7f, 0x7f],
    [3, 0x81, 0x80, 0x81], // 3 = 1.5 · 2: the tie goes up under 'nearest'
    [2.9, 0x81, 0x80, 0x80],
    [5, 0x82, 0x81, 0x81],
    [6, 0x82, 0x81, 0x82], // 6 = 1.5 · 4: nearest goes up to 8
    [-4, 0x81, 0x81, 0x81],
    [2 ** -127, 0x00, 0x00, 0x00], // a float32 subnormal that is exactly the smallest code
    [2 ** -127 * 1.25, 0x01, 0x00, 0x00],
    [2 ** 127 * 1.25, 0xfe, 0xfe, 0xfe], // up saturates, down and nearest are in range
  ];
  for (const [x, up, down, nearest] of rows) {
    const bits = f32BitsOf(Math.fround(x));
    assert.equal(e8m0FromF32Bits(bits), up, `${x} up (the default)`);
    assert.equal(e8m0FromF32Bits(bits, true, 'down'), down, `${x} down`);
    assert.equal(e8m0FromF32Bits(bits, true, 'nearest'), nearest, `${x} nearest`);
  }
  assert.equal(e8m0FromF32Bits(f32BitsOf(2 ** 127 * 1.25), false, 'up'), 0xff);
  assert.equal(e8m0FromF32Bits(f32BitsOf(2 ** -128), false, 'down'), 0xff);
});

test('e8m0: ONNX test_cast_e8m0_FLOAT_to_FLOAT8E8M0 values', () => {
  const inputs = [0, 0.124, 0.25, 0.5, 1.1, 2, 4, 8];
  const codes = inputs.map((x) => e8m0FromF32Bits(f32BitsOf(Math.fround(x)), true, 'up'));
  assert.deepEqual(codes, [0x00, 0x7c, 0x7d, 0x7e, 0x80, 0x80, 0x81, 0x82]);
});
