// The benchmark's baseline: the textbook shared-memory tiled matmul (16 × 16 tiles, one output per
// invocation), float32, row-major a [m, k] and b [k, n]. bench/gpu.ts compares the GEMM kernel with it
// on the same adapter; nothing else uses it.

struct Params {
  m: u32,
  n: u32,
  k: u32,
  _unused: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

const TILE: u32 = 16u;

var<workgroup> a_tile: array<f32, 256>;
var<workgroup> b_tile: array<f32, 256>;

@compute @workgroup_size(16, 16)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let row = wid.y * TILE + lid.y;
  let col = wid.x * TILE + lid.x;
  var acc = 0.0;
  for (var k0 = 0u; k0 < params.k; k0 += TILE) {
    let ka = k0 + lid.x;
    let kb = k0 + lid.y;
    a_tile[lid.y * TILE + lid.x] = select(0.0, a[row * params.k + ka], row < params.m && ka < params.k);
    b_tile[lid.y * TILE + lid.x] = select(0.0, b[kb * params.n + col], kb < params.k && col < params.n);
    workgroupBarrier();
    for (var kk = 0u; kk < TILE; kk++) {
      acc += a_tile[lid.y * TILE + kk] * b_tile[kk * TILE + lid.x];
    }
    workgroupBarrier();
  }
  if (row < params.m && col < params.n) {
    y[row * params.n + col] = acc;
  }
}
