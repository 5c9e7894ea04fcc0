// Rows of a strided view, shared by reduce.wgsl and softmax.wgsl: a row is one setting of the kept
// dimensions, its elements run over the reduced ones. A workgroup holds WG / LANES rows, LANES
// invocations stride along each row and combine their partial results in workgroup memory.

// Element offset of row `row` (kept coordinates · kept strides). `row` must lie inside the view (every
// caller bounds it by the product of `lens`), so the outermost coordinate is what remains after the
// inner ones: no division for it, and none at all for a rank-1 view, the common case (a softmax or
// layernorm row). An integer division is a long sequence on a GPU and a scalar loop over the lanes on
// llvmpipe (AVX2 has no vector division): the `%` and `/` per element cost the keep program's
// dq → softmax → q kernel 10 % of its time there (2267 → 2036 ms, docs/webgpu.md).
fn row_base(row: u32, rank: u32, lens: array<vec4<u32>, 2>, strides: array<vec4<i32>, 2>) -> i32 {
  if (rank == 0u) {
    return 0;
  }
  var rest = row;
  var index = 0;
  for (var k = rank - 1u; k > 0u; k--) {
    let len = lens[k >> 2u][k & 3u];
    index += i32(rest % len) * strides[k >> 2u][k & 3u];
    rest = rest / len;
  }
  return index + i32(rest) * strides[0][0];
}
