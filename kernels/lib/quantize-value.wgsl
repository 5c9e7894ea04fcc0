// quantizelinear of one float32 value, as its stored bits in the output type: q = x / scale, correctly
// rounded (lib/exact-div.wgsl); integer outputs round half to even, add the zero point and clamp (a NaN
// q gives the zero point); float-coded outputs (fp8, fp4) encode q + 0 honouring `saturate`. Shared by
// quantize-linear.wgsl and the fused kernels. Needs the codecs and lib/exact-div.wgsl.

// Inclusive range of an integer output type, as floats (exact for every quantized type).
fn int_range(t: u32) -> vec2<f32> {
  switch t {
    case T_UINT8: { return vec2<f32>(0.0, 255.0); }
    case T_INT8: { return vec2<f32>(-128.0, 127.0); }
    case T_UINT16: { return vec2<f32>(0.0, 65535.0); }
    case T_INT16: { return vec2<f32>(-32768.0, 32767.0); }
    case T_UINT4: { return vec2<f32>(0.0, 15.0); }
    case T_INT4: { return vec2<f32>(-8.0, 7.0); }
    case T_UINT2: { return vec2<f32>(0.0, 3.0); }
    case T_INT2: { return vec2<f32>(-2.0, 1.0); }
    case T_UINT32: { return vec2<f32>(0.0, 4294967040.0); }
    default: { return vec2<f32>(-2147483648.0, 2147483520.0); } // int32 (largest floats below the ends)
  }
}

fn quantize_value(t: u32, x: f32, scale: f32, zero_point: f32, saturate: bool) -> u32 {
  let q = div_rn(x, scale);
  if (is_float_code(t)) {
    // Adding the zero point 0 turns −0 into +0, as ONNX's reference does.
    let bits = select(bitcast<u32>(q), 0u, bitcast<u32>(q) == 0x80000000u);
    return store_f32_bits(t, bits, saturate);
  }
  if (is_nan_f32(q)) {
    return int_store_bits(t, bitcast<u32>(i32(zero_point)));
  }
  let range = int_range(t);
  let v = clamp(round(q) + zero_point, range.x, range.y);
  if (t == T_UINT32) {
    return u32(v);
  }
  return int_store_bits(t, bitcast<u32>(i32(v)));
}
