// FLOAT4E2M1 (values 0, 0.5, 1, 1.5, 2, 3, 4, 6; no inf/NaN) and FLOAT8E8M0 (2^(code-127), 0xFF NaN),
// as ONNX defines them for Cast and QuantizeLinear. Codes are held one per byte; packing two e2m1
// codes per byte is the tensor layer's job. Encoders take float32 bits and use integer operations.
// docs/numerics.md records which of the ONNX spec / reference / node tests each edge case follows.

import { shiftRightRoundEven } from './float16.js';

const FP4_VALUES = [0, 0.5, 1, 1.5, 2, 3, 4, 6];

export function fp4ToFloat(code: number): number {
  const v = FP4_VALUES[code & 0x7]!;
  return code & 0x8 ? -v : v;
}

/** Float32 bits of 1.0, the smallest normal e2m1 value. */
const FP4_MIN_NORMAL_F32 = 0x3f800000;
/** Float32 bits of 8 (2^(emax+1)): every magnitude from here on overflows. */
const FP4_OVERFLOW_F32 = 0x41000000;
/** Float32 bits of 0.25, half the smallest subnormal: magnitudes at or below it round to zero. */
const FP4_ROUNDS_TO_ZERO_F32 = 0x3e800000;

/**
 * float32 bits → e2m1 code, round to nearest even. The format has no NaN or infinity: values past ±6
 * and ±Inf clamp to ±6 whatever `saturate` says (ONNX's saturate attribute covers float8 only).
 * NOTE: NaN → 0x8 and -NaN → 0x0, as ml_dtypes (which generates the ONNX node tests) does; the ONNX
 * float4 doc and ORT say NaN → +6. See docs/numerics.md.
 */
export function fp4FromF32Bits(bits: number, _saturate = true): number {
  const sign = (bits >>> 28) & 0x8;
  const a = bits & 0x7fffffff;
  if (a > 0x7f800000) return sign ^ 0x8;
  if (a >= FP4_OVERFLOW_F32) return sign | 0x7;
  let code: number;
  if (a >= FP4_MIN_NORMAL_F32) {
    // Keep one mantissa bit (drop 22, round to nearest even on the pattern), rebias 127 → 1.
    code = ((a + 0x1fffff + ((a >>> 22) & 1)) >>> 22) - ((127 - 1) << 1);
    if (code > 0x7) code = 0x7;
  } else if (a > FP4_ROUNDS_TO_ZERO_F32) {
    // Subnormal 0.5: the significand in units of 0.5 is significand >> (149 - exponent).
    code = shiftRightRoundEven((a & 0x7fffff) | 0x800000, 149 - (a >>> 23));
  } else {
    code = 0;
  }
  return sign | code;
}

/** ONNX Cast's round_mode for FLOAT8E8M0 (opset 25): 'up' is the default. */
export type E8m0RoundMode = 'up' | 'down' | 'nearest';

export function e8m0ToFloat(code: number): number {
  code &= 0xff;
  if (code === 0xff) return NaN;
  return 2 ** (code - 127);
}

/**
 * float32 bits → e8m0 code (the power of two 2^(code-127), code 0..254; 0xFF is NaN).
 * The magnitude is rounded to a power of two: 'up' to the next one unless exact, 'down' to the one
 * below, 'nearest' to the closer one with the midpoint 1.5·2^k going up. A result above 2^127 (and
 * ±Inf) saturates to 0xFE or becomes NaN; one below 2^-127 (and ±0) saturates to 0x00 or becomes NaN.
 * NaN → 0xFF. The sign is ignored (negative inputs are unspecified in ONNX; its reference uses |x|).
 */
export function e8m0FromF32Bits(bits: number, saturate = true, roundMode: E8m0RoundMode = 'up'): number {
  const a = bits & 0x7fffffff;
  if (a > 0x7f800000) return 0xff;
  const overflow = saturate ? 0xfe : 0xff;
  const underflow = saturate ? 0x00 : 0xff;
  if (a === 0x7f800000) return overflow;
  if (a === 0) return underflow;
  // Split |x| = 2^exponent · 1.fraction, with `fraction` left-aligned in 23 bits.
  let exponent: number;
  let fraction: number;
  const field = a >>> 23;
  if (field !== 0) {
    exponent = field - 127;
    fraction = a & 0x7fffff;
  } else {
    const leading = 31 - Math.clz32(a); // a float32 subnormal is a · 2^-149
    exponent = leading - 149;
    fraction = (a - 2 ** leading) * 2 ** (23 - leading);
  }
  let power: number;
  switch (roundMode) {
    case 'down':
      power = exponent;
      break;
    case 'up':
      power = fraction === 0 ? exponent : exponent + 1;
      break;
    case 'nearest':
      power = fraction >= 0x400000 ? exponent + 1 : exponent;
      break;
    default:
      return roundMode satisfies never;
  }
  if (power > 127) return overflow;
  if (power < -127) return underflow;
  return power + 127;
}
