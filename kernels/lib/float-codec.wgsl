// Bit-exact conversions between float32 bit patterns and the narrow float formats (half, bf16, the
// four fp8 formats, fp4e2m1, e8m0), on integer operations so NaN, −0 and subnormals survive whatever
// the device does with float arithmetic (WGSL may assume finite math; webgpu.md §5). Rounding is to
// nearest even, overflow and NaN follow src/numerics (which the tests use as the reference).
// Needs lib/types.wgsl. Not here: integer storage types (int-codec.wgsl).

// `value >> shift` rounded to nearest, ties to even (1 <= shift <= 31).
fn shift_right_round_even(value: u32, shift: u32) -> u32 {
  let kept = value >> shift;
  let dropped = value & ((1u << shift) - 1u);
  let halfway = 1u << (shift - 1u);
  if (dropped > halfway || (dropped == halfway && (kept & 1u) == 1u)) {
    return kept + 1u;
  }
  return kept;
}

// ---- half ----

// Branch-free: where lanes disagree a software adapter (llvmpipe) runs every branch anyway.
fn half_to_f32_bits(h: u32) -> u32 {
  let sign = (h & 0x8000u) << 16u;
  let exponent = (h >> 10u) & 0x1fu;
  let mantissa = h & 0x3ffu;
  let normal = ((exponent + 112u) << 23u) | (mantissa << 13u);
  // Inf, or NaN with its payload.
  let special = 0x7f800000u | (mantissa << 13u);
  // Subnormal (or zero): mantissa · 2^-24 is a normal float32, so the product is exact.
  let subnormal = bitcast<u32>(f32(mantissa) * 5.9604644775390625e-8);
  return sign | select(select(normal, subnormal, exponent == 0u), special, exponent == 0x1fu);
}

fn half_from_f32_bits(bits: u32) -> u32 {
  let sign = (bits >> 16u) & 0x8000u;
  let a = bits & 0x7fffffffu;
  if (a > 0x7f800000u) {
    return sign | 0x7e00u;
  }
  if (a >= 0x47800000u) {
    return sign | 0x7c00u; // 2^16 and up (and Inf) overflow
  }
  if (a >= 0x38800000u) {
    // Normal: round the low 13 mantissa bits away; a carry may run into the exponent (65520 → Inf).
    let rounded = a + 0x0fffu + ((a >> 13u) & 1u);
    return sign | ((rounded >> 13u) - (112u << 10u));
  }
  if (a <= 0x33000000u) {
    return sign; // at or below half the smallest subnormal
  }
  // Subnormal: the significand in units of 2^-24.
  let exponent = a >> 23u;
  return sign | shift_right_round_even((a & 0x7fffffu) | 0x800000u, 126u - exponent);
}

// ---- bfloat16 ----

fn bf16_from_f32_bits(bits: u32) -> u32 {
  if ((bits & 0x7fffffffu) > 0x7f800000u) {
    return ((bits >> 16u) & 0x8000u) | 0x7fc0u;
  }
  return ((bits + 0x7fffu + ((bits >> 16u) & 1u)) >> 16u) & 0xffffu;
}

// ---- fp8 (e4m3fn, e4m3fnuz, e5m2, e5m2fnuz) ----

struct Fp8Format {
  mantissa_bits: u32,
  bias: u32,
  // Code of the largest finite magnitude.
  max_code: u32,
  // fnuz formats: one NaN (0x80), no −0, no Inf.
  fnuz: bool,
  // e5m2: IEEE-style Inf and NaN.
  ieee: bool,
}

fn fp8_format(t: u32) -> Fp8Format {
  switch t {
    case T_FP8E4M3FNUZ: { return Fp8Format(3u, 8u, 0x7fu, true, false); }
    case T_FP8E5M2: { return Fp8Format(2u, 15u, 0x7bu, false, true); }
    case T_FP8E5M2FNUZ: { return Fp8Format(2u, 16u, 0x7fu, true, false); }
    default: { return Fp8Format(3u, 7u, 0x7eu, false, false); } // e4m3fn
  }
}

// An fp8 code's exact value as float32 bits; NaN codes give a quiet NaN.
fn fp8_to_f32_bits(t: u32, code: u32) -> u32 {
  let f = fp8_format(t);
  let sign = (code & 0x80u) << 24u;
  let magnitude = code & 0x7fu;
  if (f.fnuz) {
    if (code == 0x80u) {
      return 0x7fc00000u;
    }
  } else if (f.ieee) {
    if (magnitude >= 0x7cu) {
      return select(sign | 0x7fc00000u, sign | 0x7f800000u, magnitude == 0x7cu);
    }
  } else if (magnitude == 0x7fu) {
    return sign | 0x7fc00000u;
  }
  let exponent = magnitude >> f.mantissa_bits;
  let mantissa = magnitude & ((1u << f.mantissa_bits) - 1u);
  if (exponent == 0u) {
    // Subnormal: mantissa · 2^(1 − bias − mantissa_bits), a normal float32.
    let scale = 1 - i32(f.bias) - i32(f.mantissa_bits);
    return sign | bitcast<u32>(ldexp(f32(mantissa), scale));
  }
  return sign | ((exponent + 127u - f.bias) << 23u) | (mantissa << (23u - f.mantissa_bits));
}

