// The op of an elementwise kernel: the OP override, or params.op when OP is DYNAMIC (see
// lib/pointwise-io.wgsl). The codes are in lib/op-codes.wgsl.

override OP: u32 = 0xffffffffu;

fn op_code() -> u32 {
  return select(params.op, OP, OP != DYNAMIC);
}
