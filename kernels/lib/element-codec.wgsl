// Element values by type code: what an element's stored bits mean in each working domain (float32,
// i32, u32) and how a result is stored back. Float types decode exactly to float32 bits; integers
// sign- or zero-extend. Results narrow as ONNX Cast does: floats round to nearest even, floats to
// integers truncate toward zero and wrap modulo 2^bits (NaN, ±Inf → 0), integers wrap.
// Needs lib/types.wgsl and lib/float-codec.wgsl. 8-byte types are not here (wide-codec.wgsl).

fn is_float_code(t: u32) -> bool {
  switch t {
    case T_HALF, T_FLOAT, T_BF16, T_FP8E4M3FNUZ, T_FP8E4M3FN, T_FP8E5M2, T_FP8E5M2FNUZ, T_FP4E2M1, T_FP8E8M0: {
      return true;
    }
    default: {
      return false;
    }
  }
}

// The element's value as a signed integer (int types sign-extended, unsigned zero-extended).
fn int_value(t: u32, bits: u32) -> i32 {
  switch t {
    case T_INT8, T_INT4, T_INT2: { return bitcast<i32>(bits << 24u) >> 24u; }
    case T_INT16: { return bitcast<i32>(bits << 16u) >> 16u; }
    default: { return bitcast<i32>(bits); }
  }
}

// The element's exact value as float32 bits (integers convert to the nearest float32).
fn f32_bits_of(t: u32, bits: u32) -> u32 {
  switch t {
    case T_FLOAT: { return bits; }
    case T_HALF: { return half_to_f32_bits(bits); }
    case T_BF16: { return bits << 16u; }
    case T_FP8E4M3FN, T_FP8E4M3FNUZ, T_FP8E5M2, T_FP8E5M2FNUZ: { return fp8_to_f32_bits(t, bits); }
    case T_FP4E2M1: { return fp4_to_f32_bits(bits); }
    case T_FP8E8M0: { return e8m0_to_f32_bits(bits); }
    case T_UINT32: { return bitcast<u32>(f32(bits)); }
    case T_BOOL: { return select(0u, 0x3f800000u, bits != 0u); }
    default: { return bitcast<u32>(f32(int_value(t, bits))); }
  }
}

fn f32_of(t: u32, bits: u32) -> f32 {
  return bitcast<f32>(f32_bits_of(t, bits));
}

// A float truncated toward zero, as the low 32 bits of the exact integer (NaN and ±Inf give 0).
fn f32_to_int_bits(x: f32) -> u32 {
  if ((bitcast<u32>(x) & 0x7f800000u) == 0x7f800000u) {
    return 0u;
  }
  let t = trunc(x);
  if (abs(t) < 2147483648.0) {
    return bitcast<u32>(i32(t));
  }
  // |t| >= 2^31 is a multiple of 256, so t mod 2^32 is exact in float32.
  let wrapped = t - floor(t * (1.0 / 4294967296.0)) * 4294967296.0;
  return u32(wrapped);
}

// An integer result (low 32 bits) stored as an element of integer or bool type `t`.
fn int_store_bits(t: u32, v: u32) -> u32 {
  switch t {
    case T_BOOL: { return select(0u, 1u, v != 0u); }
    case T_INT4: { return bitcast<u32>(bitcast<i32>(v << 28u) >> 28u) & 0xffu; }
    case T_UINT4: { return v & 0xfu; }
    case T_INT2: { return bitcast<u32>(bitcast<i32>(v << 30u) >> 30u) & 0xffu; }
    case T_UINT2: { return v & 0x3u; }
    case T_INT8, T_UINT8: { return v & 0xffu; }
    case T_INT16, T_UINT16: { return v & 0xffffu; }
    default: { return v; }
  }
}

// A float32 result (as bits) stored as an element of type `t`.
fn store_f32_bits(t: u32, bits: u32, saturate: bool) -> u32 {
  switch t {
    case T_FLOAT: { return bits; }
    case T_HALF: { return half_from_f32_bits(bits); }
    case T_BF16: { return bf16_from_f32_bits(bits); }
    case T_FP8E4M3FN, T_FP8E4M3FNUZ, T_FP8E5M2, T_FP8E5M2FNUZ: { return fp8_from_f32_bits(t, bits, saturate); }
    case T_FP4E2M1: { return fp4_from_f32_bits(bits); }
    case T_FP8E8M0: { return e8m0_from_f32_bits(bits, saturate); }
    case T_BOOL: { return select(0u, 1u, (bits & 0x7fffffffu) != 0u); } // NaN is true
    default: { return int_store_bits(t, f32_to_int_bits(bitcast<f32>(bits))); }
  }
}

// An integer result stored as an element of type `t` (floats get the nearest value).
fn store_int_bits(t: u32, v: u32, signed: bool) -> u32 {
  if (is_float_code(t)) {
    var x: f32;
    if (signed) {
      x = f32(bitcast<i32>(v));
    } else {
      x = f32(v);
    }
    return store_f32_bits(t, bitcast<u32>(x), true);
  }
  return int_store_bits(t, v);
}
