// where(cond, x, y): copies the stored bits of x or y, so it works for every element size (1, 2, 4 and
// 8 bytes: an 8-byte element is two words, one invocation each). a = cond (bool), b = x, c = y.

override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let w = linear_id(gid, groups, WG);
  let bytes = type_bytes(y_type());
  if (bytes == 8u) {
    let i = w >> 1u;
    if (i >= params.count) {
      return;
    }
    let index = input_indices(i);
    let half_word = w & 1u;
    let take_x = read_a(T_BOOL, index.x) != 0u;
    y[w] = select(word_c(index.z * 2u + half_word), word_b(index.y * 2u + half_word), take_x);
    return;
  }
  let first = w * per_word(bytes);
  if (first >= params.count) {
    return;
  }
  let last = min(first + per_word(bytes), params.count);
  var word = 0u;
  for (var i = first; i < last; i++) {
    let index = input_indices(i);
    let take_x = read_a(T_BOOL, index.x) != 0u;
    let bits = select(read_c(y_type(), index.z), read_b(y_type(), index.y), take_x);
    word = insert_bits(word, i, bytes, bits);
  }
  y[w] = word;
}
