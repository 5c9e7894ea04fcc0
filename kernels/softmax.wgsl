// softmax / logsoftmax (LOG) along one axis in float32: a row per kept position, LANES invocations per
// row; max, then Σ e^(x − max), then the outputs, each combined by a tree in workgroup memory. A row
// of −Inf gives NaN, as the formula does. Writes float32 words; the lowering adds a convert when the
// output type is narrower.

struct Params {
  rows: u32,
  length: u32,
  kept_rank: u32,
  _unused0: u32,
  offset: i32,
  axis_stride: i32,
  out_axis_stride: i32,
  _unused1: u32,
  kept_lens: array<vec4<u32>, 2>,
  kept_strides: array<vec4<i32>, 2>,
  out_kept_strides: array<vec4<i32>, 2>,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> y: array<u32>;

override X_TYPE: u32;
override LOG: u32 = 0u;
override WG: u32 = 64u;
override LANES: u32 = 64u;

var<workgroup> partial: array<f32, WG>;

fn load(i: i32) -> f32 {
  let bytes = type_bytes(X_TYPE);
  let u = u32(i);
  return f32_of(X_TYPE, extract_bits(x[word_of(u, bytes)], u, bytes));
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let row = (wid.x + wid.y * groups.x) * (WG / LANES) + lid / LANES;
  let lane = lid % LANES;
  let first = lid - lane;
  let in_range = row < params.rows;
  var base = 0;
  var out_base = 0;
  var m = 0.0;
  if (in_range) {
    base = params.offset + row_base(row, params.kept_rank, params.kept_lens, params.kept_strides);
    out_base = row_base(row, params.kept_rank, params.kept_lens, params.out_kept_strides);
    m = load(base);
    for (var j = lane; j < params.length; j += LANES) {
      m = max(m, load(base + i32(j) * params.axis_stride));
    }
  }
  partial[lid] = m;
  workgroupBarrier();
  for (var step = LANES / 2u; step > 0u; step = step / 2u) {
    if (lane < step) {
      partial[lid] = max(partial[lid], partial[lid + step]);
    }
    workgroupBarrier();
  }
  m = partial[first];
  workgroupBarrier();
  var sum = 0.0;
  if (in_range) {
    for (var j = lane; j < params.length; j += LANES) {
      sum += exp(load(base + i32(j) * params.axis_stride) - m);
    }
  }
  partial[lid] = sum;
  workgroupBarrier();
  for (var step = LANES / 2u; step > 0u; step = step / 2u) {
    if (lane < step) {
      partial[lid] = partial[lid] + partial[lid + step];
    }
    workgroupBarrier();
  }
  sum = partial[first];
  if (!in_range) {
    return;
  }
  let log_sum = log(sum);
  for (var j = lane; j < params.length; j += LANES) {
    let shifted = load(base + i32(j) * params.axis_stride) - m;
    var r: f32;
    if (LOG != 0u) {
      r = shifted - log_sum;
    } else {
      r = exp(shifted) / sum;
    }
    y[u32(out_base + i32(j) * params.out_axis_stride)] = bitcast<u32>(r);
  }
}
