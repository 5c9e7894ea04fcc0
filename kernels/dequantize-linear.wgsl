// dequantizelinear(x, scale[, zero_point]) = (x − zero_point) · scale in float32, rounded once to the
// output type (the scale's). x may be any quantized type (integers, fp8, fp4, e8m0, int32).
// a = x, b = scale, c = zero point (HAS_ZERO_POINT), one invocation per output word.

override WG: u32 = 64u;

fn dequantize(index: vec3<u32>) -> u32 {
  let scale = f32_of(b_type(), read_b(b_type(), index.y));
  var shifted: f32;
  if (is_float_code(a_type())) {
    shifted = f32_of(a_type(), read_a(a_type(), index.x));
    if (has_zero_point()) {
      shifted = shifted - f32_of(c_type(), read_c(c_type(), index.z));
    }
  } else {
    // Exact integer difference, then one rounding to float32.
    var diff = int_value(a_type(), read_a(a_type(), index.x));
    if (has_zero_point()) {
      diff = diff - int_value(c_type(), read_c(c_type(), index.z));
    }
    shifted = select(f32(diff), f32(bitcast<u32>(diff)), a_type() == T_UINT32);
  }
  return store_f32_bits(y_type(), bitcast<u32>(shifted * scale), true);
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
    word = insert_bits(word, i, out_bytes, dequantize(input_indices(i)));
  }
  y[w] = word;
}
