// gather[axis](data, indices): out[outer, k…, inner] = data[outer, indices[k…], inner]. Indices are
// int32 or int64 (low word; an index needs far fewer than 32 bits); negative ones count from the end,
// and out-of-range ones are clamped (src/ref rejects them; a kernel cannot raise an error).
// Elements of 1, 2, 4 or 8 bytes are moved as bits, one invocation per output word.

struct Params {
  count: u32,
  index_count: u32,
  // Product of the data lens after the axis, and the axis length.
  inner: u32,
  axis_len: u32,
  data_rank: u32,
  index_rank: u32,
  data_offset: i32,
  index_offset: i32,
  data_lens: array<vec4<u32>, 2>,
  data_strides: array<vec4<i32>, 2>,
  index_lens: array<vec4<u32>, 2>,
  index_strides: array<vec4<i32>, 2>,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> data: array<u32>;
@group(0) @binding(2) var<storage, read_write> indices: array<u32>;
@group(0) @binding(3) var<storage, read_write> y: array<u32>;

override ELEM_BYTES: u32;
override INDEX_TYPE: u32;
override WG: u32 = 64u;

fn index_value(k: u32) -> u32 {
  var rest = k;
  var pos = params.index_offset;
  for (var d = params.index_rank; d > 0u; d--) {
    let q = d - 1u;
    let len = params.index_lens[q >> 2u][q & 3u];
    pos += i32(rest % len) * params.index_strides[q >> 2u][q & 3u];
    rest = rest / len;
  }
  var v: i32;
  if (INDEX_TYPE == T_INT64) {
    v = bitcast<i32>(indices[u32(pos) * 2u]);
  } else {
    v = bitcast<i32>(indices[u32(pos)]);
  }
  if (v < 0) {
    v += i32(params.axis_len);
  }
  return u32(clamp(v, 0, i32(params.axis_len) - 1));
}

// The data element index of output element e.
fn source_index(e: u32) -> u32 {
  let inner = e % params.inner;
  let k = (e / params.inner) % params.index_count;
  let outer = e / (params.inner * params.index_count);
  var rest = (outer * params.axis_len + index_value(k)) * params.inner + inner;
  var index = params.data_offset;
  for (var d = params.data_rank; d > 0u; d--) {
    let q = d - 1u;
    let len = params.data_lens[q >> 2u][q & 3u];
    index += i32(rest % len) * params.data_strides[q >> 2u][q & 3u];
    rest = rest / len;
  }
  return u32(index);
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let w = linear_id(gid, groups, WG);
  if (ELEM_BYTES >= 4u) {
    let words_per_elem = ELEM_BYTES / 4u;
    let e = w / words_per_elem;
    if (e >= params.count) {
      return;
    }
    y[w] = data[source_index(e) * words_per_elem + w % words_per_elem];
    return;
  }
  let per = per_word(ELEM_BYTES);
  let first = w * per;
  if (first >= params.count) {
    return;
  }
  let last = min(first + per, params.count);
  var out = 0u;
  for (var e = first; e < last; e++) {
    let src = source_index(e);
    out = insert_bits(out, e, ELEM_BYTES, extract_bits(data[word_of(src, ELEM_BYTES)], src, ELEM_BYTES));
  }
  y[w] = out;
}
