// Per-element encode/decode between JS numbers and each element type's stored form.
// Encoding a float into a low-precision type rounds to nearest even and saturates (the ONNX default);
// encoding into an integer type truncates toward zero and wraps (C++ static_cast on in-range values).
// Doubles reach the bit-level encoders through float32BitsRoundToOdd, so they round once, directly.

import { type ElementType } from '../ir/types.js';
import { bf16ToFloat, float32BitsRoundToOdd, floatToBf16, floatToHalf, halfToFloat } from './float16.js';
import { fp8FromF32Bits, fp8ToFloat } from './float8.js';
import { type E8m0RoundMode, e8m0FromF32Bits, e8m0ToFloat, fp4FromF32Bits, fp4ToFloat } from './float4.js';

/** Decodes one stored element to a number. */
export function decodeScalar(type: ElementType, raw: number | bigint): number {
  const v = typeof raw === 'bigint' ? Number(raw) : raw;
  switch (type) {
    case 'half_type':
      return halfToFloat(v);
    case 'bf16_type':
      return bf16ToFloat(v);
    case 'fp8e4m3fn_type':
      return fp8ToFloat(v, 'e4m3fn');
    case 'fp8e4m3fnuz_type':
      return fp8ToFloat(v, 'e4m3fnuz');
    case 'fp8e5m2_type':
      return fp8ToFloat(v, 'e5m2');
    case 'fp8e5m2fnuz_type':
      return fp8ToFloat(v, 'e5m2fnuz');
    case 'fp4e2m1_type':
      return fp4ToFloat(v);
    case 'fp8e8m0_type':
      return e8m0ToFloat(v);
    case 'fp4x2_type':
      throw new Error('fp4x2_type (packed pairs) has no scalar value');
    case 'tuple_type':
      throw new Error('a tuple has no scalar value');
    case 'bool_type':
      return v !== 0 ? 1 : 0;
    case 'float_type':
    case 'double_type':
    case 'uint8_type':
    case 'int8_type':
    case 'uint16_type':
    case 'int16_type':
    case 'int32_type':
    case 'int64_type':
    case 'uint32_type':
    case 'uint64_type':
    case 'int4_type':
    case 'uint4_type':
    case 'int2_type':
    case 'uint2_type':
      return v;
    default:
      return type satisfies never;
  }
}

/**
 * Encodes a number into the stored form of `type`. `saturate` applies to the float8 types and e8m0
 * (ONNX's Cast/QuantizeLinear attribute); `e8m0RoundMode` is Cast's round_mode for e8m0.
 */
export function encodeScalar(
  type: ElementType,
  x: number,
  saturate = true,
  e8m0RoundMode: E8m0RoundMode = 'up',
): number | bigint {
  switch (type) {
    case 'float_type':
    case 'double_type':
      return x;
    case 'half_type':
      return floatToHalf(x);
    case 'bf16_type':
      return floatToBf16(x);
    case 'fp8e4m3fn_type':
      return fp8FromF32Bits(float32BitsRoundToOdd(x), 'e4m3fn', saturate);
    case 'fp8e4m3fnuz_type':
      return fp8FromF32Bits(float32BitsRoundToOdd(x), 'e4m3fnuz', saturate);
    case 'fp8e5m2_type':
      return fp8FromF32Bits(float32BitsRoundToOdd(x), 'e5m2', saturate);
    case 'fp8e5m2fnuz_type':
      return fp8FromF32Bits(float32BitsRoundToOdd(x), 'e5m2fnuz', saturate);
    case 'fp4e2m1_type':
      return fp4FromF32Bits(float32BitsRoundToOdd(x), saturate);
    case 'fp8e8m0_type':
      return e8m0FromF32Bits(float32BitsRoundToOdd(x), saturate, e8m0RoundMode);
    case 'bool_type':
      return x !== 0 ? 1 : 0; // ONNX Cast: ±0 → false, everything else (NaN included) → true
    case 'uint8_type':
      return wrapInt(x, 8, false);
    case 'int8_type':
      return wrapInt(x, 8, true);
    case 'uint16_type':
      return wrapInt(x, 16, false);
    case 'int16_type':
      return wrapInt(x, 16, true);
    case 'int32_type':
      return wrapInt(x, 32, true);
    case 'uint32_type':
      return wrapInt(x, 32, false);
    case 'int4_type':
      return wrapInt(x, 4, true);
    case 'uint4_type':
      return wrapInt(x, 4, false);
    case 'int2_type':
      return wrapInt(x, 2, true);
    case 'uint2_type':
      return wrapInt(x, 2, false);
    case 'int64_type':
      return BigInt.asIntN(64, BigInt(Number.isFinite(x) ? Math.trunc(x) : 0));
    case 'uint64_type':
      return BigInt.asUintN(64, BigInt(Number.isFinite(x) ? Math.trunc(x) : 0));
    case 'fp4x2_type':
      throw new Error('fp4x2_type (packed pairs) cannot be encoded per element');
    case 'tuple_type':
      throw new Error('a tuple has no scalar value');
    default:
      return type satisfies never;
  }
}

/** Truncates toward zero and wraps into a `bits`-wide two's-complement (or unsigned) integer. */
export function wrapInt(x: number, bits: number, signed: boolean): number {
  if (!Number.isFinite(x)) return 0;
  const t = Math.trunc(x);
  const m = 2 ** bits;
  let r = ((t % m) + m) % m;
  if (signed && r >= m / 2) r -= m;
  return r;
}
