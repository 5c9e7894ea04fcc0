// FLOAT4E2M1 (values 0, 0.5, 1, 1.5, 2, 3, 4, 6; no inf/NaN) and FLOAT8E8M0 (2^(code-127), 0xFF NaN),
// as ONNX defines them for Cast and QuantizeLinear. Codes are held one per byte.

import { bitsToFloat32 } from './float16.js';

const FP4_VALUES = [0, 0.5, 1, 1.5, 2, 3, 4, 6];

export function fp4ToFloat(code: number): number {
  const v = FP4_VALUES[code & 0x7]!;
  return code & 0x8 ? -v : v;
}

/**
 * float32 bits → e2m1 code, round to nearest even. The format has no NaN or infinity: out-of-range
 * values and ±Inf clamp to ±6, NaN becomes 0x7 (ONNX's reference conversion).
 */
export function fp4FromF32Bits(bits: number, _saturate = true): number {
  bits >>>= 0;
  const sign = bits >>> 31 ? 0x8 : 0;
  const a = bits & 0x7fffffff;
  if (a > 0x7f800000) return 0x7;
  const x = bitsToFloat32(a);
  // Grid points and the codes between them; ties go to the even code.
  let best = 0;
  for (let c = 1; c < 8; c++) {
    const lo = FP4_VALUES[c - 1]!;
    const hi = FP4_VALUES[c]!;
    const mid = (lo + hi) / 2;
    if (x > mid || (x === mid && c % 2 === 0)) best = c;
  }
  return sign | best;
}

export type E8m0RoundMode = 'up' | 'down' | 'nearest';

export function e8m0ToFloat(code: number): number {
  code &= 0xff;
  if (code === 0xff) return NaN;
  return 2 ** (code - 127);
}

/**
 * float32 bits → e8m0 code (the exponent of a positive power of two; the sign is dropped).
 * round_mode 'up' (the ONNX default) rounds any mantissa up to the next power of two.
 */
export function e8m0FromF32Bits(bits: number, saturate = true, roundMode: E8m0RoundMode = 'up'): number {
  bits >>>= 0;
  const a = bits & 0x7fffffff;
  if (a > 0x7f800000) return 0xff;
  if (a === 0x7f800000) return saturate ? 0xfe : 0xff;
  let e = (a >>> 23) & 0xff;
  const m = a & 0x7fffff;
  if (e === 0 && m === 0) return 0; // zero has no code; the smallest power of two is the closest
  if (roundMode === 'up') {
    if (m !== 0) e += 1;
  } else if (roundMode === 'nearest') {
    if (m > 0x400000 || (m === 0x400000 && (e & 1) === 1)) e += 1;
  }
  if (e >= 0xff) return saturate ? 0xfe : 0xff;
  return e;
}
