// Elementwise ops on int64 / uint64, emulated on (low, high) u32 pairs: add, sub, mul (low 64 bits),
// neg, abs, sign, relu, min, max, clip, not, comparisons (bool out) and convert to and from the other
// integer and float types. Results wrap modulo 2^64 as src/ref's BigInt arithmetic does. Division,
// mod and pow are not here (they are rejected at lowering). An 8-byte output element is two words,
// one invocation each; a bool output is packed four to a word.

override WG: u32 = 64u;

// Op code of convert in this kernel (lib/pointwise-ops.wgsl has the others).
const OP_CONVERT: u32 = 50u;

fn is_wide(t: u32) -> bool {
  return t == T_INT64 || t == T_UINT64;
}

fn add64(x: vec2<u32>, y: vec2<u32>) -> vec2<u32> {
  let lo = x.x + y.x;
  return vec2<u32>(lo, x.y + y.y + select(0u, 1u, lo < x.x));
}

fn neg64(x: vec2<u32>) -> vec2<u32> {
  return add64(~x, vec2<u32>(1u, 0u));
}

// The full 64-bit product of two u32, from 16-bit halves.
fn mul32x32(a: u32, b: u32) -> vec2<u32> {
  let a0 = a & 0xffffu;
  let a1 = a >> 16u;
  let b0 = b & 0xffffu;
  let b1 = b >> 16u;
  let p00 = a0 * b0;
  let p01 = a0 * b1;
  let p10 = a1 * b0;
  let p11 = a1 * b1;
  let middle = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
  let lo = (p00 & 0xffffu) | (middle << 16u);
  let hi = p11 + (p01 >> 16u) + (p10 >> 16u) + (middle >> 16u);
  return vec2<u32>(lo, hi);
}

fn mul64(x: vec2<u32>, y: vec2<u32>) -> vec2<u32> {
  let p = mul32x32(x.x, y.x);
  return vec2<u32>(p.x, p.y + x.x * y.y + x.y * y.x);
}

fn negative(x: vec2<u32>, signed: bool) -> bool {
  return signed && (x.y >> 31u) == 1u;
}

fn less64(x: vec2<u32>, y: vec2<u32>, signed: bool) -> bool {
  if (x.y != y.y) {
    if (signed) {
      return bitcast<i32>(x.y) < bitcast<i32>(y.y);
    }
    return x.y < y.y;
  }
  return x.x < y.x;
}

// A 64-bit integer from an element of another type: integers sign- or zero-extend, floats truncate
// toward zero and wrap modulo 2^64 (NaN, ±Inf → 0).
fn widen(t: u32, bits: u32) -> vec2<u32> {
  if (is_float_code(t)) {
    let x = f32_of(t, bits);
    if ((bitcast<u32>(x) & 0x7f800000u) == 0x7f800000u) {
      return vec2<u32>(0u, 0u);
    }
    let v = trunc(x);
    if (abs(v) < 2147483648.0) {
      let small = i32(v);
      return vec2<u32>(bitcast<u32>(small), select(0u, 0xffffffffu, small < 0));
    }
    // |v| >= 2^31 is a multiple of 256, so v − high·2^32 (in [0, 2^32)) is exact; high wraps modulo
    // 2^32 like any float → integer.
    let high = floor(v * (1.0 / 4294967296.0));
    return vec2<u32>(u32(v - high * 4294967296.0), f32_to_int_bits(high));
  }
  if (t == T_UINT32) {
    return vec2<u32>(bits, 0u);
  }
  let v = int_value(t, bits);
  return vec2<u32>(bitcast<u32>(v), select(0u, 0xffffffffu, v < 0));
}

// A 64-bit integer stored as an element of type t (not 8 bytes): integers keep the low bits, floats
// get the nearest value of high·2^32 + low.
fn narrow(t: u32, x: vec2<u32>, signed: bool) -> u32 {
  if (is_float_code(t)) {
    // Convert the magnitude (two non-negative parts: no cancellation), then apply the sign.
    let minus = negative(x, signed);
    let m = select(x, neg64(x), minus);
    let magnitude = f32(m.y) * 4294967296.0 + f32(m.x);
    return store_f32_bits(t, bitcast<u32>(select(magnitude, -magnitude, minus)), true);
  }
  if (t == T_BOOL) {
    return select(0u, 1u, x.x != 0u || x.y != 0u);
  }
  return int_store_bits(t, x.x);
}

fn wide_operand(t: u32, which: u32, i: u32) -> vec2<u32> {
  if (is_wide(t)) {
    switch which {
      case 0u: { return vec2<u32>(word_a(2u * i), word_a(2u * i + 1u)); }
      case 1u: { return vec2<u32>(word_b(2u * i), word_b(2u * i + 1u)); }
      default: { return vec2<u32>(word_c(2u * i), word_c(2u * i + 1u)); }
    }
  }
  switch which {
    case 0u: { return widen(t, read_a(t, i)); }
    case 1u: { return widen(t, read_b(t, i)); }
    default: { return widen(t, read_c(t, i)); }
  }
}

fn bit(c: bool) -> vec2<u32> {
  return vec2<u32>(select(0u, 1u, c), 0u);
}

// The result of element i as a 64-bit value (comparisons give 0 / 1).
fn compute(i: u32) -> vec2<u32> {
  let index = input_indices(i);
  let x = wide_operand(a_type(), 0u, index.x);
  let signed = a_type() == T_INT64;
  switch op_code() {
    case OP_CONVERT: { return x; }
    case OP_NEG: { return neg64(x); }
    case OP_ABS: { return select(x, neg64(x), negative(x, signed)); }
    case OP_SIGN: {
      if (negative(x, signed)) { return vec2<u32>(0xffffffffu, 0xffffffffu); }
      return bit(x.x != 0u || x.y != 0u);
    }
    case OP_RELU: { return select(x, vec2<u32>(0u, 0u), negative(x, signed)); }
    case OP_NOT: { return ~x; }
    default: {}
  }
  let y = wide_operand(b_type(), 1u, index.y);
  switch op_code() {
    case OP_ADD: { return add64(x, y); }
    case OP_SUB: { return add64(x, neg64(y)); }
    case OP_MUL: { return mul64(x, y); }
    case OP_MIN: { return select(y, x, less64(x, y, signed)); }
    case OP_MAX: { return select(x, y, less64(x, y, signed)); }
    case OP_EQUAL: { return bit(x.x == y.x && x.y == y.y); }
    case OP_LESS: { return bit(less64(x, y, signed)); }
    case OP_GREATER: { return bit(less64(y, x, signed)); }
    case OP_CLIP: {
      let low = select(x, y, less64(x, y, signed));
      let z = wide_operand(c_type(), 2u, index.z);
      return select(low, z, less64(z, low, signed));
    }
    default: { return x; }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let w = linear_id(gid, groups, WG);
  let out_bytes = type_bytes(y_type());
  if (out_bytes == 8u) {
    let i = w >> 1u;
    if (i >= params.count) {
      return;
    }
    let r = compute(i);
    y[w] = select(r.y, r.x, (w & 1u) == 0u);
    return;
  }
  let first = w * per_word(out_bytes);
  if (first >= params.count) {
    return;
  }
  let last = min(first + per_word(out_bytes), params.count);
  let signed = a_type() == T_INT64;
  var word = 0u;
  for (var i = first; i < last; i++) {
    word = insert_bits(word, i, out_bytes, narrow(y_type(), compute(i), signed));
  }
  y[w] = word;
}
