// Correctly rounded float32 division on integers. WGSL lets `x / y` be 2.5 ulp off, and quantizelinear
// rounds x / scale to an integer or an fp8 code, so an exact tie (3 / 2) must stay a tie for the result
// to be bit-exact. Quotients below 2^-126 flush to ±0: they quantize to 0 in every quantized type.
// Needs lib/float-math.wgsl.

// Significand (with the implicit bit, normalised so bit 23 is set) and unbiased exponent of a
// finite non-zero float32 magnitude.
fn split_f32(a: u32) -> vec2<i32> {
  let field = a >> 23u;
  if (field == 0u) {
    let shift = countLeadingZeros(a) - 8u;
    return vec2<i32>(i32(a << shift), -126 - i32(shift));
  }
  return vec2<i32>(i32((a & 0x7fffffu) | 0x800000u), i32(field) - 127);
}

fn div_rn(x: f32, s: f32) -> f32 {
  let xb = bitcast<u32>(x);
  let sb = bitcast<u32>(s);
  let sign = (xb ^ sb) & 0x80000000u;
  let ax = xb & 0x7fffffffu;
  let as_ = sb & 0x7fffffffu;
  if (ax > 0x7f800000u || as_ > 0x7f800000u || (ax == as_ && (ax == 0u || ax == 0x7f800000u))) {
    return nan_f32(ax);
  }
  if (ax == 0x7f800000u || as_ == 0u) {
    return bitcast<f32>(sign | 0x7f800000u);
  }
  if (ax == 0u || as_ == 0x7f800000u) {
    return bitcast<f32>(sign);
  }
  let xs = split_f32(ax);
  let ss = split_f32(as_);
  var rem = u32(xs.x);
  let divisor = u32(ss.x);
  var exponent = xs.y - ss.y;
  if (rem < divisor) {
    rem = rem << 1u;
    exponent = exponent - 1;
  }
  // Long division: 24 quotient bits and a guard bit; what is left decides the sticky bit.
  var q = 0u;
  for (var i = 0u; i < 25u; i++) {
    q = q << 1u;
    if (rem >= divisor) {
      rem = rem - divisor;
      q = q | 1u;
    }
    rem = rem << 1u;
  }
  var mantissa = q >> 1u;
  if ((q & 1u) == 1u && (rem != 0u || (mantissa & 1u) == 1u)) {
    mantissa = mantissa + 1u;
    if (mantissa == 0x1000000u) {
      mantissa = 0x800000u;
      exponent = exponent + 1;
    }
  }
  let biased = exponent + 127;
  if (biased >= 255) {
    return bitcast<f32>(sign | 0x7f800000u);
  }
  if (biased <= 0) {
    return bitcast<f32>(sign);
  }
  return bitcast<f32>(sign | (u32(biased) << 23u) | (mantissa & 0x7fffffu));
}
