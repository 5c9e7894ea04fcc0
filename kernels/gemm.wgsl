// Batched GEMM y = a · b with float32 accumulation, for dot (float, half, bf16) and quant_dot (fp8,
// decoded while tiles load; e4m3fn four codes per word with lib/fp8-packed.wgsl). Operands are strided
// views (transposed or broadcast operands are read in place). Each workgroup computes a
// (TM·WG_Y) × (TN·WG_X) tile of y, each invocation TM × TN of it, staging TILE_K-deep slices of a and b
// in workgroup memory, or (DIRECT = 1, software adapters) reading them straight from storage. Fusion
// (src/codegen/lower-gemm-group.ts): each operand may be quantized or converted as it loads (its
// prologue), and up to 12 elementwise steps (dequantize, convert, quantize, an op with a scalar, with
// an element of a tensor operand c, or with one earlier value of the chain) run on each result before
// it is written as y_type
// (lib/fused-values.wgsl); narrow outputs are written four columns to a word.

struct Params {
  m: u32,
  n: u32,
  k: u32,
  batch_rank: u32,
  // 1 when 4 consecutive elements along k (a) or n (b) share whole aligned words: one word read.
  a_packed: u32,
  b_packed: u32,
  // Type codes of a and b when A_TYPE / B_TYPE are DYNAMIC (see lib/pointwise-io.wgsl).
  a_type: u32,
  b_type: u32,
  batch_lens: vec4<u32>,
  a_batch_strides: vec4<i32>,
  b_batch_strides: vec4<i32>,
  // a: element offset, stride along m, stride along k; b: offset, stride along k, stride along n.
  a_view: vec4<i32>,
  b_view: vec4<i32>,
  // Type y is written in; b reads a's binding (dot(x, x) binds x once); epilogue steps; c's type.
  y_type: u32,
  b_from_a: u32,
  epilogue_steps: u32,
  c_type: u32,
  // Prologue of a and of b: kind (0 none, STEP_QUANTIZE, STEP_CONVERT), type, flags; and their scales.
  a_prologue: vec4<u32>,
  b_prologue: vec4<u32>,
  prologue_scales: vec4<f32>,
  // Epilogue steps 0–11 (lib/fused-values.wgsl fw_step): kind, result type, flags, scalar operand. Flags
  // bit 2: the operand is c's element instead; bit 3: keep the value the step receives (the saved value);
  // bit 4: the operand is the saved value (x · Φ(x) of GELU reads x again).
  epi_kinds: array<vec4<u32>, 3>,
  epi_types: array<vec4<u32>, 3>,
  epi_flags: array<vec4<u32>, 3>,
  epi_scalars: array<vec4<f32>, 3>,
  // c read at (batch, row, col): element offset, row stride, column stride; batch strides.
  c_view: vec4<i32>,
  c_batch_strides: vec4<i32>,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> a: array<u32>;
@group(0) @binding(2) var<storage, read_write> b: array<u32>;
@group(0) @binding(3) var<storage, read_write> c: array<u32>;
@group(0) @binding(4) var<storage, read_write> y: array<u32>;

const DYNAMIC: u32 = 0xffffffffu;

override A_TYPE: u32 = 0xffffffffu;
override B_TYPE: u32 = 0xffffffffu;
// 1 when b reads a's binding; DYNAMIC: params.b_from_a (a branch per load that llvmpipe runs both ways).
override B_FROM_A: u32 = 0xffffffffu;
override WG_X: u32 = 16u;
override WG_Y: u32 = 16u;
override TILE_K: u32 = 16u;
// 1 when the launch has a prologue or epilogue steps (lower-gemm.ts sets it); at 0 that code is
// compiled out of the pipeline (llvmpipe compiles the fused GEMM in about twice the time).
override FUSION: u32 = 0u;
// The operands' prologues as constants (see a_prologue()), set on software adapters with A_TYPE and
// B_TYPE: the step then compiles to the one kind it is, not a switch over every kind (llvmpipe builds
// such a pipeline several times faster; docs/webgpu.md).
override A_PROLOGUE: u32 = 0xffffffffu;
override B_PROLOGUE: u32 = 0xffffffffu;
// 1: read operands straight from storage, no workgroup tiles (software adapters; lower-gemm.ts).
override DIRECT: u32 = 0u;

// a_tile[k][m / 4] and b_tile[k][n / 4]: one vec4 feeds four accumulators. Tile is vec4<f32>, or
// vec4<f16> for half operands where the device has shader-f16 (lib/tile-*.wgsl): half the workgroup
// memory, the same products (half converts to float32 exactly).
const TM4: u32 = TM / 4u;
const TN4: u32 = TN / 4u;

var<workgroup> a_tile: array<Tile, TILE_K * WG_Y * TM4>;
var<workgroup> b_tile: array<Tile, TILE_K * WG_X * TN4>;

// An operand's prologue (kind, type, flags): from A_PROLOGUE / B_PROLOGUE (kind | type << 8 |
// flags << 16) where the launch specialises it, else from the uniforms.
fn prologue_of(code: u32, dynamic: vec4<u32>) -> vec4<u32> {
  if (code == DYNAMIC) {
    return dynamic;
  }
  return vec4<u32>(code & 0xffu, (code >> 8u) & 0xffu, code >> 16u, 0u);
}

fn a_prologue() -> vec4<u32> {
  return prologue_of(A_PROLOGUE, params.a_prologue);
}

fn b_prologue() -> vec4<u32> {
  return prologue_of(B_PROLOGUE, params.b_prologue);
}

fn a_type() -> u32 {
  return select(params.a_type, A_TYPE, A_TYPE != DYNAMIC);
}

fn b_type() -> u32 {
  return select(params.b_type, B_TYPE, B_TYPE != DYNAMIC);
}

fn element(t: u32, word: u32, i: u32) -> f32 {
  return f32_of(t, extract_bits(word, i, type_bytes(t)));
}

fn word_b(i: u32) -> u32 {
  if (select(params.b_from_a, B_FROM_A, B_FROM_A != DYNAMIC) != 0u) {
    return a[i];
  }
  return b[i];
}

// An operand's prologue on one loaded value.
fn prologue(p: vec4<u32>, scale: f32, v: f32) -> f32 {
  if (FUSION == 0u || p.x == 0u) {
    return v;
  }
  return fw_step(p.x, p.y, p.z, v, scale);
}

fn prologue4(p: vec4<u32>, scale: f32, v: vec4<f32>) -> vec4<f32> {
  if (FUSION == 0u || p.x == 0u) {
    return v;
  }
  return vec4<f32>(prologue(p, scale, v.x), prologue(p, scale, v.y), prologue(p, scale, v.z), prologue(p, scale, v.w));
}

// Four consecutive elements from element index `i` of a packed operand (aligned to 4 elements).
fn packed4_a(i: u32) -> vec4<f32> {
  let bytes = type_bytes(a_type());
  if (bytes == 1u) {
    let w = a[i >> 2u];
    if (a_type() == T_FP8E4M3FN) {
      return fp8e4m3fn_decode4(w);
    }
    return vec4<f32>(element(a_type(), w, 0u), element(a_type(), w, 1u), element(a_type(), w, 2u), element(a_type(), w, 3u));
  }
  if (bytes == 2u) {
    let w0 = a[i >> 1u];
    let w1 = a[(i >> 1u) + 1u];
    return vec4<f32>(element(a_type(), w0, 0u), element(a_type(), w0, 1u), element(a_type(), w1, 0u), element(a_type(), w1, 1u));
  }
  return vec4<f32>(f32_of(a_type(), a[i]), f32_of(a_type(), a[i + 1u]), f32_of(a_type(), a[i + 2u]), f32_of(a_type(), a[i + 3u]));
}

fn packed4_b(i: u32) -> vec4<f32> {
  let bytes = type_bytes(b_type());
  if (bytes == 1u) {
    let w = word_b(i >> 2u);
    if (b_type() == T_FP8E4M3FN) {
      return fp8e4m3fn_decode4(w);
    }
    return vec4<f32>(element(b_type(), w, 0u), element(b_type(), w, 1u), element(b_type(), w, 2u), element(b_type(), w, 3u));
  }
  if (bytes == 2u) {
    let w0 = word_b(i >> 1u);
    let w1 = word_b((i >> 1u) + 1u);
    return vec4<f32>(element(b_type(), w0, 0u), element(b_type(), w0, 1u), element(b_type(), w1, 0u), element(b_type(), w1, 1u));
  }
  return vec4<f32>(f32_of(b_type(), word_b(i)), f32_of(b_type(), word_b(i + 1u)), f32_of(b_type(), word_b(i + 2u)), f32_of(b_type(), word_b(i + 3u)));
}

fn load_a(base: i32, row: u32, k: u32) -> f32 {
  if (row >= params.m || k >= params.k) {
    return 0.0;
  }
  let i = u32(base + i32(row) * params.a_view.y + i32(k) * params.a_view.z);
  let bytes = type_bytes(a_type());
  return prologue(a_prologue(), params.prologue_scales.x, f32_of(a_type(), extract_bits(a[word_of(i, bytes)], i, bytes)));
}

fn load_b(base: i32, k: u32, col: u32) -> f32 {
  if (k >= params.k || col >= params.n) {
    return 0.0;
  }
  let i = u32(base + i32(k) * params.b_view.y + i32(col) * params.b_view.z);
  let bytes = type_bytes(b_type());
  return prologue(b_prologue(), params.prologue_scales.y, f32_of(b_type(), extract_bits(word_b(word_of(i, bytes)), i, bytes)));
}

// a[row][k .. k + 3] (zeros past m or k), through the packed read when a is packed along k (k is then
// a multiple of 4, and so are the k this is called with).
fn load_a4(base: i32, row: u32, k: u32) -> vec4<f32> {
  if (params.a_packed != 0u && row < params.m && k + 3u < params.k) {
    return prologue4(a_prologue(), params.prologue_scales.x, packed4_a(u32(base + i32(row) * params.a_view.y + i32(k))));
  }
  return vec4<f32>(load_a(base, row, k), load_a(base, row, k + 1u), load_a(base, row, k + 2u), load_a(base, row, k + 3u));
}

// b[k][col .. col + 3] (zeros past k or n), through the packed read when b is packed along n.
fn load_b4(base: i32, k: u32, col: u32) -> vec4<f32> {
  if (params.b_packed != 0u && k < params.k && col + 3u < params.n) {
    return prologue4(b_prologue(), params.prologue_scales.y, packed4_b(u32(base + i32(k) * params.b_view.y + i32(col))));
  }
  return vec4<f32>(load_b(base, k, col), load_b(base, k, col + 1u), load_b(base, k, col + 2u), load_b(base, k, col + 3u));
}

// The epilogue on result (row, col) of the matrix whose c offset is c_base.
fn epilogue(v: f32, c_base: i32, row: u32, col: u32) -> f32 {
  if (FUSION == 0u) {
    return v;
  }
  var r = v;
  var saved = 0.0;
  for (var s = 0u; s < params.epilogue_steps; s++) {
    let flags = params.epi_flags[s >> 2u][s & 3u];
    if ((flags & 8u) != 0u) {
      saved = r;
    }
    var operand = params.epi_scalars[s >> 2u][s & 3u];
    if ((flags & 4u) != 0u) {
      let i = u32(c_base + i32(row) * params.c_view.y + i32(col) * params.c_view.z);
      let bytes = type_bytes(params.c_type);
      operand = f32_of(params.c_type, extract_bits(c[word_of(i, bytes)], i, bytes));
    }
    if ((flags & 16u) != 0u) {
      operand = saved;
    }
    r = fw_step(params.epi_kinds[s >> 2u][s & 3u], params.epi_types[s >> 2u][s & 3u], flags, r, operand);
  }
  return r;
}

// acc += this invocation's block of a · b, staging TILE_K-deep slices of a and b in workgroup memory.
fn accumulate_tiled(acc: ptr<function, array<array<vec4<f32>, TN4>, TM>>, a_base: i32, b_base: i32, row0: u32, col0: u32, lid: vec2<u32>) {
  let threads = WG_X * WG_Y;
  let tid = lid.y * WG_X + lid.x;
  let tile_m = WG_Y * TM;
  for (var k0 = 0u; k0 < params.k; k0 += TILE_K) {
    // a: groups of 4 consecutive k of one row; b: groups of 4 consecutive n of one k.
    for (var g = tid; g < tile_m * TILE_K / 4u; g += threads) {
      let m_local = g / (TILE_K / 4u);
      let k_local = (g % (TILE_K / 4u)) * 4u;
      let t = to_tile(load_a4(a_base, row0 + m_local, k0 + k_local));
      for (var j = 0u; j < 4u; j++) {
        a_tile[(k_local + j) * WG_Y * TM4 + m_local / 4u][m_local % 4u] = t[j];
      }
    }
    for (var g = tid; g < TILE_K * WG_X * TN4; g += threads) {
      let k_local = g / (WG_X * TN4);
      let n4 = g % (WG_X * TN4);
      b_tile[g] = to_tile(load_b4(b_base, k0 + k_local, col0 + n4 * 4u));
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TILE_K; kk++) {
      var av: array<vec4<f32>, TM4>;
      var bv: array<vec4<f32>, TN4>;
      for (var r4 = 0u; r4 < TM4; r4++) {
        av[r4] = from_tile(a_tile[(kk * TM4 + r4) * WG_Y + lid.y]);
      }
      for (var c = 0u; c < TN4; c++) {
        bv[c] = from_tile(b_tile[(kk * TN4 + c) * WG_X + lid.x]);
      }
      for (var r = 0u; r < TM; r++) {
        let a_r = av[r / 4u][r % 4u];
        for (var c = 0u; c < TN4; c++) {
          (*acc)[r][c] += a_r * bv[c];
        }
      }
    }
    workgroupBarrier();
  }
}

// acc += this invocation's block of a · b, read straight from storage (DIRECT = 1: software adapters).
// llvmpipe runs a workgroup's invocations as SIMD lanes of one CPU thread: a workgroup barrier is a
// switch between them and a workgroup-memory read a gather, so re-reading storage (a's words are the
// same in every lane of a row, b's are consecutive) is faster there (docs/perf.md).
fn accumulate_direct(acc: ptr<function, array<array<vec4<f32>, TN4>, TM>>, a_base: i32, b_base: i32, row0: u32, col0: u32, lid: vec2<u32>) {
  for (var k0 = 0u; k0 < params.k; k0 += 4u) {
    var bv: array<array<vec4<f32>, TN4>, 4>;
    for (var j = 0u; j < 4u; j++) {
      for (var c = 0u; c < TN4; c++) {
        bv[j][c] = load_b4(b_base, k0 + j, col0 + (c * WG_X + lid.x) * 4u);
      }
    }
    for (var r = 0u; r < TM; r++) {
      let av = load_a4(a_base, row0 + ((r / 4u) * WG_Y + lid.y) * 4u + r % 4u, k0);
      for (var c = 0u; c < TN4; c++) {
        (*acc)[r][c] = fma(bv[0][c], vec4<f32>(av.x), fma(bv[1][c], vec4<f32>(av.y), fma(bv[2][c], vec4<f32>(av.z), fma(bv[3][c], vec4<f32>(av.w), (*acc)[r][c]))));
      }
    }
  }
}

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let tile_m = WG_Y * TM;
  let tile_n = WG_X * TN;
  let row0 = wid.y * tile_m;
  let col0 = wid.x * tile_n;

