// Rows of a strided view, shared by reduce.wgsl and softmax.wgsl: a row is one setting of the kept
// dimensions, its elements run over the reduced ones. A workgroup holds WG / LANES rows, LANES
// invocations stride along each row and combine their partial results in workgroup memory.

// Element offset of row `row` (kept coordinates · kept strides).
fn row_base(row: u32, rank: u32, lens: array<vec4<u32>, 2>, strides: array<vec4<i32>, 2>) -> i32 {
  var rest = row;
  var index = 0;
  for (var d = rank; d > 0u; d--) {
    let k = d - 1u;
    let len = lens[k >> 2u][k & 3u];
    index += i32(rest % len) * strides[k >> 2u][k & 3u];
    rest = rest / len;
  }
  return index;
}
