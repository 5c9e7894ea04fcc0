// Lowering of the pointwise ops (src/ops/pointwise.ts and src/ops/quant.ts) to the elementwise,
// where, convert, quantize-linear and dequantize-linear kernels. Inputs are read through their views,
// so the multibroadcast the importer puts before a binary op costs nothing.

import type { Instruction } from '../ir/instruction.js';
import { KERNELS } from './kernel-catalog.js';
import type { LoweringContext } from './lower-context.js';
import type { ValueView } from './launch.js';
import { FLOAT_ONLY_OPS, INTEGER_ONLY_OPS, POINTWISE_OPS, WIDE_CONVERT_OP, WIDE_OPS, isPointwiseOp } from './pointwise-ops.js';
import { computeDomain, elementBytes } from './type-classes.js';
import { unsupported } from './unsupported.js';


export function lowerElementwise(ctx: LoweringContext, ins: Instruction): ValueView {
  const name = ins.op.name;
  if (!isPointwiseOp(name)) throw new Error(`${name} is not an elementwise op`);
  // The domain is the inputs' type (comparisons output bool, so not the output's); `where` is elsewhere.
  const inType = ins.inputs[0]!.shape.type;
  const domain = computeDomain(inType);
  const inputs = ins.inputs.map((i) => ctx.valueOf(i));
  const output = ctx.newValue(ins.shape);
  const codes = { op: POINTWISE_OPS[name] };
  switch (domain) {
    case 'f32':
      if (INTEGER_ONLY_OPS.has(name)) throw unsupported(ins, `${name} with ${inType}`);
      ctx.pointwise(KERNELS.elementwiseFloat, {}, codes, { inputs, output });
      return output;
    case 'i32':
    case 'u32':
      if (FLOAT_ONLY_OPS.has(name)) throw unsupported(ins, `${name} with ${inType}`);
      ctx.pointwise(KERNELS.elementwiseInt, { domain }, codes, { inputs, output });
      return output;
    case 'wide':
      // int64 / uint64 are emulated on word pairs for the ops that need no division; double is not.
      if (inType === 'double_type' || !WIDE_OPS.has(name)) throw unsupported(ins, `${name} with ${inType}`);
      ctx.pointwise(KERNELS.elementwiseWide, {}, codes, { inputs, output });
      return output;
    case 'none':
      throw unsupported(ins, `${name} with ${inType}`);
    default:
      return domain satisfies never;
  }
}

export function lowerWhere(ctx: LoweringContext, ins: Instruction): ValueView {
  const t = ins.shape.type;
  if (elementBytes(t) === 0) throw unsupported(ins, `where with ${t}`);
  const output = ctx.newValue(ins.shape);
  const inputs = ins.inputs.map((i) => ctx.valueOf(i));
  ctx.pointwise(KERNELS.where, {}, {}, { inputs, output });
  return output;
}

export function lowerConvert(ctx: LoweringContext, ins: Instruction): ValueView {
  const from = ins.inputs[0]!.shape.type;
  const to = ins.shape.type;
  for (const t of [from, to]) {
    const d = computeDomain(t);
    if (d === 'none' || t === 'double_type') throw unsupported(ins, `convert with ${t}`);
  }
  const output = ctx.newValue(ins.shape);
  if (computeDomain(from) === 'wide' || computeDomain(to) === 'wide') {
    ctx.pointwise(KERNELS.elementwiseWide, {}, { op: WIDE_CONVERT_OP }, { inputs: [ctx.valueOf(ins.inputs[0]!)], output });
    return output;
  }
  ctx.pointwise(KERNELS.convert, {}, { saturate: ins.op.bool('saturate') }, { inputs: [ctx.valueOf(ins.inputs[0]!)], output });
  return output;
}

/** Scale and zero-point inputs, which the importer has broadcast to the input's lens. */
function quantOperands(ctx: LoweringContext, ins: Instruction): { inputs: ValueView[]; hasZeroPoint: boolean } {
  const inputs = ins.inputs.map((i) => ctx.valueOf(i));
  return { inputs, hasZeroPoint: ins.inputs.length > 2 };
}

export function lowerQuantizeLinear(ctx: LoweringContext, ins: Instruction): ValueView {
  for (const t of [ins.shape.type, ...ins.inputs.map((i) => i.shape.type)]) {
    const d = computeDomain(t);
    if (d === 'wide' || d === 'none') throw unsupported(ins, `quantizelinear with ${t}`);
  }
  const { inputs, hasZeroPoint } = quantOperands(ctx, ins);
  const output = ctx.newValue(ins.shape);
  ctx.pointwise(KERNELS.quantizeLinear, {}, { hasZeroPoint, saturate: ins.op.bool('saturate') }, { inputs, output });
  return output;
}

export function lowerDequantizeLinear(ctx: LoweringContext, ins: Instruction): ValueView {
  for (const t of [ins.shape.type, ...ins.inputs.map((i) => i.shape.type)]) {
    const d = computeDomain(t);
    if (d === 'wide' || d === 'none') throw unsupported(ins, `dequantizelinear with ${t}`);
  }
  const { inputs, hasZeroPoint } = quantOperands(ctx, ins);
  const output = ctx.newValue(ins.shape);
  ctx.pointwise(KERNELS.dequantizeLinear, {}, { hasZeroPoint }, { inputs, output });
  return output;
}
