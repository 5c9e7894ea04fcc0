// quantizelinear(x, scale[, zero_point]): q = x / scale in float32, correctly rounded (lib/exact-div).
// Integer outputs: round half to even, add the zero point, clamp to the type (a NaN q gives the zero
// point). Float-coded outputs (fp8, fp4): encode q + 0 honouring SATURATE (the zero point is 0).
// a = x, b = scale, c = zero point (HAS_ZERO_POINT), one invocation per output word.

override WG: u32 = 64u;

fn quantize(index: vec3<u32>) -> u32 {
  let x = f32_of(a_type(), read_a(a_type(), index.x));
  let scale = f32_of(b_type(), read_b(b_type(), index.y));
  var zero_point = 0.0;
  if (has_zero_point() && !is_float_code(y_type())) {
    zero_point = f32(int_value(c_type(), read_c(c_type(), index.z)));
  }
  return quantize_value(y_type(), x, scale, zero_point, saturate());
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
