// Elementwise ops on float types (float, half, bf16; any float-coded input): one invocation per output
// word, each element computed in float32 and rounded once to the output type, which is the input type
// or bool for comparisons and isnan. The op and the storage types are codes (overrides, or uniforms:
// lib/pointwise-io.wgsl). NaN-sensitive ops (relu, min, max, clip, isnan) test bits, not floats.
// Not here: integer ops (elementwise-int.wgsl), where (where.wgsl).

override WG: u32 = 64u;

fn apply(x: f32, y: f32, z: f32) -> f32 {
  // NaN in gives NaN out for the unary ops and false for comparisons, whatever the device's math
  // library does with it (llvmpipe's GL tanh(NaN) is −1).
  let op = op_code();
  if (op < OP_ISNAN && is_nan_f32(x)) {
    return x;
  }
  if (op >= OP_EQUAL && op <= OP_GREATER && (is_nan_f32(x) || is_nan_f32(y))) {
    return 0.0;
  }
  switch op {
    case OP_ABS: { return abs(x); }
    case OP_NEG: { return -x; }
    case OP_SIGN: { return select(sign(x), x, is_nan_f32(x)); }
    case OP_RELU: { return select(0.0, x, x > 0.0 || is_nan_f32(x)); }
    case OP_SQRT: { return sqrt(x); }
    case OP_RSQRT: { return inverseSqrt(x); }
    case OP_EXP: { return exp(x); }
    case OP_LOG: { return log(x); }
    case OP_ERF: { return erf_f32(x); }
    case OP_TANH: { return tanh(x); }
    case OP_SIGMOID: { return 1.0 / (1.0 + exp(-x)); }
    case OP_RECIP: { return 1.0 / x; }
    case OP_FLOOR: { return floor(x); }
    case OP_CEIL: { return ceil(x); }
    case OP_NEARBYINT: { return round(x); } // WGSL rounds ties to even
    case OP_SIN: { return sin(x); }
    case OP_COS: { return cos(x); }
    case OP_ISNAN: { return select(0.0, 1.0, is_nan_f32(x)); }
    case OP_ADD: { return x + y; }
    case OP_SUB: { return x - y; }
    case OP_MUL: { return x * y; }
    case OP_DIV: { return x / y; }
    case OP_POW: { return pow_c(x, y); }
    case OP_MIN: {
      if (is_nan_f32(x) || is_nan_f32(y)) { return nan_f32(bitcast<u32>(x)); }
      return min(x, y);
    }
    case OP_MAX: {
      if (is_nan_f32(x) || is_nan_f32(y)) { return nan_f32(bitcast<u32>(x)); }
      return max(x, y);
    }
    case OP_MOD: {
      // The remainder takes the divisor's sign (Python %).
      let r = x - y * trunc(x / y);
      return select(r, r + y, r != 0.0 && ((r < 0.0) != (y < 0.0)));
    }
    case OP_FMOD: { return x - y * trunc(x / y); }
    case OP_EQUAL: { return select(0.0, 1.0, x == y); }
    case OP_LESS: { return select(0.0, 1.0, x < y); }
    case OP_GREATER: { return select(0.0, 1.0, x > y); }
    case OP_CLIP: {
      // min(max(x, lo), hi) as std::min / std::max order it: a NaN x stays NaN (tested on bits, as
      // a GPU compiler may turn the selects into NaN-dropping min / max).
      if (is_nan_f32(x)) { return x; }
      let low = select(x, y, x < y);
      return select(low, z, z < low);
    }
    default: { return x; }
  }
}

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
    word = insert_bits(word, i, out_bytes, store_f32_bits(y_type(), bitcast<u32>(apply(x, yv, z)), true));
  }
  y[w] = word;
}
