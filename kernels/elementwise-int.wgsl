// Elementwise ops on integer and bool types, in the working domain `Work` (i32, or u32 for uint32;
// lib/domain-*.wgsl): exact, wrapping modulo 2^32, narrowed to the output type on store. Integer
// division, mod and fmod by zero give 0 (ONNX does not say; src/ref does the same).
// One invocation per output word, as in elementwise-float.wgsl.

override WG: u32 = 64u;

// a^b modulo 2^32 by repeated squaring; a negative exponent truncates 1/a^|b| toward zero.
fn int_pow(base: Work, exponent: Work) -> Work {
  if (exponent < Work(0)) {
    if (base == Work(1)) { return Work(1); }
    if (base == negate(Work(1))) { return select(negate(Work(1)), Work(1), (work_to_bits(exponent) & 1u) == 0u); }
    return Work(0);
  }
  var result = Work(1);
  var b = base;
  var e = work_to_bits(exponent);
  while (e > 0u) {
    if ((e & 1u) == 1u) {
      result = result * b;
    }
    b = b * b;
    e = e >> 1u;
  }
  return result;
}

fn apply(x: Work, y: Work, z: Work) -> Work {
  let zero = Work(0);
  let one = Work(1);
  switch op_code() {
    case OP_ABS: { return abs(x); }
    case OP_NEG: { return negate(x); }
    case OP_SIGN: { return select(select(zero, negate(one), x < zero), one, x > zero); }
    case OP_RELU: { return max(x, zero); }
    case OP_NOT: {
      if (a_type() == T_BOOL) { return one - x; }
      return ~x;
    }
    case OP_ISNAN: { return zero; }
    case OP_ADD: { return x + y; }
    case OP_SUB: { return x - y; }
    case OP_MUL: { return x * y; }
    case OP_DIV: { return select(x / y, zero, y == zero); }
    case OP_POW: { return int_pow(x, y); }
    case OP_MIN: { return min(x, y); }
    case OP_MAX: { return max(x, y); }
    case OP_MOD: {
      if (y == zero) { return zero; }
      let r = x % y;
      return select(r, r + y, r != zero && ((r < zero) != (y < zero)));
    }
    case OP_FMOD: { return select(x % y, zero, y == zero); }
    case OP_EQUAL: { return select(zero, one, x == y); }
    case OP_LESS: { return select(zero, one, x < y); }
    case OP_GREATER: { return select(zero, one, x > y); }
    case OP_LOGICAL_AND: { return x & y; }
    case OP_LOGICAL_OR: { return x | y; }
    case OP_LOGICAL_XOR: { return x ^ y; }
    case OP_CLIP: {
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
    let x = load_work(a_type(), read_a(a_type(), index.x));
    let yv = load_work(b_type(), read_b(b_type(), index.y));
    let z = load_work(c_type(), read_c(c_type(), index.z));
    word = insert_bits(word, i, out_bytes, store_work(y_type(), apply(x, yv, z)));
  }
  y[w] = word;
}
