// reduce_sum / mean / max / min / prod over any set of axes (keep-dims), in the working domain
// `Work` (float32, i32 or u32): a row per output element, LANES invocations per row, a tree in
// workgroup memory. The result is written as a 32-bit Work value per element; the lowering adds a
// convert when the output type is narrower. The identity (−Inf for max, …) comes as init_bits.

struct Params {
  outputs: u32,
  count: u32,
  kept_rank: u32,
  reduced_rank: u32,
  offset: i32,
  init_bits: u32,
  // Reduction and input type codes when OP / X_TYPE are DYNAMIC (see lib/pointwise-io.wgsl).
  op: u32,
  x_type: u32,
  kept_lens: array<vec4<u32>, 2>,
  kept_strides: array<vec4<i32>, 2>,
  reduced_lens: array<vec4<u32>, 2>,
  reduced_strides: array<vec4<i32>, 2>,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> y: array<u32>;

const REDUCE_SUM: u32 = 0u;
const REDUCE_MEAN: u32 = 1u;
const REDUCE_MAX: u32 = 2u;
const REDUCE_MIN: u32 = 3u;
const REDUCE_PROD: u32 = 4u;

const DYNAMIC: u32 = 0xffffffffu;

override OP: u32 = 0xffffffffu;
override X_TYPE: u32 = 0xffffffffu;
override WG: u32 = 64u;
override LANES: u32 = 64u;

var<workgroup> partial: array<Work, WG>;

fn op_code() -> u32 {
  return select(params.op, OP, OP != DYNAMIC);
}

fn x_type() -> u32 {
  return select(params.x_type, X_TYPE, X_TYPE != DYNAMIC);
}

fn combine(acc: Work, v: Work) -> Work {
  switch op_code() {
    case REDUCE_MAX: { return max(acc, v); }
    case REDUCE_MIN: { return min(acc, v); }
    case REDUCE_PROD: { return acc * v; }
    default: { return acc + v; }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let row = (wid.x + wid.y * groups.x) * (WG / LANES) + lid / LANES;
  let lane = lid % LANES;
  let bytes = type_bytes(x_type());
  var acc = work_from_bits(params.init_bits);
  if (row < params.outputs) {
    let base = params.offset + row_base(row, params.kept_rank, params.kept_lens, params.kept_strides);
    for (var j = lane; j < params.count; j += LANES) {
      let i = u32(base + row_base(j, params.reduced_rank, params.reduced_lens, params.reduced_strides));
      acc = combine(acc, load_work(x_type(), extract_bits(x[word_of(i, bytes)], i, bytes)));
    }
  }
  partial[lid] = acc;
  workgroupBarrier();
  for (var step = LANES / 2u; step > 0u; step = step / 2u) {
    if (lane < step) {
      partial[lid] = combine(partial[lid], partial[lid + step]);
    }
    workgroupBarrier();
  }
  if (lane == 0u && row < params.outputs) {
    var r = partial[lid];
    if (op_code() == REDUCE_MEAN) {
      r = r / Work(params.count);
    }
    y[row] = work_to_bits(r);
  }
}
