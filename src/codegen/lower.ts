// Lowering: a compiled Program's main module → buffers and kernel launches (LoweredProgram), one
// launch (or a few) per instruction, in program order. Parameters and literals get buffers; views
// launch nothing; every other op goes through the table below. Ops without a kernel, and types WGSL
// cannot compute on, fail with UnsupportedOnWebGpuError naming the op, the type and the ONNX node.

import type { Instruction } from '../ir/instruction.js';
import type { Program } from '../ir/program.js';
import { typeSize } from '../ir/types.js';
import type { DeviceCapabilities } from './capabilities.js';
import { LoweringContext } from './lower-context.js';
import { lowerGemm } from './lower-gemm.js';
import { lowerConcat, lowerContiguous, lowerGather, lowerReshape, lowerReverse, lowerSlice, lowerView } from './lower-layout.js';
import { lowerConvert, lowerDequantizeLinear, lowerElementwise, lowerQuantizeLinear, lowerWhere } from './lower-pointwise.js';
import { lowerReduce, lowerSoftmax } from './lower-reduce.js';
import type { LoweredProgram, ValueView } from './launch.js';
import { POINTWISE_OPS } from './pointwise-ops.js';
import { elementBytes } from './type-classes.js';
import { unsupported } from './unsupported.js';

type Lowering = (ctx: LoweringContext, ins: Instruction) => ValueView;

const LOWERINGS: Readonly<Record<string, Lowering>> = {
  ...Object.fromEntries(Object.keys(POINTWISE_OPS).map((name) => [name, lowerElementwise])),
  where: lowerWhere,
  convert: lowerConvert,
  quantizelinear: lowerQuantizeLinear,
  dequantizelinear: lowerDequantizeLinear,
  identity: lowerView,
  transpose: lowerView,
  multibroadcast: lowerView,
  broadcast: lowerView,
  step: lowerView,
  squeeze: lowerView,
  unsqueeze: lowerView,
  slice: lowerSlice,
  reshape: lowerReshape,
  contiguous: lowerContiguous,
  reverse: lowerReverse,
  concat: lowerConcat,
  gather: lowerGather,
  dot: lowerGemm,
  quant_dot: lowerGemm,
  reduce_sum: lowerReduce,
  reduce_mean: lowerReduce,
  reduce_max: lowerReduce,
  reduce_min: lowerReduce,
  reduce_prod: lowerReduce,
  softmax: lowerSoftmax,
  logsoftmax: lowerSoftmax,
};

/** The bytes of a tensor's storage, for upload (literals and parameters). */
export function storageBytes(data: ArrayBufferView): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

export function lowerProgram(program: Program, caps: DeviceCapabilities): LoweredProgram {
  const ctx = new LoweringContext(caps);
  const params: { name: string; buffer: number; shape: Instruction['shape'] }[] = [];
  let outputs: ValueView[] = [];
  for (const ins of program.mainModule()) {
    ctx.current = ins;
    if (ins.isReturn()) {
      outputs = ins.inputs.map((i) => ctx.valueOf(i));
      break;
    }
    if (ins.moduleInputs.length > 0) throw unsupported(ins, `${ins.op.name} (an op with submodules)`);
    if (ins.isParam()) {
      if (elementBytes(ins.shape.type) === 0) throw unsupported(ins, `parameter of ${ins.shape.type}`);
      if (!ins.shape.standard) throw unsupported(ins, `parameter '${ins.paramName()}' with non-standard strides ${ins.shape}`);
      const buffer = ctx.addBuffer(ins.shape.bytes(), 'param', `@param:${ins.paramName()}`, { param: ins.paramName() });
      params.push({ name: ins.paramName(), buffer, shape: ins.shape });
      ctx.values.set(ins, { buffer, shape: ins.shape, offset: 0 });
      continue;
    }
    if (ins.isLiteral()) {
      const value = ins.literal!;
      if (elementBytes(value.type) === 0) throw unsupported(ins, `literal of ${value.type}`);
      const init = storageBytes(value.data);
      const buffer = ctx.addBuffer(value.data.length * typeSize(value.type), 'literal', '@literal', { init });
      ctx.values.set(ins, { buffer, shape: value.shape, offset: value.offset });
      continue;
    }
    const lower = LOWERINGS[ins.op.name];
    if (!lower) throw unsupported(ins, `${ins.op.name} (no kernel for this op yet)`);
    ctx.values.set(ins, lower(ctx, ins));
  }
  ctx.current = undefined;
  return { buffers: ctx.buffers, launches: ctx.launches, params, outputs };
}
