// Fused attention (flash attention): O = softmax(mask(softcap(scale · Q·Kᵀ))) · V for every (batch,
// head), optionally quantized to fp8 on the way out, without ever writing the Sq × Skv scores.
// A workgroup owns BQ query rows of one (batch, head). It stages those Q rows once, then walks the
// keys BK at a time: K tile → scores in registers → running max and sum per row (online softmax in
// base 2, the scale folded with log2 e) → V tile (in K's place) → O += P·V, with O rescaled whenever a
// row's max grows. Everything accumulates in float32. Inputs are half or float read through strides
// (K may be a [.., D, S] view); GQA maps query head h to kv head h / group. The launch is prepared by
// src/codegen/attention-kernel.ts; docs/attention-kernel.md has the design and the figures.

struct Params {
  batch: u32,
  heads: u32,
  // Query heads per kv head (GQA; 1 for plain multi-head attention).
  group: u32,
  seq_q: u32,
  seq_kv: u32,
  // Causal masking: key j is visible to query i when j <= i + past (past = cached keys before the queries).
  past: i32,
  mask_offset: i32,
  // Bit 0: Q rows packed along d (4 elements per read); 1: K packed along d; 2: K packed along s; 3: V along d.
  packed: u32,
  // scale · log2 e (without softcap); with softcap, x = cap_out · tanh(cap_in · q·k), cap_in = scale / c,
  // cap_out = c · log2 e.
  scale_log2: f32,
  cap_in: f32,
  cap_out: f32,
  // Boolean masks: the score a masked key gets (natural units; −Inf leaves the key out).
  mask_fill: f32,
  // quantizelinear's y_scale.
  out_scale: f32,
  // Boolean masks: the condition value that keeps a key (1: where(cond, scores, fill); 0: where(cond, fill, scores)).
  mask_keep: u32,
  // where(cond, 0, P) on the probabilities (bool cond): 0 none, 1 zero where cond is true, 2 where it
  // is false; the condition's element offset.
  zero_probs: u32,
  zero_offset: i32,
  // A factor multiplying the scores (GPT-2's w · b): its element offset; the additive mask's sign
  // (−1: scores − mask).
  factor_offset: i32,
  mask_sign: f32,
  _unused0: u32,
  _unused1: u32,
  // Codes when the overrides are DYNAMIC: input type, mask type, output type, saturate.
  codes: vec4<u32>,
  // Mask kind (0 none, 1 additive, 2 boolean), causal, softcap, quantize.
  flags: vec4<u32>,
  // Score factor (0 none, 1 a float / half view), its type; zw unused.
  factor_codes: vec4<u32>,
  // Element offsets of q, k, v and the output.
  offsets: vec4<i32>,
  // Element strides along (batch, head, sequence, d); the mask's along (batch, head, query, key).
  q_strides: vec4<i32>,
  k_strides: vec4<i32>,
  v_strides: vec4<i32>,
  out_strides: vec4<i32>,
  mask_strides: vec4<i32>,
  // The zeroing condition's element strides along (batch, head, query, key).
  zero_strides: vec4<i32>,
  // The score factor's element strides along (batch, head, query, key).
  factor_strides: vec4<i32>,
}

// Inputs are read_write like every kernel a lowered program runs: q, k, v and the output may be ranges
// of one scratch buffer, which WebGPU binds twice in a dispatch only when every binding is writable.
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> q: array<u32>;
@group(0) @binding(2) var<storage, read_write> k: array<u32>;
@group(0) @binding(3) var<storage, read_write> v: array<u32>;
@group(0) @binding(4) var<storage, read_write> mask: array<u32>;
@group(0) @binding(5) var<storage, read_write> y: array<u32>;
// where(cond, 0, P)'s cond: bool_type, one byte per element (a dummy buffer when zero_probs is 0).
@group(0) @binding(6) var<storage, read_write> zero_cond: array<u32>;
// The score factor (a dummy buffer without one).
@group(0) @binding(7) var<storage, read_write> factor: array<u32>;

const DYNAMIC: u32 = 0xffffffffu;

