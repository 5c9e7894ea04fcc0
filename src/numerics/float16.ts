// IEEE binary16 (half) and bfloat16 <-> number conversions, bit-exact with round-to-nearest-even.
// Half values are carried as their 16-bit patterns (Uint16Array storage), as WGSL and ONNX raw data do.
// The encoders work on float32 bit patterns with integer operations only (no allocation, no Math.pow);
// inputs that are doubles go through float32BitsRoundToOdd first, which keeps them exact.
// Not here: fp8 (float8.ts) and the 4-bit / e8m0 formats (float4.ts).

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The bits of `x` rounded to float32 (NaN payloads are those of JS's canonical NaN). */
export function float32Bits(x: number): number {
  f32[0] = x;
  return u32[0]!;
}

export function bitsToFloat32(bits: number): number {
  u32[0] = bits >>> 0;
  return f32[0]!;
}

/** 2^128: one float32 ulp past FLT_MAX, where the float32 grid would continue. */
const FLOAT32_BEYOND = 2 ** 128;

/**
 * The float32 bits of `x` rounded to odd: truncated toward zero, with the last mantissa bit set when
 * anything was cut off. Rounding that result to nearest-even at any format with at least two fewer
 * significant bits (fp16, bf16, fp8, fp4, e8m0) gives exactly the rounding of the double `x` itself,
 * so encoders written on float32 bits also serve doubles without double rounding.
 * Magnitudes of 2^128 and more (past every float32) become ±Inf, which each encoder treats as the
 * overflow they are; tiny doubles become the smallest subnormal. NaN keeps the bits it gets when
 * stored to a Float32Array.
 */
export function float32BitsRoundToOdd(x: number): number {
  f32[0] = x;
  let bits = u32[0]!;
  const rounded = f32[0]!;
  if (rounded !== x && x === x) {
    if (Math.abs(x) >= FLOAT32_BEYOND) return x < 0 ? 0xff800000 : 0x7f800000;
    // Inexact: step back toward zero if nearest-rounding went past x, then mark the loss.
    if (Math.abs(rounded) > Math.abs(x)) bits -= 1;
    bits |= 1;
  }
  return bits >>> 0;
}

/** Float32 bits of ±2^-14, the smallest normal half. */
const HALF_MIN_NORMAL_F32 = 0x38800000;
/** Float32 bits of 2^16: from here on every value overflows half (65520 already rounds to Inf). */
const HALF_OVERFLOW_F32 = 0x47800000;
/** Float32 bits of 2^-25, half the smallest subnormal half: at or below it everything rounds to 0. */
const HALF_ROUNDS_TO_ZERO_F32 = 0x33000000;
/** (127 - 15) << 23: moves a float32 exponent to the half bias once shifted down by 13. */
const HALF_REBIAS = (127 - 15) << 23;

/**
 * float32 bits → binary16 bits, round to nearest even, overflow to ±Inf, NaN → 0x7E00 with the
 * input's sign (the quiet NaN numpy and ml_dtypes produce).
 */
export function halfFromF32Bits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const a = bits & 0x7fffffff;
  if (a >= HALF_OVERFLOW_F32) {
    if (a > 0x7f800000) return sign | 0x7e00;
    return sign | 0x7c00;
  }
  if (a >= HALF_MIN_NORMAL_F32) {
    // Round the 23-bit mantissa to 10 bits on the whole pattern: a carry moves into the exponent,
    // and from 65520 up it lands exactly on the Inf pattern.
    const rounded = a + 0x0fff + ((a >>> 13) & 1);
    return sign | ((rounded - HALF_REBIAS) >>> 13);
  }
  if (a <= HALF_ROUNDS_TO_ZERO_F32) return sign;
  // Half subnormal: value = significand · 2^(exp-150), in units of 2^-24 that is significand >> (126-exp).
  // A result of 1024 is the smallest normal's pattern.
  const exp = a >>> 23;
  const significand = (a & 0x7fffff) | 0x800000;
  return sign | shiftRightRoundEven(significand, 126 - exp);
}

/**
 * number → binary16 bits, round to nearest even, overflow to ±Inf, NaN → 0x7E00 (sign kept as far as
 * the JS engine keeps a NaN's sign). Doubles round directly, without an intermediate float32 rounding.
 */
export function floatToHalf(x: number): number {
  return halfFromF32Bits(float32BitsRoundToOdd(x));
}

/** binary16 bits → number (exact). */
export function halfToFloat(h: number): number {
  const sign = (h & 0x8000) << 16;
  const magnitude = h & 0x7fff;
  if (magnitude >= 0x7c00) {
    // Inf or NaN: widen the exponent to all ones and keep the payload.
    return bitsToFloat32(sign | 0x7f800000 | ((magnitude & 0x3ff) << 13));
  }
  if (magnitude >= 0x0400) return bitsToFloat32(sign | ((magnitude << 13) + HALF_REBIAS));
  const subnormal = magnitude * 2 ** -24;
  return sign !== 0 ? -subnormal : subnormal;
}

/** bfloat16 bits → number (exact). */
export function bf16ToFloat(b: number): number {
  return bitsToFloat32((b & 0xffff) << 16);
}

/** float32 bits → bfloat16 bits: round the low 16 bits away to nearest even; NaN → 0x7FC0 (sign kept). */
export function bf16FromF32Bits(bits: number): number {
  bits >>>= 0;
  if ((bits & 0x7fffffff) > 0x7f800000) return ((bits >>> 16) & 0x8000) | 0x7fc0;
  // A carry out of the mantissa moves into the exponent; past the largest bf16 it reaches Inf.
  const rounded = bits + 0x7fff + ((bits >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}

/** number → bfloat16 bits, round to nearest even (doubles round directly), NaN → 0x7FC0. */
export function floatToBf16(x: number): number {
  return bf16FromF32Bits(float32BitsRoundToOdd(x));
}

/**
 * `value >> shift` rounded to nearest, ties to even, for 0 <= value < 2^31 and 1 <= shift <= 31.
 * Shared by the subnormal paths of the half and fp8 encoders.
 */
export function shiftRightRoundEven(value: number, shift: number): number {
  const kept = value >>> shift;
  const dropped = value & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  if (dropped > half || (dropped === half && (kept & 1) === 1)) return kept + 1;
  return kept;
}

/** Round to the nearest integer, ties to even (exact for the magnitudes used here). */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}
