// Working domain i32: signed integers up to 32 bits, unsigned up to 16 bits and bool (0/1); results
// wrap modulo 2^32 and are narrowed to the output type on store. See domain-f32.wgsl for the idea.
// Needs lib/element-codec.wgsl.

alias Work = i32;

fn load_work(t: u32, bits: u32) -> Work {
  return int_value(t, bits);
}

fn store_work(t: u32, v: Work) -> u32 {
  return store_int_bits(t, bitcast<u32>(v), true);
}

fn work_from_bits(bits: u32) -> Work {
  return bitcast<i32>(bits);
}

fn work_to_bits(v: Work) -> u32 {
  return bitcast<u32>(v);
}

fn negate(v: Work) -> Work {
  return -v;
}
