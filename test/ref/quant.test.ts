import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeOp } from '../../src/ops/index.js';
import { Module } from '../../src/ir/module.js';
import { Shape } from '../../src/ir/shape.js';
import type { Tensor } from '../../src/ir/tensor.js';
import type { ElementType } from '../../src/ir/types.js';
import { evaluateModule } from '../../src/ref/evaluate.js';
import { raw, rawTensor, runOp, tensor } from './helpers.js';

const convert = (x: Tensor, target: ElementType, saturate = true) => runOp('convert', { target_type: target, saturate }, [x]);
/** A float32 tensor from bit patterns (to build −NaN and exact values). */
const f32Bits = (bits: number[]) => rawTensor('float_type', [bits.length], new Float32Array(new Uint32Array(bits).buffer));

test('float → integer truncates toward zero and wraps; NaN and ±Inf give 0', () => {
  const x = tensor('float_type', [9], [1.9, -1.9, 127.5, 128, -129, 300, NaN, Infinity, -Infinity]);
  assert.deepEqual(convert(x, 'int8_type').toNumbers(), [1, -1, 127, -128, 127, 44, 0, 0, 0]);
  assert.deepEqual(convert(tensor('float_type', [3], [-1, 256.7, 255.9]), 'uint8_type').toNumbers(), [255, 0, 255]);
  assert.deepEqual(convert(tensor('double_type', [2], [2 ** 31, -(2 ** 31) - 1]), 'int32_type').toNumbers(), [-(2 ** 31), 2 ** 31 - 1]);
});

test('float → int4 / uint4 / int2 / uint2 wraps (ONNX test_cast_FLOAT_to_INT4, …_UINT2)', () => {
  const x = tensor('float_type', [6], [-9, -8, 7, 8, 9, 15]);
  assert.deepEqual(convert(x, 'int4_type').toNumbers(), [7, -8, 7, -8, -7, -1]);
  assert.deepEqual(convert(x, 'uint4_type').toNumbers(), [7, 8, 7, 8, 9, 15]);
  const y = tensor('float_type', [7], [-3, -2, -1, 0, 1, 2, 3]);
  assert.deepEqual(convert(y, 'int2_type').toNumbers(), [1, -2, -1, 0, 1, -2, -1]);
  assert.deepEqual(convert(y, 'uint2_type').toNumbers(), [1, 2, 3, 0, 1, 2, 3]);
  assert.deepEqual(convert(tensor('int2_type', [2], [-2, 1]), 'int8_type').toNumbers(), [-2, 1]);
});

test('float → int64 is exact for large values; int64 → float rounds once from the integer', () => {
  const x = tensor('float_type', [3], [2 ** 60, -3.7, NaN]);
  assert.deepEqual(raw(convert(x, 'int64_type')), [2n ** 60n, -3n, 0n]);
  // 2^60 + 2^36 + 1 is just above the midpoint between float32 neighbours 2^60 and 2^60 + 2^37:
  // one rounding gives 2^60 + 2^37; going through float64 first (which drops the +1) would tie to 2^60.
  const v = rawTensor('int64_type', [2], BigInt64Array.from([2n ** 60n + 2n ** 36n + 1n, -(2n ** 60n + 2n ** 36n + 1n)]));
  assert.deepEqual(convert(v, 'float_type').toNumbers(), [2 ** 60 + 2 ** 37, -(2 ** 60 + 2 ** 37)]);
  assert.deepEqual(convert(v, 'double_type').toNumbers(), [2 ** 60 + 2 ** 36, -(2 ** 60 + 2 ** 36)]);
  assert.deepEqual(raw(convert(rawTensor('uint64_type', [1], BigUint64Array.from([2n ** 32n + 5n])), 'int32_type')), [5]);
});

test('int → float is exact, then rounded once to the float type', () => {
  assert.deepEqual(convert(tensor('int32_type', [3], [16777217, 16777219, -16777217]), 'float_type').toNumbers(), [16777216, 16777220, -16777216]);
  // 2^24 + 2^16 + 1 to bf16 (8 significant bits): just above the midpoint of 2^24 and 2^24 + 2^17,
  // so 2^24 + 2^17 = 0x4B81. Rounding through float32 (a tie at 2^24 + 2^16) would give 0x4B80.
  assert.deepEqual(raw(convert(tensor('int32_type', [1], [2 ** 24 + 2 ** 16 + 1]), 'bf16_type')), [0x4b81]);
  assert.deepEqual(raw(convert(tensor('int32_type', [2], [2049, 65520]), 'half_type')), [0x6800, 0x7c00]);
});

test('conversions to and from bool', () => {
  assert.deepEqual(convert(tensor('float_type', [5], [0, -0, 0.5, NaN, -3]), 'bool_type').toNumbers(), [0, 0, 1, 1, 1]);
  assert.deepEqual(convert(tensor('int32_type', [2], [0, 7]), 'bool_type').toNumbers(), [0, 1]);
  assert.deepEqual(raw(convert(rawTensor('int64_type', [2], BigInt64Array.from([0n, 2n ** 40n])), 'bool_type')), [0, 1]);
  assert.deepEqual(convert(tensor('bool_type', [2], [1, 0]), 'float_type').toNumbers(), [1, 0]);
  assert.deepEqual(raw(convert(tensor('bool_type', [2], [1, 0]), 'uint64_type')), [1n, 0n]);
});

