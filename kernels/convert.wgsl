// convert[target_type, saturate] between element types of at most 4 bytes: floats decode exactly to
// float32 and round once to the target (fp8 honours SATURATE); integers convert exactly or wrap.
// One invocation per output word. 8-byte types go through convert-wide.wgsl.

override WG: u32 = 64u;

fn convert_bits(raw: u32) -> u32 {
  if (is_float_code(a_type())) {
    return store_f32_bits(y_type(), f32_bits_of(a_type(), raw), saturate());
  }
  if (a_type() == T_UINT32) {
    return store_int_bits(y_type(), raw, false);
  }
  return store_int_bits(y_type(), bitcast<u32>(int_value(a_type(), raw)), true);
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
    let index = input_indices(i);
    word = insert_bits(word, i, out_bytes, convert_bits(read_a(a_type(), index.x)));
  }
  y[w] = word;
}