  // Batch coordinates (slowest first) of this workgroup's matrix.
  var a_base = params.a_view.x;
  var b_base = params.b_view.x;
  var c_base = params.c_view.x;
  var rest = wid.z;
  for (var d = params.batch_rank; d > 0u; d--) {
    let q = d - 1u;
    let coord = i32(rest % params.batch_lens[q]);
    rest = rest / params.batch_lens[q];
    a_base += coord * params.a_batch_strides[q];
    b_base += coord * params.b_batch_strides[q];
    c_base += coord * params.c_batch_strides[q];
  }

  var acc: array<array<vec4<f32>, TN4>, TM>;
  if (DIRECT != 0u) {
    accumulate_direct(&acc, a_base, b_base, row0, col0, lid.xy);
  } else {
    accumulate_tiled(&acc, a_base, b_base, row0, col0, lid.xy);
  }

  // Each invocation owns 4 consecutive columns per block, so a narrow y (half: n even, fp8: n a
  // multiple of 4, which the lowering checks) is written in whole words.
  let out_base = wid.z * params.m * params.n;
  let out_bytes = type_bytes(params.y_type);
  for (var r = 0u; r < TM; r++) {
    let row = row0 + ((r / 4u) * WG_Y + lid.y) * 4u + r % 4u;
    if (row >= params.m) {
      continue;
    }
    for (var c4 = 0u; c4 < TN4; c4++) {
      let col = col0 + (c4 * WG_X + lid.x) * 4u;
      if (col >= params.n) {
        continue;
      }
      let first = out_base + row * params.n + col;
      let count = min(4u, params.n - col);
      var word = 0u;
      for (var j = 0u; j < count; j++) {
        let v = epilogue(acc[r][c4][j], c_base, row, col + j);
        let bits = store_f32_bits(params.y_type, bitcast<u32>(v), true);
        let i = first + j;
        if (out_bytes >= 4u) {
          y[i] = bits;
        } else {
          word = insert_bits(word, i, out_bytes, bits);
          if (j == count - 1u || ((i + 1u) * out_bytes) % 4u == 0u) {
            y[word_of(i, out_bytes)] = word;
            word = 0u;
          }
        }
      }
    }
  }
}
