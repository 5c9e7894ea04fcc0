// Strided copy of one input view into a band of a standard output: contiguous, reshape of a strided
// view, transpose materialisation, slice, reverse (negative strides) and each input of a concat (the
// band is where it lands in every outer row). Elements of 1, 2, 4 or 8 bytes are moved as bits.
// One invocation per output word: a word shared with a neighbouring band (1- and 2-byte elements)
// keeps the bytes this launch does not own, so concat's launches can run one after another.

struct Params {
  // Invocations: output words from first_word on.
  words: u32,
  first_word: u32,
  // Output elements per outer row, the band's first element in a row, and its length.
  row_elems: u32,
  band_start: u32,
  band_len: u32,
  // Input view: rank, element offset, lens and strides.
  rank: u32,
  offset: i32,
  _unused: u32,
  lens: array<vec4<u32>, 2>,
  strides: array<vec4<i32>, 2>,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> y: array<u32>;

override ELEM_BYTES: u32;
override WG: u32 = 64u;

// The input element index of band element `pos` in outer row `row`.
fn source_index(row: u32, pos: u32) -> u32 {
  var rest = row * params.band_len + pos;
  var index = params.offset;
  for (var d = params.rank; d > 0u; d--) {
    let k = d - 1u;
    let len = params.lens[k >> 2u][k & 3u];
    index += i32(rest % len) * params.strides[k >> 2u][k & 3u];
    rest = rest / len;
  }
  return u32(index);
}

// The band position of output element e, or band_len when e lies outside the band.
fn band_position(e: u32) -> u32 {
  let in_row = e % params.row_elems;
  if (in_row < params.band_start || in_row >= params.band_start + params.band_len) {
    return params.band_len;
  }
  return in_row - params.band_start;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let t = linear_id(gid, groups, WG);
  if (t >= params.words) {
    return;
  }
  let word = params.first_word + t;
  if (ELEM_BYTES >= 4u) {
    let words_per_elem = ELEM_BYTES / 4u;
    let e = word / words_per_elem;
    let pos = band_position(e);
    if (pos == params.band_len) {
      return;
    }
    let src = source_index(e / params.row_elems, pos);
    y[word] = x[src * words_per_elem + word % words_per_elem];
    return;
  }
  let per = per_word(ELEM_BYTES);
  // A word holding elements of another band (or past the end) keeps their bytes.
  var out = 0u;
  for (var j = 0u; j < per; j++) {
    if (band_position(word * per + j) == params.band_len) {
      out = y[word];
      break;
    }
  }
  for (var j = 0u; j < per; j++) {
    let e = word * per + j;
    let pos = band_position(e);
    if (pos < params.band_len) {
      let src = source_index(e / params.row_elems, pos);
      out = insert_bits(out, e, ELEM_BYTES, extract_bits(x[word_of(src, ELEM_BYTES)], src, ELEM_BYTES));
    }
  }
  y[word] = out;
}