override IN_TYPE: u32 = 0xffffffffu;
override MASK_KIND: u32 = 0xffffffffu;
override MASK_TYPE: u32 = 0xffffffffu;
override CAUSAL: u32 = 0xffffffffu;
override SOFTCAP: u32 = 0xffffffffu;
override OUT_TYPE: u32 = 0xffffffffu;
override SATURATE: u32 = 0xffffffffu;
override QUANTIZE: u32 = 0xffffffffu;
override FACTOR: u32 = 0xffffffffu;
override FACTOR_TYPE: u32 = 0xffffffffu;
// Q and K's head size (a multiple of 4 · TD), query rows per workgroup, keys per tile, rows per invocation
// (at most 4), invocations per row group, workgroup size (= BQ / RQ · TD).
override HEAD_DIM: u32;
// V's (and the output's) head size; may differ from Q's and K's (a multiple of 4 · TD as well).
override HEAD_DIM_V: u32;
override BQ: u32 = 32u;
override BK: u32 = 16u;
override RQ: u32 = 4u;
override TD: u32 = 8u;
override WG: u32 = 64u;

const MASK_NONE: u32 = 0u;
const MASK_ADD: u32 = 1u;
const MASK_BOOL: u32 = 2u;

// Register blocks are sized for the largest launch attentionLaunch makes; loops run to the override
// values, so the driver unrolls them and drops the unused entries.
const RQ_MAX: u32 = 4u;
const KPT_MAX: u32 = 8u;
const DV4_MAX: u32 = 8u;

const LOG2E: f32 = 1.4426950408889634;
// Left-out keys: below every kept score, so they never raise a row's max, and exp2 of the gap is 0.
const LEFT_OUT: f32 = -3.0e38;
// Additive masks and fills are clamped here first, so times log2 e they stay finite and above LEFT_OUT.
const MASK_FLOOR: f32 = -1.0e38;
const NEG_INF_BITS: u32 = 0xff800000u;

// Q rows of the workgroup, and K then V rows of the current tile: row-major with one vec4 of padding
// per row, so the invocations of a row group read different banks.
var<workgroup> q_tile: array<Tile, BQ * (HEAD_DIM / 4u + 1u)>;
var<workgroup> kv_tile: array<Tile, BK * (max(HEAD_DIM, HEAD_DIM_V) / 4u + 1u)>;
// P of the tile: entry key * (BQ / RQ) + row group holds the RQ rows of that group (component i = row
// group + i · BQ / RQ). At the end it stages O, one row of every row group at a time.
var<workgroup> p_tile: array<vec4<f32>, max(BK, HEAD_DIM_V / 4u) * (BQ / RQ)>;
// Per-row partials of the TD invocations of a row group: tile maxima, and at the end the sums.
var<workgroup> red: array<f32, BQ * TD>;

fn in_type() -> u32 {
  return select(params.codes.x, IN_TYPE, IN_TYPE != DYNAMIC);
}

fn mask_type() -> u32 {
  return select(params.codes.y, MASK_TYPE, MASK_TYPE != DYNAMIC);
}

fn out_type() -> u32 {
  return select(params.codes.z, OUT_TYPE, OUT_TYPE != DYNAMIC);
}

fn saturate() -> bool {
  return select(params.codes.w, SATURATE, SATURATE != DYNAMIC) != 0u;
}

fn mask_kind() -> u32 {
  return select(params.flags.x, MASK_KIND, MASK_KIND != DYNAMIC);
}

fn causal() -> bool {
  return select(params.flags.y, CAUSAL, CAUSAL != DYNAMIC) != 0u;
}

fn softcap() -> bool {
  return select(params.flags.z, SOFTCAP, SOFTCAP != DYNAMIC) != 0u;
}

fn has_factor() -> bool {
  return select(params.factor_codes.x, FACTOR, FACTOR != DYNAMIC) != 0u;
}

fn factor_type() -> u32 {
  return select(params.factor_codes.y, FACTOR_TYPE, FACTOR_TYPE != DYNAMIC);
}

fn quantize() -> bool {
  return select(params.flags.w, QUANTIZE, QUANTIZE != DYNAMIC) != 0u;
}

// ---- reading q, k, v (0, 1, 2): half or float words ----

fn word(which: u32, w: u32) -> u32 {
  switch which {
    case 0u: { return q[w]; }
    case 1u: { return k[w]; }
    default: { return v[w]; }
  }
}

fn elem(which: u32, i: i32) -> f32 {
  let t = in_type();
  let u = u32(i);
  let bytes = type_bytes(t);
  return f32_of(t, extract_bits(word(which, word_of(u, bytes)), u, bytes));
}

