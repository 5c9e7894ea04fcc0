// Elementwise ops on float types (float, half, bf16; any float-coded input): one invocation per output
// word, each element computed in float32 and rounded once to the output type, which is the input type
// or bool for comparisons and isnan. The op and the storage types are codes (overrides, or uniforms:
// lib/pointwise-io.wgsl). NaN-sensitive ops (relu, min, max, clip, isnan) test bits, not floats.
// Not here: integer ops (elementwise-int.wgsl), where (where.wgsl).

override WG: u32 = 64u;

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
    let x = f32_of(a_type(), read_a(a_type(), index.x));
    let yv = f32_of(b_type(), read_b(b_type(), index.y));
    let z = f32_of(c_type(), read_c(c_type(), index.z));
    word = insert_bits(word, i, out_bytes, store_f32_bits(y_type(), bitcast<u32>(float_op(op_code(), x, yv, z)), true));
  }
  y[w] = word;
}
