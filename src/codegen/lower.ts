// Lowering: a Program's main module → buffers and kernel launches (LoweredProgram), in program order.
// A lowered program (the compile pipeline's last stage) holds parameters, literals, one scratch buffer
// (`webgpu::allocate_memory`) with `load` views of it, and `gpu::code_object` kernel instructions: each
// runs the computation in its submodule, writing into its output-buffer argument. An unlowered program
// (an earlier `--stage`) still runs, one buffer per value. Views launch nothing; every other op goes
// through the table below or, for fused ops, through lower-fused.ts. Ops without a kernel, and types
// WGSL cannot compute on, fail with UnsupportedOnWebGpuError naming the op, the type and the ONNX node.

import type { Instruction } from '../ir/instruction.js';
import type { Module } from '../ir/module.js';
import type { Program } from '../ir/program.js';
import type { Tensor } from '../ir/tensor.js';
import { typeSize } from '../ir/types.js';
import { CODE_OBJECT } from '../ops/kernel.js';
import { isOutputParameter } from '../ops/memory.js';
import { submoduleParameters } from '../ref/interpret.js';
import type { DeviceCapabilities } from './capabilities.js';
import { LoweringContext, VIEW_ALIGNMENT } from './lower-context.js';
import { lowerFused } from './lower-fused.js';
import { lowerGemm } from './lower-gemm.js';
import { copyInto, lowerConcat, lowerContiguous, lowerGather, lowerLayout, lowerReshape, lowerReverse, lowerSlice, lowerView } from './lower-layout.js';
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
  layout: lowerLayout,
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
  pointwise: lowerFused,
  fused_reduce: lowerFused,
  group: lowerFused,
};