// Elements i .. i + 3, contiguous, i a multiple of 4 (so they fill whole words).
fn elem4(which: u32, i: i32) -> vec4<f32> {
  let u = u32(i);
  if (in_type() == T_HALF) {
    let w = u >> 1u;
    return vec4<f32>(unpack2x16float(word(which, w)), unpack2x16float(word(which, w + 1u)));
  }
  return bitcast<vec4<f32>>(vec4<u32>(word(which, u), word(which, u + 1u), word(which, u + 2u), word(which, u + 3u)));
}

// Four elements from `at`, `stride` apart (packed: contiguous and aligned).
fn elems(which: u32, at: i32, stride: i32, packed: bool) -> vec4<f32> {
  if (packed) {
    return elem4(which, at);
  }
  return vec4<f32>(elem(which, at), elem(which, at + stride), elem(which, at + 2 * stride), elem(which, at + 3 * stride));
}

fn load_q_tile(base: i32, q0: u32, lid: u32) {
  let d4n = HEAD_DIM / 4u;
  let row_len = d4n + 1u;
  let packed = (params.packed & 1u) != 0u;
  for (var g = lid; g < BQ * d4n; g += WG) {
    let r = g / d4n;
    let d4 = g % d4n;
    let row = q0 + r;
    var x = vec4<f32>(0.0);
    if (row < params.seq_q) {
      x = elems(0u, base + i32(row) * params.q_strides.z + i32(d4 * 4u) * params.q_strides.w, params.q_strides.w, packed);
    }
    q_tile[r * row_len + d4] = to_tile(x);
  }
}

// BK rows (keys k0 …) of K (which = 1) or V (2) into kv_tile; rows past the sequence are zeros.
fn load_kv_tile(which: u32, base: i32, strides: vec4<i32>, k0: u32, along_d: bool, along_s: bool, lid: u32) {
  let d4n = select(HEAD_DIM_V, HEAD_DIM, which == 1u) / 4u;
  let row_len = max(HEAD_DIM, HEAD_DIM_V) / 4u + 1u;
  if (along_s) {
    // K stored [.., D, S]: a block of 4 keys × 4 dims is four contiguous reads along s, transposed here.
    let k4n = BK / 4u;
    for (var g = lid; g < k4n * d4n; g += WG) {
      let kq = g % k4n;
      let d4 = g / k4n;
      let key = k0 + kq * 4u;
      var cols = array<vec4<f32>, 4>(vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0), vec4<f32>(0.0));
      for (var e = 0u; e < 4u; e++) {
        let at = base + i32(key) * strides.z + i32(d4 * 4u + e) * strides.w;
        if (key + 3u < params.seq_kv) {
          cols[e] = elem4(which, at);
        } else {
          for (var j = 0u; j < 4u; j++) {
            if (key + j < params.seq_kv) {
              cols[e][j] = elem(which, at + i32(j) * strides.z);
            }
          }
        }
      }
      for (var j = 0u; j < 4u; j++) {
        kv_tile[(kq * 4u + j) * row_len + d4] = to_tile(vec4<f32>(cols[0][j], cols[1][j], cols[2][j], cols[3][j]));
      }
    }
    return;
  }
  for (var g = lid; g < BK * d4n; g += WG) {
    let r = g / d4n;
    let d4 = g % d4n;
    let key = k0 + r;
    var x = vec4<f32>(0.0);
    if (key < params.seq_kv) {
      x = elems(which, base + i32(key) * strides.z + i32(d4 * 4u) * strides.w, strides.w, along_d);
    }
    kv_tile[r * row_len + d4] = to_tile(x);
  }
}

// ---- scores ----

// tanh from exp2: WGSL leaves tanh's precision to the device (and llvmpipe's GL tanh(NaN) is −1).
fn tanh_f32(x: f32) -> f32 {
  let t = exp2(-2.0 * LOG2E * abs(x));
  let r = (1.0 - t) / (1.0 + t);
  return select(r, -r, x < 0.0);
}

// The stored bits of mask element i as float32 bits (additive masks) or its raw value (bool).
fn mask_raw(i: i32) -> u32 {
  let t = mask_type();
  let u = u32(i);
  let bytes = type_bytes(t);
  return extract_bits(mask[word_of(u, bytes)], u, bytes);
}

