// IEEE binary16 (half) and bfloat16 <-> number conversions, bit-exact with round-to-nearest-even.
// Half values are carried as their 16-bit patterns (Uint16Array storage), as WGSL and ONNX raw data do.

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

/** binary16 bits → number (exact). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const man = h & 0x3ff;
  if (exp === 0) return sign * man * 2 ** -24;
  if (exp === 0x1f) return man === 0 ? sign * Infinity : NaN;
  return sign * (1024 + man) * 2 ** (exp - 25);
}

/**
 * number → binary16 bits, round to nearest even, overflow to ±Inf, NaN → 0x7E00 (sign kept).
 * NOTE: rounds from the double directly (no double rounding through float32), as a hardware f64→f16
 * conversion does; callers holding float32 values get the same result since f32→f16 is a prefix.
 */
export function floatToHalf(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  let a = Math.abs(x);
  if (a === Infinity) return sign | 0x7c00;
  if (a === 0) return sign;
  // Subnormal range: quantum 2^-24.
  if (a < 2 ** -14) {
    const q = roundHalfEven(a * 2 ** 24);
    return sign | q; // q == 1024 becomes the smallest normal, which is the right bit pattern
  }
  let e = Math.floor(Math.log2(a));
  // Guard against log2 rounding at exact powers of two.
  if (2 ** e > a) e -= 1;
  else if (2 ** (e + 1) <= a) e += 1;
  const m = roundHalfEven((a / 2 ** e - 1) * 1024); // 0..1024
  let exp = e + 15;
  let man = m;
  if (man === 1024) {
    man = 0;
    exp += 1;
  }
  if (exp >= 0x1f) return sign | 0x7c00;
  return sign | (exp << 10) | man;
}

/** bfloat16 bits → number (exact). */
export function bf16ToFloat(b: number): number {
  return bitsToFloat32((b & 0xffff) << 16);
}

/** number → bfloat16 bits: round the float32 bits to nearest even; NaN → 0x7FC0 (sign kept). */
export function floatToBf16(x: number): number {
  const bits = float32Bits(x);
  if ((bits & 0x7fffffff) > 0x7f800000) return ((bits >>> 16) & 0x8000) | 0x7fc0;
  const rounded = bits + 0x7fff + ((bits >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}

/** Round to the nearest integer, ties to even (exact for the magnitudes used here). */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}
