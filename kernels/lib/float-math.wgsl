// Float32 math WGSL lacks or leaves undefined where ONNX needs an answer: erf, C's pow (negative bases,
// 1^y), NaN tests on bits (WGSL may assume finite math, so `x != x` can fold away) and a NaN made at
// run time (a constant NaN does not compile).

fn is_nan_f32(x: f32) -> bool {
  return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;
}

// A quiet NaN; `seed` only keeps the expression out of constant evaluation.
fn nan_f32(seed: u32) -> f32 {
  return bitcast<f32>(0x7fc00000u | (seed & 0u));
}

// erf by Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7).
fn erf_f32(x: f32) -> f32 {
  let t = 1.0 / (1.0 + 0.3275911 * abs(x));
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  let r = 1.0 - poly * exp(-x * x);
  return select(r, -r, x < 0.0);
}

// C pow: 1^y = 1 and x^0 = 1 (NaN included); a negative base needs an integer exponent.
fn pow_c(x: f32, y: f32) -> f32 {
  if (x == 1.0 || y == 0.0) {
    return 1.0;
  }
  if (is_nan_f32(x) || is_nan_f32(y)) {
    return nan_f32(bitcast<u32>(x));
  }
  let ax = abs(x);
  var r: f32;
  if (ax == 0.0) {
    r = select(1.0 / ax, 0.0, y > 0.0); // 0^negative is +Inf
  } else {
    r = exp2(y * log2(ax));
  }
  if (x < 0.0 || (x == 0.0 && (bitcast<u32>(x) >> 31u) == 1u)) {
    if (y != trunc(y)) {
      return nan_f32(bitcast<u32>(y));
    }
    let odd = abs(y) < 16777216.0 && (u32(abs(y)) & 1u) == 1u;
    r = select(r, -r, odd);
  }
  return r;
}
