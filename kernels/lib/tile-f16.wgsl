// Workgroup tiles of half (needs shader-f16; the kernel source gets `enable f16;`): for operands that
// are half already, so storing them as f16 loses nothing and halves workgroup memory traffic.

alias Tile = vec4<f16>;

fn to_tile(v: vec4<f32>) -> Tile {
  return vec4<f16>(v);
}

fn from_tile(t: Tile) -> vec4<f32> {
  return vec4<f32>(t);
}
