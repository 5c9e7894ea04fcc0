// Workgroup tiles of float32 (the portable choice). See lib/tile-f16.wgsl.

alias Tile = vec4<f32>;

fn to_tile(v: vec4<f32>) -> Tile {
  return v;
}

fn from_tile(t: Tile) -> vec4<f32> {
  return t;
}