// A score in the log2 domain: raw = q·k scaled (scale · log2 e folded), softcapped, masked; LEFT_OUT
// for keys that take no part (past the sequence, causally hidden, masked with −Inf). Kept scores are
// at least MASK_FLOOR · log2 e − |cap|, far above LEFT_OUT.
fn score(raw: f32, row: u32, key: u32, mask_base: i32, factor_base: i32) -> f32 {
  if (key >= params.seq_kv) {
    return LEFT_OUT;
  }
  if (causal() && i32(key) > i32(row) + params.past) {
    return LEFT_OUT;
  }
  var x: f32;
  if (softcap()) {
    x = params.cap_out * tanh_f32(raw * params.cap_in);
  } else {
    x = raw * params.scale_log2;
  }
  if (row >= params.seq_q) {
    return x;
  }
  if (has_factor()) {
    // x · factor stays in the log2 domain (log2 e · scale · s · factor).
    let t = factor_type();
    let u = u32(factor_base + i32(row) * params.factor_strides.z + i32(key) * params.factor_strides.w);
    let bytes = type_bytes(t);
    x = x * f32_of(t, extract_bits(factor[word_of(u, bytes)], u, bytes));
  }
  let kind = mask_kind();
  if (kind == MASK_NONE) {
    return x;
  }
  let bits = mask_raw(mask_base + i32(row) * params.mask_strides.z + i32(key) * params.mask_strides.w);
  if (kind == MASK_ADD) {
    var m = f32_of(mask_type(), bits);
    if (params.mask_sign < 0.0) {
      // scores − mask
      m = -m;
    }
    if (bitcast<u32>(m) == NEG_INF_BITS) {
      return LEFT_OUT;
    }
    return x + max(m, MASK_FLOOR) * LOG2E;
  }
  // Boolean: where(cond, scores, fill) keeps where cond == mask_keep.
  if ((bits != 0u) != (params.mask_keep != 0u)) {
    if (bitcast<u32>(params.mask_fill) == NEG_INF_BITS) {
      return LEFT_OUT;
    }
    return max(params.mask_fill, MASK_FLOOR) * LOG2E;
  }
  return x;
}

// ---- output ----

// An fp8 code of one output value (float32 bits): quantizelinear(o, out_scale) or a plain convert.
fn fp8_code(bits: u32) -> u32 {
  var b = bits;
  if (quantize()) {
    b = bitcast<u32>(div_rn(bitcast<f32>(bits), params.out_scale));
    // x / scale + zero point 0 turns −0 into +0, as the reference interpreter does.
    b = select(b, 0u, b == 0x80000000u);
  }
  return fp8_from_f32_bits(out_type(), b, saturate());
}

// Four consecutive output dims of one row, as float32 bits.
fn write_out(at: i32, bits: vec4<u32>) {
  let t = out_type();
  if (t == T_FLOAT) {
    for (var e = 0; e < 4; e++) {
      y[u32(at + e * params.out_strides.w)] = bits[e];
    }
    return;
  }
  if (t == T_HALF) {
    // Packed along d (attentionLaunch checks): two whole words, rounded to nearest even on integers.
    let w = u32(at) >> 1u;
    y[w] = half_from_f32_bits(bits.x) | (half_from_f32_bits(bits.y) << 16u);
    y[w + 1u] = half_from_f32_bits(bits.z) | (half_from_f32_bits(bits.w) << 16u);
    return;
  }
  y[u32(at) >> 2u] = fp8_code(bits.x) | (fp8_code(bits.y) << 8u) | (fp8_code(bits.z) << 16u) | (fp8_code(bits.w) << 24u);
}

// Whether where(cond, 0, P) zeroes the probability of (row, key) (both in range).
fn prob_zeroed(zero_base: i32, row: u32, key: u32) -> bool {
  let u = u32(zero_base + i32(row) * params.zero_strides.z + i32(key) * params.zero_strides.w);
  let cond = extract_bits(zero_cond[word_of(u, 1u)], u, 1u) != 0u;
  return cond == (params.zero_probs == 1u);
}

// O / sum of row i of every row group into p_tile (entry row group · HEAD_DIM_V / 4 + d4). `acc` is read
// at the constant row `i` only: a private array indexed by a variable would be demoted to local
// memory, and on an H200 that made P·V ten times slower than Q·Kᵀ.
// `kept`: some probability of the row is not zeroed by where(cond, 0, P) (always, without it).
fn stage_row(acc: ptr<function, array<array<vec4<f32>, DV4_MAX>, RQ_MAX>>, i: u32, total: f32, kept: bool, rg: u32, td: u32) {
  let d4n = HEAD_DIM_V / 4u;
  for (var j = 0u; j < d4n / TD; j++) {
    var o = (*acc)[i][j] / total;
    if (total == 0.0) {
      // Every key left out: softmax of all −Inf is NaN, as the reference interpreter computes it,
      // unless where(cond, 0, P) replaces every one of those NaNs with 0.
      o = select(vec4<f32>(0.0), bitcast<vec4<f32>>(vec4<u32>(0x7fc00000u | (params.batch & 0u))), kept);
    }
    p_tile[rg * d4n + td + j * TD] = o;
  }
}