test('float → e4m3fn honours saturate and keeps the sign of NaN', () => {
  const x = f32Bits([0x43e00000 /* 448 */, 0x43fa0000 /* 500 */, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x3f800000, 0x3b000000 /* 2^-9 */]);
  assert.deepEqual(raw(convert(x, 'fp8e4m3fn_type')), [0x7e, 0x7e, 0x7e, 0xfe, 0x7f, 0xff, 0x38, 0x01]);
  assert.deepEqual(raw(convert(x, 'fp8e4m3fn_type', false)), [0x7e, 0x7f, 0x7f, 0xff, 0x7f, 0xff, 0x38, 0x01]);
  // e5m2 without saturation overflows to infinity.
  assert.deepEqual(raw(convert(tensor('float_type', [2], [1e6, -1e6]), 'fp8e5m2_type', false)), [0x7c, 0xfc]);
});

test('half → fp8 decodes the half exactly first; fp8 → half / float is exact', () => {
  const h = rawTensor('half_type', [3], new Uint16Array([0x7bff /* 65504 */, 0xfe00 /* −NaN */, 0x3c00]));
  assert.deepEqual(raw(convert(h, 'fp8e4m3fn_type')), [0x7e, 0xff, 0x38]);
  const e4 = rawTensor('fp8e4m3fn_type', [4], new Uint8Array([0x01, 0x7e, 0xff, 0xb8]));
  const asFloat = convert(e4, 'float_type').toNumbers();
  assert.deepEqual(asFloat.slice(0, 2), [2 ** -9, 448]);
  assert.ok(Number.isNaN(asFloat[2]!));
  assert.equal(asFloat[3], -1);
  assert.deepEqual(raw(convert(e4, 'half_type')), [0x1800, 0x5f00, 0xfe00, 0xbc00]);
  assert.deepEqual(convert(rawTensor('fp8e5m2_type', [1], new Uint8Array([0x7c])), 'float_type').toNumbers(), [Infinity]);
});

test('float → half rounds to nearest even; −NaN stays negative', () => {
  // 65520 is the midpoint of 65504 (odd mantissa) and 65536 (overflow): ties to even give +Inf.
  const x = f32Bits([0x477ff000 /* 65520 */, 0xffc00000, 0x3f800000]);
  assert.deepEqual(raw(convert(x, 'half_type')), [0x7c00, 0xfe00, 0x3c00]);
});

/** quantizelinear(x, scale, zp) with scale and zp broadcast from scalars, as the importer emits it. */
function quantize(x: Tensor, scale: Tensor, zp: Tensor | undefined, attrs: Record<string, ElementType | boolean> = {}): Tensor {
  const m = new Module('m');
  const xi = m.addParameter('x', x.shape);
  const lens = x.shape.lens;
  const si = m.addInstruction(makeOp('multibroadcast', { out_lens: lens }), [m.addLiteral(scale)]);
  const args = [xi, si];
  if (zp) args.push(m.addInstruction(makeOp('multibroadcast', { out_lens: lens }), [m.addLiteral(zp)]));
  m.addReturn([m.addInstruction(makeOp('quantizelinear', attrs), args)]);
  return evaluateModule(m, new Map([['x', x]]))[0]!;
}

test('quantizelinear to int8 rounds half to even, adds the zero point and saturates', () => {
  const x = tensor('float_type', [8], [0, 1, 2.5, 3.5, -2.5, 1000, -1000, NaN]);
  const one = tensor('float_type', [1], [1]);
  assert.deepEqual(quantize(x, one, tensor('int8_type', [1], [0])).toNumbers(), [0, 1, 2, 4, -2, 127, -128, 0]);
  // scale 2, zp 10: 5/2 = 2.5 → 2 → 12; 7/2 = 3.5 → 4 → 14; −300/2 + 10 = −140 → −128; NaN → the zero point.
  const r = quantize(tensor('float_type', [4], [5, 7, -300, NaN]), tensor('float_type', [1], [2]), tensor('int8_type', [1], [10]));
  assert.deepEqual(r.toNumbers(), [12, 14, -128, 10]);
  // Without a zero point the output is uint8 (out_type unset).
  const u = quantize(tensor('float_type', [3], [-1, 300, 127.5]), one, undefined);
  assert.equal(u.type, 'uint8_type');
  assert.deepEqual(u.toNumbers(), [0, 255, 128]);
});

