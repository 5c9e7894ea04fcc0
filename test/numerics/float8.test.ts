// float8 (e4m3fn, e4m3fnuz, e5m2, e5m2fnuz): decode of all 256 codes and encode of millions of float32
// inputs, both saturate modes, bit for bit against test/numerics/reference.ts; plus hand-checked edges,
// ORT's golden vector and ONNX's test_quantizelinear_e4m3fn numbers, which check the reference too.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Fp8Format, fp8FromF32Bits, fp8Max, fp8ToFloat } from '../../src/numerics/float8.js';
import { FP8_NAMES, TABLES, f32BitsOf, refEncodeF32Bits } from './reference.js';
import { allHalvesAsF32Bits, gridF32Bits, specialF32Bits, uniformF32Bits } from './samples.js';
import { assertSameCodes, sameValue } from './sweep.js';

const UNIFORM = uniformF32Bits(1_000_000, 0x5eed_f008);
const ALL_HALVES = allHalvesAsF32Bits(TABLES.half.values);
const SPECIALS = Uint32Array.from(specialF32Bits(0x5eed_0001));

test('decode: all 256 codes of each format equal the table built from the definition', () => {
  for (const fmt of FP8_NAMES) {
    for (let code = 0; code < 256; code++) {
      const got = fp8ToFloat(code, fmt);
      const want = TABLES[fmt].values[code]!;
      assert.ok(sameValue(got, want), `${fmt} code 0x${code.toString(16)}: got ${got}, want ${want}`);
    }
  }
});

test('format constants: max, smallest subnormal, NaN and Inf codes', () => {
  const expected: Record<Fp8Format, { max: number; minSub: number; nans: number[]; infs: number[] }> = {
    e4m3fn: { max: 448, minSub: 2 ** -9, nans: [0x7f, 0xff], infs: [] },
    e4m3fnuz: { max: 240, minSub: 2 ** -10, nans: [0x80], infs: [] },
    e5m2: { max: 57344, minSub: 2 ** -16, nans: [0x7d, 0x7e, 0x7f, 0xfd, 0xfe, 0xff], infs: [0x7c, 0xfc] },
    e5m2fnuz: { max: 57344, minSub: 2 ** -17, nans: [0x80], infs: [] },
  };
  for (const fmt of FP8_NAMES) {
    const e = expected[fmt];
    assert.equal(fp8Max(fmt), e.max, fmt);
    assert.equal(fp8ToFloat(1, fmt), e.minSub, fmt);
    const codes = Array.from({ length: 256 }, (_, c) => c);
    assert.deepEqual(codes.filter((c) => Number.isNaN(fp8ToFloat(c, fmt))), e.nans, `${fmt} NaN codes`);
    assert.deepEqual(codes.filter((c) => Math.abs(fp8ToFloat(c, fmt)) === Infinity), e.infs, `${fmt} Inf codes`);
    // The reference agrees on the same hand-written facts.
    assert.equal(TABLES[fmt].values[TABLES[fmt].maxCode], e.max, `reference ${fmt} max`);
  }
});

for (const fmt of FP8_NAMES) {
  test(`encode ${fmt}: every half, 10^6 uniform float32s, grid ties and specials, saturate on and off`, () => {
    const grid = gridF32Bits(TABLES[fmt], 300_000, 0x5eed_0100);
    let checked = 0;
    for (const saturate of [true, false]) {
      const actual = (bits: number) => fp8FromF32Bits(bits, fmt, saturate);
      const expected = (bits: number) => refEncodeF32Bits(TABLES[fmt], bits, saturate);
      const mode = saturate ? 'saturate' : 'no saturate';
      checked += assertSameCodes(`${fmt} ${mode}, all halves`, ALL_HALVES, actual, expected);
      checked += assertSameCodes(`${fmt} ${mode}, uniform`, UNIFORM, actual, expected);
      checked += assertSameCodes(`${fmt} ${mode}, grid`, grid, actual, expected);
      checked += assertSameCodes(`${fmt} ${mode}, specials`, SPECIALS, actual, expected);
    }
    assert.ok(checked > 2_500_000);
  });
}