// The staged row i of every row group to the output: consecutive invocations, consecutive dims.
fn write_rows(i: u32, q0: u32, out_base: i32, lid: u32) {
  let d4n = HEAD_DIM_V / 4u;
  let groups = BQ / RQ;
  for (var g = lid; g < groups * d4n; g += WG) {
    let row = q0 + g / d4n + i * groups;
    if (row < params.seq_q) {
      let at = out_base + i32(row) * params.out_strides.z + i32((g % d4n) * 4u) * params.out_strides.w;
      write_out(at, bitcast<vec4<u32>>(p_tile[g]));
    }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  let d4n = HEAD_DIM / 4u;
  let row_len = d4n + 1u;
  let kv_row_len = max(HEAD_DIM, HEAD_DIM_V) / 4u + 1u;
  let groups = BQ / RQ;
  let kpt = BK / TD;
  let dv4 = HEAD_DIM_V / 4u / TD;
  let rg = lid / TD;
  let td = lid % TD;
  let q0 = wid.x * BQ;
  let h = wid.y;
  let b = wid.z;
  let hk = h / params.group;
  let q_base = params.offsets.x + i32(b) * params.q_strides.x + i32(h) * params.q_strides.y;
  let k_base = params.offsets.y + i32(b) * params.k_strides.x + i32(hk) * params.k_strides.y;
  let v_base = params.offsets.z + i32(b) * params.v_strides.x + i32(hk) * params.v_strides.y;
  let out_base = params.offsets.w + i32(b) * params.out_strides.x + i32(h) * params.out_strides.y;
  let mask_base = params.mask_offset + i32(b) * params.mask_strides.x + i32(h) * params.mask_strides.y;
  let zero_base = params.zero_offset + i32(b) * params.zero_strides.x + i32(h) * params.zero_strides.y;
  let factor_base = params.factor_offset + i32(b) * params.factor_strides.x + i32(h) * params.factor_strides.y;

  load_q_tile(q_base, q0, lid);

  // Keys past the last row's causal limit are never visible to this block.
  var k_end = params.seq_kv;
  if (causal()) {
    let last = i32(min(q0 + BQ, params.seq_q)) - 1 + params.past;
    k_end = u32(clamp(last + 1, 0, i32(params.seq_kv)));
  }

  // Per row of this invocation: running max (log2 domain), its partial sum over this invocation's
  // keys, and its share of O (dims (td + j · TD) · 4 …).
  // NOTE: vec4 rather than arrays, and every `acc` index a constant once loops over the overrides
  // unroll: see stage_row.
  var m = vec4<f32>(LEFT_OUT);
  var l = vec4<f32>(0.0);
  // 1 once some probability of the row is not zeroed by where(cond, 0, P).
  var kept = vec4<f32>(select(0.0, 1.0, params.zero_probs == 0u));
  var acc: array<array<vec4<f32>, DV4_MAX>, RQ_MAX>;

  for (var k0 = 0u; k0 < k_end; k0 += BK) {
    workgroupBarrier(); // the previous tile's V (and, at first, nobody) is done with kv_tile
    load_kv_tile(1u, k_base, params.k_strides, k0, (params.packed & 2u) != 0u, (params.packed & 4u) != 0u, lid);
    workgroupBarrier();

    // S = Q·Kᵀ for rows rg + i · groups and keys td + j · TD.
    // NOTE: zeroed explicitly each tile: llvmpipe kept the previous tile's values in a `var` declared
    // inside the loop without an initializer.
    var s: array<array<f32, KPT_MAX>, RQ_MAX>;
    for (var i = 0u; i < RQ; i++) {
      for (var j = 0u; j < kpt; j++) {
        s[i][j] = 0.0;
      }
    }
    for (var d4 = 0u; d4 < d4n; d4++) {
      var qv: array<vec4<f32>, RQ_MAX>;
      for (var i = 0u; i < RQ; i++) {
        qv[i] = from_tile(q_tile[(rg + i * groups) * row_len + d4]);
      }
      for (var j = 0u; j < kpt; j++) {
        let kv = from_tile(kv_tile[(td + j * TD) * kv_row_len + d4]);
        for (var i = 0u; i < RQ; i++) {
          s[i][j] += dot(qv[i], kv);
        }
      }
    }

    // Scale, softcap, masks; each row's max over this invocation's keys.
    for (var i = 0u; i < RQ; i++) {
      let r = rg + i * groups;
      var tile_max = LEFT_OUT;
      for (var j = 0u; j < kpt; j++) {
        s[i][j] = score(s[i][j], q0 + r, k0 + td + j * TD, mask_base, factor_base);
        tile_max = max(tile_max, s[i][j]);
      }
      red[r * TD + td] = tile_max;
    }
    workgroupBarrier(); // maxima written; everyone is done reading K

    load_kv_tile(2u, v_base, params.v_strides, k0, (params.packed & 8u) != 0u, false, lid);

    // Online softmax: the row's new max, rescale what came before, P of this tile.
    var alpha = vec4<f32>(1.0);
    for (var i = 0u; i < RQ; i++) {
      let r = rg + i * groups;
      var new_max = m[i];
      for (var t = 0u; t < TD; t++) {
        new_max = max(new_max, red[r * TD + t]);
      }
      alpha[i] = exp2(m[i] - new_max);
      m[i] = new_max;
      l[i] *= alpha[i];
      for (var j = 0u; j < dv4; j++) {
        acc[i][j] *= alpha[i];
      }
    }
    for (var j = 0u; j < kpt; j++) {
      var p = vec4<f32>(0.0);
      let key = k0 + td + j * TD;
      for (var i = 0u; i < RQ; i++) {
        p[i] = select(0.0, exp2(s[i][j] - m[i]), s[i][j] > LEFT_OUT);
        l[i] += p[i];
        // where(cond, 0, P): the softmax's sum counts the key, O does not.
        let row = q0 + rg + i * groups;
        if (params.zero_probs != 0u && key < params.seq_kv && row < params.seq_q) {
          if (prob_zeroed(zero_base, row, key)) {
            p[i] = 0.0;
          } else {
            kept[i] = 1.0;
          }
        }
      }
      p_tile[(td + j * TD) * groups + rg] = p;
    }
    workgroupBarrier(); // P and V are in place

    // O += P·V over the keys of the tile that can be visible.
    let keys = min(BK, k_end - k0);
    for (var key = 0u; key < keys; key++) {
      let p = p_tile[key * groups + rg];
      for (var j = 0u; j < dv4; j++) {
        let vv = from_tile(kv_tile[key * kv_row_len + td + j * TD]);
        for (var i = 0u; i < RQ; i++) {
          acc[i][j] += p[i] * vv;
        }
      }
    }
  }

  // Each row's sum over all its invocations, then O / sum row by row through p_tile (stage_row, write_rows).
  workgroupBarrier();
  for (var i = 0u; i < RQ; i++) {
    red[(rg + i * groups) * TD + td] = l[i];
  }
  workgroupBarrier();
  var total = vec4<f32>(0.0);
  for (var i = 0u; i < RQ; i++) {
    for (var t = 0u; t < TD; t++) {
      total[i] += red[(rg + i * groups) * TD + t];
    }
  }
  if (params.zero_probs != 0u) {
    // Whether any invocation of the row group kept a probability of the row.
    workgroupBarrier();
    for (var i = 0u; i < RQ; i++) {
      red[(rg + i * groups) * TD + td] = kept[i];
    }
    workgroupBarrier();
    for (var i = 0u; i < RQ; i++) {
      var row_kept = 0.0;
      for (var t = 0u; t < TD; t++) {
        row_kept = max(row_kept, red[(rg + i * groups) * TD + t]);
      }
      kept[i] = row_kept;
    }
  }
  for (var i = 0u; i < RQ; i++) {
    workgroupBarrier(); // p_tile (P of the last tile, or the previous staged row) is free
    switch i {
      case 0u: { stage_row(&acc, 0u, total.x, kept.x > 0.0, rg, td); }
      case 1u: { stage_row(&acc, 1u, total.y, kept.y > 0.0, rg, td); }
      case 2u: { stage_row(&acc, 2u, total.z, kept.z > 0.0, rg, td); }
      default: { stage_row(&acc, 3u, total.w, kept.w > 0.0, rg, td); }
    }
    workgroupBarrier();
    write_rows(i, q0, out_base, lid);
  }
}
