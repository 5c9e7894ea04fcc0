// A fused reduction kernel: the program of one `fused_reduce` instruction (fuse-reduce: dq → softmax →
// q, layernorm, a reduction with its elementwise neighbours), one workgroup per row. The generated part
// (src/codegen/fused-source.ts, placed before this file) declares Params, the bindings, readers,
// `row_program(row, lane)` and `run_group(group, lane)` (one row, or the rows of one output word when a
// narrow value per row is the result): each reduction is a loop over the row's elements, recomputing the
// elementwise values it needs from the inputs, combined across the workgroup here; the values after
// the last reduction are written by the same kind of loop. Needs lib/fused-values.wgsl and
// lib/row-reduce.wgsl (row_base).

override WG: u32 = 64u;

var<workgroup> partial: array<f32, WG>;

// Reduction codes: 0 sum, 1 mean, 2 max, 3 min, 4 prod (src/codegen/fused-program.ts REDUCE_CODES).
// ±Inf are made from `op` at run time (a constant infinity does not compile).
fn reduce_init(op: u32) -> f32 {
  switch op {
    case 2u: { return bitcast<f32>(0xff800000u | (op & 0u)); }
    case 3u: { return bitcast<f32>(0x7f800000u | (op & 0u)); }
    case 4u: { return 1.0; }
    default: { return 0.0; }
  }
}

// max and min keep a NaN (tested on bits: a GPU compiler may turn the selects into NaN-dropping ones).
fn reduce_step(op: u32, acc: f32, v: f32) -> f32 {
  switch op {
    case 2u: {
      if (is_nan_f32(acc) || is_nan_f32(v)) { return select(v, acc, is_nan_f32(acc)); }
      return max(acc, v);
    }
    case 3u: {
      if (is_nan_f32(acc) || is_nan_f32(v)) { return select(v, acc, is_nan_f32(acc)); }
      return min(acc, v);
    }
    case 4u: { return acc * v; }
    default: { return acc + v; }
  }
}

fn reduce_finish(op: u32, v: f32, count: u32) -> f32 {
  if (op == 1u) {
    return v / f32(count);
  }
  return v;
}

// The reduction of every invocation's `v` (a tree in workgroup memory); every invocation gets it.
fn wg_reduce(op: u32, v: f32, lane: u32) -> f32 {
  partial[lane] = v;
  workgroupBarrier();
  for (var step = WG / 2u; step > 0u; step = step / 2u) {
    if (lane < step) {
      partial[lane] = reduce_step(op, partial[lane], partial[lane + step]);
    }
    workgroupBarrier();
  }
  let r = partial[0];
  workgroupBarrier();
  return r;
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) lane: u32, @builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  run_group(wid.x + wid.y * groups.x, lane);
}
