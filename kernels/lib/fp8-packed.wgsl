// Four e4m3fn codes of one u32 to float32 at once (webgpu.md §5): each byte becomes the half pattern
// sign<<15 | (code & 0x7F)<<7, which is the code's value times 2^-8 (subnormals included), so
// unpack2x16float and a multiply by 256 decode it exactly without shader-f16. Only NaN needs a select.

fn fp8e4m3fn_decode4(w: u32) -> vec4<f32> {
  let lo = ((w & 0x80u) << 8u) | ((w & 0x7fu) << 7u) | ((w & 0x8000u) << 16u) | ((w & 0x7f00u) << 15u);
  let hi = ((w & 0x800000u) >> 8u) | ((w & 0x7f0000u) >> 9u) | (w & 0x80000000u) | ((w & 0x7f000000u) >> 1u);
  let v = vec4<f32>(unpack2x16float(lo), unpack2x16float(hi)) * 256.0;
  let bytes = (vec4<u32>(w) >> vec4<u32>(0u, 8u, 16u, 24u)) & vec4<u32>(0xffu);
  let nan = bitcast<vec4<f32>>(((bytes & vec4<u32>(0x80u)) << vec4<u32>(24u)) | vec4<u32>(0x7fc00000u));
  return select(v, nan, (bytes & vec4<u32>(0x7fu)) == vec4<u32>(0x7fu));
}
