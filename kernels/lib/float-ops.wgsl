// The elementwise float ops by op code (OP_* of lib/pointwise-ops.wgsl), on float32 values: what
// elementwise-float.wgsl computes per element, and what the fused kernels (generated pointwise and
// reduce bodies, the GEMM epilogue) call for each step. NaN-sensitive ops test bits, not floats.
// Needs lib/pointwise-ops.wgsl's codes and lib/float-math.wgsl.

fn float_op(op: u32, x: f32, y: f32, z: f32) -> f32 {
  // NaN in gives NaN out for the unary ops and false for comparisons, whatever the device's math
  // library does with it (llvmpipe's GL tanh(NaN) is −1).
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