/** The bytes of a tensor's storage, for upload (literals and parameters). */
export function storageBytes(data: ArrayBufferView): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** One buffer per literal value (a literal copied into several kernels' submodules is uploaded once). */
const literalBuffers = new WeakMap<LoweringContext, Map<Tensor, number>>();

/** The buffer view of a `@literal` (uploaded once per lowered program). */
export function literalView(ctx: LoweringContext, ins: Instruction): ValueView {
  const value = ins.literal!;
  if (elementBytes(value.type) === 0) throw unsupported(ins, `literal of ${value.type}`);
  return constantView(ctx, value);
}

/** A constant tensor as a literal buffer's view (each Tensor uploaded once per lowered program). */
export function constantView(ctx: LoweringContext, value: Tensor): ValueView {
  let known = literalBuffers.get(ctx);
  if (!known) literalBuffers.set(ctx, (known = new Map()));
  let buffer = known.get(value);
  if (buffer === undefined) {
    buffer = ctx.addBuffer(value.data.length * typeSize(value.type), 'literal', '@literal', { init: storageBytes(value.data) });
    known.set(value, buffer);
  }
  return { buffer, shape: value.shape, offset: value.offset };
}

/** One instruction that is not a parameter or literal, in any module. */
export function lowerInstruction(ctx: LoweringContext, ins: Instruction): ValueView {
  const lower = LOWERINGS[ins.op.name];
  if (!lower) throw unsupported(ins, `${ins.op.name} (no kernel for this op yet)`);
  return lower(ctx, ins);
}

/**
 * Lowers the instructions of `m` (a kernel's computation, a fused op's submodule) with its parameters
 * bound to `args` (x0, x1, … in order); the value it returns is computed into `target` where the
 * lowering can (otherwise the caller copies). Workspace temporaries are released after their last reader.
 */
export function lowerComputation(ctx: LoweringContext, m: Module, args: readonly ValueView[], target: ValueView | undefined): ValueView {
  const params = submoduleParameters(m);
  if (params.length !== args.length) throw new Error(`webgpu lowering: module ${m.name} has ${params.length} parameters, got ${args.length} arguments`);
  params.forEach((p, k) => ctx.values.set(p, args[k]!));
  const result = m.outputInstructions()[0];
  if (!result) throw new Error(`webgpu lowering: module ${m.name} returns nothing`);
  const index = m.indexMap();
  const lastReader = new Map<Instruction, number>();
  for (const ins of m) for (const i of ins.inputs) lastReader.set(i, Math.max(lastReader.get(i) ?? -1, index.get(ins)!));
  const readers = new Map<number, number>(); // buffer → values still to be read that live in it
  const outer = ctx.current;
  for (const ins of m) {
    if (ins.isReturn()) break;
    if (ins.isParam()) continue;
    ctx.current = ins;
    let value: ValueView;
    if (ins.isLiteral()) {
      value = literalView(ctx, ins);
    } else {
      if (ins === result) ctx.setTarget(target);
      value = lowerInstruction(ctx, ins);
      ctx.setTarget(undefined);
    }
    ctx.values.set(ins, value);
    // The value is read later (the result: by the caller), so its buffer stays.
    readers.set(value.buffer, (readers.get(value.buffer) ?? 0) + 1);
    const k = index.get(ins)!;
    for (const input of new Set(ins.inputs)) {
      if (lastReader.get(input) !== k || input.isParam()) continue;
      const b = ctx.valueOf(input).buffer;
      const left = (readers.get(b) ?? 1) - 1;
      readers.set(b, left);
      if (left === 0) ctx.release(b);
    }
  }
  ctx.current = outer;
  return ctx.valueOf(result);
}

const sameView = (a: ValueView, b: ValueView) => a.buffer === b.buffer && a.offset === b.offset && a.shape.equals(b.shape);

/**
 * A kernel: `computation` (a `gpu::code_object`'s submodule) lowered with its parameters bound to
 * `args`, writing its result into `out`. Returns the bytes of workspace its temporaries needed.
 */
export function lowerKernelInto(ctx: LoweringContext, computation: Module, args: readonly ValueView[], out: ValueView, at: Instruction | undefined): number {
  // The output buffer is standard, or dense in the memory order of a `layout` the computation ends with.
  const laidOut: ValueView = { ...out, shape: out.shape.standard || out.shape.packed() ? out.shape : out.shape.asStandard() };
  ctx.beginKernel();
  try {
    const result = lowerComputation(ctx, computation, args, laidOut);
    ctx.current = at;
    if (!sameView(result, laidOut)) copyInto(ctx, at ?? computation.outputInstructions()[0]!, result, laidOut);
    return ctx.kernelWorkspace;
  } finally {
    ctx.endKernel();
  }
}

/** A `gpu::code_object`: its submodule lowered into its output buffer (the last argument). */
function lowerKernel(ctx: LoweringContext, ins: Instruction): ValueView {
  const out = ctx.valueOf(ins.inputs[ins.inputs.length - 1]!);
  const args = ins.inputs.slice(0, -1).map((i) => ctx.valueOf(i));
  lowerKernelInto(ctx, ins.moduleInputs[0]!, args, out, ins);
  return { ...out, shape: ins.shape };
}

/** Instructions only main holds: the scratch buffer, its views, kernels. */
function lowerMain(ctx: LoweringContext, ins: Instruction): ValueView {
  switch (ins.op.name) {
    case 'webgpu::allocate_memory':
      return { buffer: ctx.addBuffer(ins.shape.bytes(), 'scratch', `scratch (${ins.op.str('id')})`), shape: ins.shape, offset: 0 };
    case 'allocate':
      return ctx.newLaidOut(ins.shape.packed() ? ins.shape : ins.shape.asStandard());
    case 'load': {
      const parent = ctx.valueOf(ins.inputs[0]!);
      const offset = ins.op.int('offset') + parent.offset * typeSize(parent.shape.type);
      if (offset % VIEW_ALIGNMENT !== 0) throw unsupported(ins, `a scratch offset of ${offset} bytes (memory planned for an alignment below ${VIEW_ALIGNMENT})`);
      const view = ctx.addView(parent.buffer, offset, ins.shape.bytes(), `${ins.op} ${ins.shape}`);
      return { buffer: view, shape: ins.shape, offset: 0 };
    }
    case CODE_OBJECT:
      return lowerKernel(ctx, ins);
    default:
      return lowerInstruction(ctx, ins);
  }
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
    if (ins.isParam()) {
      const name = ins.paramName();
      if (elementBytes(ins.shape.type) === 0) throw unsupported(ins, `parameter of ${ins.shape.type}`);
      if (!ins.shape.standard) throw unsupported(ins, `parameter '${name}' with non-standard strides ${ins.shape}`);
      const output = isOutputParameter(name);
      const buffer = ctx.addBuffer(ins.shape.bytes(), output ? 'output' : 'param', `@param:${name}`, output ? {} : { param: name });
      if (!output) params.push({ name, buffer, shape: ins.shape });
      ctx.values.set(ins, { buffer, shape: ins.shape, offset: 0 });
      continue;
    }
    const first = ctx.launches.length;
    ctx.values.set(ins, ins.isLiteral() ? literalView(ctx, ins) : lowerMain(ctx, ins));
    // Every launch made for this instruction is its (perf attributes their GPU time to it).
    for (let k = first; k < ctx.launches.length; k++) ctx.launches[k] = { ...ctx.launches[k]!, instruction: ins };
  }
  ctx.current = undefined;
  ctx.finishWorkspace();
  return { buffers: ctx.buffers, launches: ctx.launches, params, outputs, fallbacks: ctx.fallbacks };
}