// Float32 bits → fp8 code, nearest even. With `saturate`, ±Inf and values past ±max become ±max;
// without it they become NaN (e4m3fn S.1111.111, fnuz 0x80) or ±Inf (e5m2). NaN stays NaN.
fn fp8_from_f32_bits(t: u32, bits: u32, saturate: bool) -> u32 {
  let f = fp8_format(t);
  let sign = (bits >> 24u) & 0x80u;
  let a = bits & 0x7fffffffu;
  if (a > 0x7f800000u) {
    if (f.fnuz) {
      return 0x80u;
    }
    return sign | select(0x7fu, 0x7eu, f.ieee);
  }
  var overflow = sign | f.max_code;
  if (!saturate) {
    if (f.fnuz) {
      overflow = 0x80u;
    } else {
      overflow = sign | select(0x7fu, 0x7cu, f.ieee);
    }
  }
  // 2^(emax + 1), where emax is the exponent of the largest finite value.
  let emax_plus_one = (f.max_code >> f.mantissa_bits) + 1u - f.bias;
  if (a >= (127u + emax_plus_one) << 23u) {
    return overflow;
  }
  let dropped = 23u - f.mantissa_bits;
  var code = 0u;
  if (a >= (128u - f.bias) << 23u) {
    // Normal: integer round-to-nearest-even on the whole pattern, then move to the fp8 bias.
    let rounded = (a + (1u << (dropped - 1u)) - 1u + ((a >> dropped) & 1u)) >> dropped;
    code = rounded - ((127u - f.bias) << f.mantissa_bits);
    if (code > f.max_code) {
      return overflow;
    }
  } else if (a > (127u - f.bias - f.mantissa_bits) << 23u) {
    // Subnormal: the significand counted in units of the smallest subnormal.
    let shift = 151u - f.bias - f.mantissa_bits - (a >> 23u);
    code = shift_right_round_even((a & 0x7fffffu) | 0x800000u, shift);
  }
  if (code == 0u && f.fnuz) {
    return 0u;
  }
  return sign | code;
}

// ---- fp4e2m1: 0, 0.5, 1, 1.5, 2, 3, 4, 6 (no Inf or NaN) ----

fn fp4_to_f32_bits(code: u32) -> u32 {
  let sign = (code & 0x8u) << 28u;
  let exponent = (code >> 1u) & 0x3u;
  let mantissa = code & 0x1u;
  if (exponent == 0u) {
    return sign | select(0u, 0x3f000000u, mantissa == 1u);
  }
  return sign | ((exponent + 126u) << 23u) | (mantissa << 22u);
}

// Nearest even by comparing with the midpoints between neighbouring codes; magnitudes past 6 and
// ±Inf clamp to ±6, NaN becomes 0x8 (−NaN 0x0) as src/numerics/float4.ts documents.
fn fp4_from_f32_bits(bits: u32) -> u32 {
  let sign = (bits >> 28u) & 0x8u;
  let a = bits & 0x7fffffffu;
  if (a > 0x7f800000u) {
    return sign ^ 0x8u;
  }
  let x = bitcast<f32>(a);
  var code = 7u;
  if (x <= 0.25) { code = 0u; }
  else if (x < 0.75) { code = 1u; }
  else if (x <= 1.25) { code = 2u; }
  else if (x < 1.75) { code = 3u; }
  else if (x <= 2.5) { code = 4u; }
  else if (x < 3.5) { code = 5u; }
  else if (x <= 5.0) { code = 6u; }
  return sign | code;
}

// ---- e8m0: 2^(code − 127), 0xFF is NaN ----

fn e8m0_to_f32_bits(code: u32) -> u32 {
  if (code == 0xffu) {
    return 0x7fc00000u;
  }
  if (code == 0u) {
    return 0x00400000u; // 2^-127, a float32 subnormal
  }
  return code << 23u;
}

// Rounds |x| up to a power of two (ONNX Cast's default round_mode); the sign is ignored.
fn e8m0_from_f32_bits(bits: u32, saturate: bool) -> u32 {
  let a = bits & 0x7fffffffu;
  if (a > 0x7f800000u) {
    return 0xffu;
  }
  let overflow = select(0xffu, 0xfeu, saturate);
  let underflow = select(0xffu, 0x00u, saturate);
  if (a == 0x7f800000u) {
    return overflow;
  }
  if (a == 0u) {
    return underflow;
  }
  var exponent: i32;
  var inexact: bool;
  if ((a >> 23u) != 0u) {
    exponent = i32(a >> 23u) - 127;
    inexact = (a & 0x7fffffu) != 0u;
  } else {
    let leading = 31u - countLeadingZeros(a); // a float32 subnormal is a · 2^-149
    exponent = i32(leading) - 149;
    inexact = a != (1u << leading);
  }
  let power = exponent + select(0, 1, inexact);
  if (power > 127) {
    return overflow;
  }
  if (power < -127) {
    return underflow;
  }
  return u32(power + 127);
}
