// Bindings and indexing shared by the pointwise kernels (elementwise, convert, quantize, where):
// up to three strided input views a, b, c and one standard output y, all read as u32 words.
// Views cost nothing: each input is read through its own strides and element offset (uniforms), so a
// transpose or broadcast feeding a pointwise op is never copied. Unused inputs are bound to a dummy.
// The output is written one word per invocation, so 1- and 2-byte outputs never share a word
// between invocations. Op and type codes are override constants on hardware (specialised pipelines)
// and uniforms on software adapters (one pipeline per kernel; src/codegen/capabilities.ts says why):
// an override left at DYNAMIC reads its uniform. Needs lib/types.wgsl.

struct Params {
  // Output elements.
  count: u32,
  // Dimensions after merging (src/codegen/dims.ts); at most 8.
  rank: u32,
  // 1 when every input is read at (i + offset): the indexing below is skipped.
  contiguous: u32,
  // Op code (elementwise kernels) when OP is DYNAMIC.
  op: u32,
  // Type codes of a, b, c and y when the *_TYPE overrides are DYNAMIC.
  types: vec4<u32>,
  // saturate, has_zero_point (quantize kernels) when SATURATE / HAS_ZERO_POINT are DYNAMIC; then which
  // binding b reads (1: a's) and c reads (1: a's, 2: b's) when an input repeats (mul(x, x) binds x once).
  flags: vec4<u32>,
  lens: array<vec4<u32>, 2>,
  // Element offsets of a, b, c (w unused).
  offsets: vec4<i32>,
  strides_a: array<vec4<i32>, 2>,
  strides_b: array<vec4<i32>, 2>,
  strides_c: array<vec4<i32>, 2>,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> a: array<u32>;
@group(0) @binding(2) var<storage, read_write> b: array<u32>;
@group(0) @binding(3) var<storage, read_write> c: array<u32>;
@group(0) @binding(4) var<storage, read_write> y: array<u32>;

const DYNAMIC: u32 = 0xffffffffu;

override A_TYPE: u32 = 0xffffffffu;
override B_TYPE: u32 = 0xffffffffu;
override C_TYPE: u32 = 0xffffffffu;
override Y_TYPE: u32 = 0xffffffffu;

fn a_type() -> u32 {
  return select(params.types.x, A_TYPE, A_TYPE != DYNAMIC);
}

fn b_type() -> u32 {
  return select(params.types.y, B_TYPE, B_TYPE != DYNAMIC);
}

fn c_type() -> u32 {
  return select(params.types.z, C_TYPE, C_TYPE != DYNAMIC);
}

fn y_type() -> u32 {
  return select(params.types.w, Y_TYPE, Y_TYPE != DYNAMIC);
}

// Flags of convert and the quantize kernels (0 or 1).
override SATURATE: u32 = 0xffffffffu;
override HAS_ZERO_POINT: u32 = 0xffffffffu;

fn saturate() -> bool {
  return select(params.flags.x, SATURATE, SATURATE != DYNAMIC) != 0u;
}

fn has_zero_point() -> bool {
  return select(params.flags.y, HAS_ZERO_POINT, HAS_ZERO_POINT != DYNAMIC) != 0u;
}

// Element indices of output element i in a, b and c.
fn input_indices(i: u32) -> vec3<u32> {
  if (params.contiguous != 0u) {
    return bitcast<vec3<u32>>(vec3<i32>(i32(i)) + params.offsets.xyz);
  }
  var rest = i;
  var index = params.offsets.xyz;
  for (var d = params.rank; d > 0u; d--) {
    let k = d - 1u;
    let len = params.lens[k >> 2u][k & 3u];
    let coord = i32(rest % len);
    rest = rest / len;
    let strides = vec3<i32>(params.strides_a[k >> 2u][k & 3u], params.strides_b[k >> 2u][k & 3u], params.strides_c[k >> 2u][k & 3u]);
    index += coord * strides;
  }
  return bitcast<vec3<u32>>(index);
}

// Word w of the buffer input a, b or c is read from (a repeated input is bound once).
fn word_a(w: u32) -> u32 {
  return a[w];
}

fn word_b(w: u32) -> u32 {
  if (params.flags.z == 1u) {
    return a[w];
  }
  return b[w];
}

fn word_c(w: u32) -> u32 {
  switch params.flags.w {
    case 1u: { return a[w]; }
    case 2u: { return b[w]; }
    default: { return c[w]; }
  }
}

// The stored bits of element `i` of a, b or c, for elements of 1, 2 or 4 bytes.
fn read_a(t: u32, i: u32) -> u32 {
  let bytes = type_bytes(t);
  return extract_bits(word_a(word_of(i, bytes)), i, bytes);
}

fn read_b(t: u32, i: u32) -> u32 {
  let bytes = type_bytes(t);
  return extract_bits(word_b(word_of(i, bytes)), i, bytes);
}

fn read_c(t: u32, i: u32) -> u32 {
  let bytes = type_bytes(t);
  return extract_bits(word_c(word_of(i, bytes)), i, bytes);
}