// Edge cases written out by hand from the format definitions and the ONNX Cast tables, checked against
// both the encoder and the reference: [format, input float32, code with saturate, code without].
const EDGES: [Fp8Format, number, number, number][] = [
  ['e4m3fn', 448, 0x7e, 0x7e],
  ['e4m3fn', 464, 0x7e, 0x7e], // the overflow midpoint ties to 448 (mantissa 110 is even)
  ['e4m3fn', 464.00003, 0x7e, 0x7f], // one float32 ulp above it rounds to 480: overflow
  ['e4m3fn', 480, 0x7e, 0x7f], // ORT and onnx<=1.18 give 0x7e here without saturation; spec says NaN
  ['e4m3fn', 495, 0x7e, 0x7f],
  ['e4m3fn', -1000, 0xfe, 0xff],
  ['e4m3fn', Infinity, 0x7e, 0x7f],
  ['e4m3fn', -Infinity, 0xfe, 0xff],
  ['e4m3fn', 2 ** -9, 0x01, 0x01],
  ['e4m3fn', 2 ** -10, 0x00, 0x00], // half the smallest subnormal ties to 0
  ['e4m3fn', 3 * 2 ** -10, 0x02, 0x02], // 1.5 subnormal units ties to 2
  ['e4m3fn', 15 * 2 ** -10, 0x08, 0x08], // 7.5 units ties up to the smallest normal
  ['e4m3fn', -(2 ** -10), 0x80, 0x80], // rounds to -0
  ['e4m3fn', -0, 0x80, 0x80],
  ['e4m3fn', 1, 0x38, 0x38],
  ['e4m3fn', -96, 0xec, 0xec],
  ['e4m3fn', 100, 0x6c, 0x6c], // 100 = 12.5 · 8 ties to 12 · 8 = 96
  ['e4m3fnuz', 240, 0x7f, 0x7f],
  ['e4m3fnuz', 247.99998, 0x7f, 0x7f],
  ['e4m3fnuz', 248, 0x7f, 0x80], // the midpoint ties to 256 (even), past the max
  ['e4m3fnuz', Infinity, 0x7f, 0x80],
  ['e4m3fnuz', -Infinity, 0xff, 0x80],
  ['e4m3fnuz', -0, 0x00, 0x00], // no -0
  ['e4m3fnuz', -(2 ** -20), 0x00, 0x00],
  ['e4m3fnuz', 2 ** -10, 0x01, 0x01],
  ['e4m3fnuz', 1, 0x40, 0x40],
  ['e5m2', 57344, 0x7b, 0x7b],
  ['e5m2', 61439.996, 0x7b, 0x7b],
  ['e5m2', 61440, 0x7b, 0x7c], // ties to 65536 (mantissa 00), past the max: Inf without saturation
  ['e5m2', Infinity, 0x7b, 0x7c],
  ['e5m2', -Infinity, 0xfb, 0xfc],
  ['e5m2', 1, 0x3c, 0x3c],
  ['e5m2', 2 ** -16, 0x01, 0x01],
  ['e5m2', -0, 0x80, 0x80],
  ['e5m2fnuz', 57344, 0x7f, 0x7f],
  ['e5m2fnuz', 61440, 0x7f, 0x80],
  ['e5m2fnuz', Infinity, 0x7f, 0x80],
  ['e5m2fnuz', 1, 0x40, 0x40],
  ['e5m2fnuz', 2 ** -17, 0x01, 0x01],
  ['e5m2fnuz', -0, 0x00, 0x00],
];

test('hand-checked edges: overflow midpoints, Inf, subnormal ties, signed zeros', () => {
  for (const [fmt, x, withSaturate, without] of EDGES) {
    const bits = f32BitsOf(Math.fround(x), Object.is(x, -0) || x < 0);
    for (const [saturate, want] of [[true, withSaturate], [false, without]] as const) {
      const label = `${fmt} ${x} saturate=${saturate}`;
      assert.equal(fp8FromF32Bits(bits, fmt, saturate), want, label);
      assert.equal(refEncodeF32Bits(TABLES[fmt], bits, saturate), want, `reference: ${label}`);
    }
  }
});

test('NaN keeps its sign in e4m3fn and e5m2 and becomes 0x80 in the fnuz formats', () => {
  const nans: [Fp8Format, number, number][] = [
    ['e4m3fn', 0x7f, 0xff],
    ['e4m3fnuz', 0x80, 0x80],
    ['e5m2', 0x7e, 0xfe],
    ['e5m2fnuz', 0x80, 0x80],
  ];
  for (const [fmt, positive, negative] of nans) {
    for (const saturate of [true, false]) {
      assert.equal(fp8FromF32Bits(0x7fc00000, fmt, saturate), positive, `${fmt} NaN`);
      assert.equal(fp8FromF32Bits(0xffc00000, fmt, saturate), negative, `${fmt} -NaN`);
      assert.equal(fp8FromF32Bits(0x7f800001, fmt, saturate), positive, `${fmt} signalling NaN`);
    }
  }
});

// ORT's onnxruntime_test_float8.py vector (quantization.md §4.2), with the expected values.
const GOLDEN_INPUT = [0.4068359375, 352, 416, 336, 304, 272, -248, -100, 1e-4, 1e-2, 416, 432, 1e5, Infinity, -Infinity, NaN];
const GOLDEN: [Fp8Format, boolean, number[]][] = [
  ['e4m3fn', true, [0.40625, 352, 416, 320, 320, 256, -256, -96, 0, 0.009765625, 416, 448, 448, 448, -448, NaN]],
  ['e4m3fn', false, [0.40625, 352, 416, 320, 320, 256, -256, -96, 0, 0.009765625, 416, 448, NaN, NaN, NaN, NaN]],
  ['e4m3fnuz', true, [0.40625, 240, 240, 240, 240, 240, -240, -96, 0, 0.009765625, 240, 240, 240, 240, -240, NaN]],
  ['e4m3fnuz', false, [0.40625, NaN, NaN, NaN, NaN, NaN, NaN, -96, 0, 0.009765625, NaN, NaN, NaN, NaN, NaN, NaN]],
];

test('ORT golden vector, e4m3fn and e4m3fnuz, saturate on and off', () => {
  for (const [fmt, saturate, want] of GOLDEN) {
    const got = GOLDEN_INPUT.map((x) => fp8ToFloat(fp8FromF32Bits(f32BitsOf(Math.fround(x)), fmt, saturate), fmt));
    assert.deepEqual(got, want, `${fmt} saturate=${saturate}`);
  }
});

test('ONNX test_quantizelinear_e4m3fn: x=[0,1,2,100000,200], scale 2 → [0, 0.5, 1, 448, 96]', () => {
  const codes = [0, 1, 2, 100000, 200].map((x) => fp8FromF32Bits(f32BitsOf(Math.fround(x / 2)), 'e4m3fn', true));
  assert.deepEqual(codes, [0x00, 0x30, 0x38, 0x7e, 0x6c]);
  assert.deepEqual(codes.map((c) => fp8ToFloat(c, 'e4m3fn')), [0, 0.5, 1, 448, 96]);
});
