// quantizelinear(x, scale[, zero_point]): q = x / scale in float32, correctly rounded (lib/exact-div).
// Integer outputs: round half to even, add the zero point, clamp to the type (a NaN q gives the zero
// point). Float-coded outputs (fp8, fp4): encode q + 0 honouring SATURATE (the zero point is 0).
// a = x, b = scale, c = zero point (HAS_ZERO_POINT), one invocation per output word.

override WG: u32 = 64u;

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

fn quantize(index: vec3<u32>) -> u32 {
  let x = f32_of(a_type(), read_a(a_type(), index.x));
  let scale = f32_of(b_type(), read_b(b_type(), index.y));
  let q = div_rn(x, scale);
  if (is_float_code(y_type())) {
    // Adding the zero point 0 turns −0 into +0, as ONNX's reference does.
    let bits = select(bitcast<u32>(q), 0u, bitcast<u32>(q) == 0x80000000u);
    return store_f32_bits(y_type(), bits, saturate());
  }
  var zero_point = 0.0;
  if (has_zero_point()) {
    zero_point = f32(int_value(c_type(), read_c(c_type(), index.z)));
  }
  if (is_nan_f32(q)) {
    return int_store_bits(y_type(), bitcast<u32>(i32(zero_point)));
  }
  let range = int_range(y_type());
  let v = clamp(round(q) + zero_point, range.x, range.y);
  if (y_type() == T_UINT32) {
    return u32(v);
  }
  return int_store_bits(y_type(), bitcast<u32>(i32(v)));
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let w = linear_id(gid, groups, WG);
  let out_bytes = type_bytes(y_type());
  let first = w * per_word(out_bytes);
  if (first >= params.count) {
    return;
  }
  let last = min(first + per_word(out_bytes), params.count);
  var word = 0u;
  for (var i = first; i < last; i++) {
    word = insert_bits(word, i, out_bytes, quantize(input_indices(i)));
  }
  y[w] = word;
}
