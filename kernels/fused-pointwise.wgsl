// A fused pointwise kernel: the elementwise program of one `pointwise` instruction (fuse-pointwise), in
// one launch. Its Params, bindings (inputs x0, x1, …, output y), readers, overrides, `y_type()` and
// `element(i)` (the program's steps on output element i) are generated from the program by
// src/codegen/fused-source.ts and placed before this file. Each input is read through its own view
// (offset and strides in the uniforms); one invocation writes one output word, so narrow outputs never
// share a word between invocations. Needs lib/fused-values.wgsl and lib/row-reduce.wgsl (row_base).

override WG: u32 = 64u;

// Element index in an input of output element i (all inputs contiguous: i + offset).
fn input_index(i: u32, offset: i32, strides: array<vec4<i32>, 2>) -> u32 {
  if (params.contiguous != 0u) {
    return u32(i32(i) + offset);
  }
  return u32(offset + row_base(i, params.rank, params.lens, strides));
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let w = linear_id(gid, groups, WG);
  let out_t = y_type();
  let out_bytes = type_bytes(out_t);
  let first = w * per_word(out_bytes);
  if (first >= params.count) {
    return;
  }
  let last = min(first + per_word(out_bytes), params.count);
  var word = 0u;
  for (var i = first; i < last; i++) {
    word = insert_bits(word, i, out_bytes, store_f32_bits(out_t, bitcast<u32>(element(i)), true));
  }
  y[w] = word;
}
