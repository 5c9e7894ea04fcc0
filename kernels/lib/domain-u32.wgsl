// Working domain u32: uint32 (division, comparisons and min/max need it unsigned); results wrap
// modulo 2^32. See domain-f32.wgsl for the idea. Needs lib/element-codec.wgsl.

alias Work = u32;

fn load_work(t: u32, bits: u32) -> Work {
  return bitcast<u32>(int_value(t, bits));
}

fn store_work(t: u32, v: Work) -> u32 {
  return store_int_bits(t, v, false);
}

fn work_from_bits(bits: u32) -> Work {
  return bits;
}

fn work_to_bits(v: Work) -> u32 {
  return v;
}

fn negate(v: Work) -> Work {
  return ~v + 1u;
}
