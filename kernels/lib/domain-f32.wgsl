// Working domain float32: kernels written against `Work` compute in f32 here. The domain libraries
// (domain-f32, domain-i32, domain-u32) are the template layer's typed slot: src/codegen/kernel-catalog.ts
// picks one per launch instead of splicing type names into kernel text.
// Needs lib/element-codec.wgsl.

alias Work = f32;

fn load_work(t: u32, bits: u32) -> Work {
  return f32_of(t, bits);
}

fn store_work(t: u32, v: Work) -> u32 {
  return store_f32_bits(t, bitcast<u32>(v), true);
}

fn work_from_bits(bits: u32) -> Work {
  return bitcast<f32>(bits);
}

fn work_to_bits(v: Work) -> u32 {
  return bitcast<u32>(v);
}

fn negate(v: Work) -> Work {
  return -v;
}