test('quantizelinear computes x / scale in float32, also for half input', () => {
  // Halves 3, 1, 1.5 over scale 2: 1.5 → 2 and 0.5 → 0 (ties to even), 0.75 → 1.
  const h = rawTensor('half_type', [3], new Uint16Array([0x4200, 0x3c00, 0x3e00]));
  const r = quantize(h, rawTensor('half_type', [1], new Uint16Array([0x4000])), tensor('int16_type', [1], [0]));
  assert.deepEqual(r.toNumbers(), [2, 0, 1]);
  // 16777217 is not a float32: int32 x rounds to 16777216 before dividing by 1.
  const big = quantize(tensor('int32_type', [1], [16777217]), tensor('float_type', [1], [1]), tensor('int32_type', [1], [0]));
  assert.deepEqual(big.toNumbers(), [16777216]);
});

test('quantizelinear to int4 saturates per row (ONNX test_quantizelinear_int4)', () => {
  const m = new Module('m');
  const x = m.addParameter('x', new Shape('float_type', [3, 4]));
  const scale = m.addInstruction(makeOp('broadcast', { axis: 0, out_lens: [3, 4] }), [m.addLiteral(tensor('float_type', [3], [2, 3, 4]))]);
  const zp = m.addInstruction(makeOp('broadcast', { axis: 0, out_lens: [3, 4] }), [m.addLiteral(tensor('int4_type', [3], [1, 1, 1]))]);
  m.addReturn([m.addInstruction(makeOp('quantizelinear'), [x, scale, zp])]);
  const xv = tensor('float_type', [3, 4], [0, 2.5, 4.8, 8.6, -30, -20, 6, 9, 12, 15, 16, 40]);
  const [r] = evaluateModule(m, new Map([['x', xv]]));
  // Row 0: /2 → 0, 1.25, 2.4, 4.3 → 0, 1, 2, 4, +1. Row 1: /3 → −10, −6.67, 2, 3 → −9 (→ −8), −6, 3, 4.
  // Row 2: /4 → 3, 3.75, 4, 10 → 4, 5, 5, 11 (→ 7).
  assert.deepEqual(r!.toNumbers(), [1, 2, 3, 5, -8, -6, 3, 4, 4, 5, 5, 7]);
});

test('quantizelinear to e4m3fn casts x / scale with saturation (ONNX test_quantizelinear_e4m3fn)', () => {
  const x = tensor('float_type', [5], [0, 1, 2, 100000, 200]);
  const scale = tensor('float_type', [1], [2]);
  const zp = rawTensor('fp8e4m3fn_type', [1], new Uint8Array([0]));
  // 0, 0.5 (0x30), 1 (0x38), 50000 → 448 (0x7E), 100 → a tie between 96 and 104: even mantissa, 96 (0x6C).
  assert.deepEqual(raw(quantize(x, scale, zp)), [0x00, 0x30, 0x38, 0x7e, 0x6c]);
  assert.deepEqual(raw(quantize(x, scale, zp, { saturate: false })), [0x00, 0x30, 0x38, 0x7f, 0x6c]);
  const badZp = rawTensor('fp8e4m3fn_type', [1], new Uint8Array([0x38]));
  assert.throws(() => quantize(x, scale, badZp), /zero point must be 0/);
  // −0 / scale + 0 is +0.
  assert.deepEqual(raw(quantize(f32Bits([0x80000000]), scale, zp)), [0x00]);
});

test('dequantizelinear computes (x − zp) · scale in float32 and outputs the scale type', () => {
  const dq = (x: Tensor, scale: Tensor, zp?: Tensor) => {
    const m = new Module('m');
    const xi = m.addParameter('x', x.shape);
    const lens = x.shape.lens;
    const args = [xi, m.addInstruction(makeOp('multibroadcast', { out_lens: lens }), [m.addLiteral(scale)])];
    if (zp) args.push(m.addInstruction(makeOp('multibroadcast', { out_lens: lens }), [m.addLiteral(zp)]));
    m.addReturn([m.addInstruction(makeOp('dequantizelinear'), args)]);
    return evaluateModule(m, new Map([['x', x]]))[0]!;
  };
  const r = dq(tensor('int8_type', [3], [-128, 0, 127]), tensor('float_type', [1], [0.5]), tensor('int8_type', [1], [-1]));
  assert.equal(r.type, 'float_type');
  assert.deepEqual(r.toNumbers(), [-63.5, 0.5, 64]);
  assert.deepEqual(dq(tensor('uint8_type', [2], [0, 255]), tensor('float_type', [1], [2]), tensor('uint8_type', [1], [128])).toNumbers(), [-256, 254]);
  // fp8 input with a half scale: 448 · 0.5 = 224 = 0x5B00 in half.
  const h = dq(rawTensor('fp8e4m3fn_type', [2], new Uint8Array([0x7e, 0xb8])), rawTensor('half_type', [1], new Uint16Array([0x3800])));
  assert.equal(h.type, 'half_type');
  assert.deepEqual(raw(h), [0x5b00, 0xb800]);
  // int32 x − zp is rounded to float32 (16777217 → 16777216) before scaling.
  assert.deepEqual(dq(tensor('int32_type', [1], [16777217]), tensor('float_type', [1], [1])).toNumbers(), [16777216]);
  // A double scale keeps float64.
  assert.deepEqual(dq(tensor('int32_type', [1], [3]), tensor('double_type', [1], [0.1])).toNumbers(), [3 * 0.1]);
});
