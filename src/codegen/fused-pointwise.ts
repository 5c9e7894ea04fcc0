// A `pointwise` instruction (fuse-pointwise's scalar submodule) as one generated kernel: its steps read
// off the submodule (fused-program.ts), the kernel text from fused-source.ts. A single op keeps its own
// kernel (elementwise-*, convert, quantize, where: they also cover integer and 64-bit types); a
// submodule outside what fused values hold, or with more inputs than a kernel can bind, returns
// undefined and runs as separate launches.

import type { Instruction } from '../ir/instruction.js';
import { typeId } from '../ir/types.js';
import { submoduleParameters } from '../ref/interpret.js';
import { MAX_KERNEL_RANK, mergeDims, pad8 } from './dims.js';
import { Constants, stepOf, type FusedStep, type ValueRef } from './fused-program.js';
import { pointwiseSource, type PointwiseProgram } from './fused-source.js';
import { generatedSpec } from './generated-kernels.js';
import { ceilDiv, grid1d } from './grid.js';
import type { LoweringContext } from './lower-context.js';
import type { ValueView } from './launch.js';
import { elementBytes } from './type-classes.js';

/** Storage bindings a kernel may use (WebGPU's default maxStorageBuffersPerShaderStage): inputs + output. */
export const MAX_BINDINGS = 8;

/** The program of a pointwise submodule, or a reason it has none. */
export function pointwiseProgram(ins: Instruction): PointwiseProgram | string {
  const sub = ins.moduleInputs[0]!;
  const params = submoduleParameters(sub);
  const refs = new Map<Instruction, ValueRef>();
  params.forEach((p, k) => refs.set(p, { kind: 'input', index: k }));
  const constants = new Constants();
  const steps: FusedStep[] = [];
  const ref = (i: Instruction | undefined): ValueRef | undefined => (i === undefined ? constants.ref(0) : refs.get(i) ?? constants.of(i));
  let result: ValueRef | undefined;
  for (const i of sub) {
    if (i.isParam() || i.isLiteral()) continue;
    if (i.isReturn()) {
      if (i.inputs.length !== 1) return 'several outputs';
      result = refs.get(i.inputs[0]!);
      break;
    }
    const s = stepOf(i, ref);
    if (typeof s === 'string') return s;
    if (s.kind === 'reduce') return 'a reduction in a pointwise submodule';
    refs.set(i, { kind: 'step', index: steps.length });
    steps.push(s);
  }
  if (!result || result.kind !== 'step') return 'its result is not computed';
  return { inputs: ins.inputs.map((i) => i.shape.type), constants: constants.values, steps, result: result.index };
}

/** The chain as one generated kernel, why it cannot be one, or undefined for a single op (its own kernel). */
export function lowerFusedPointwise(ctx: LoweringContext, ins: Instruction, inputs: readonly ValueView[], target: ValueView | undefined): ValueView | string | undefined {
  const sub = ins.moduleInputs[0]!;
  const ops = sub.instructions().filter((i) => !i.op.def.builtin);
  if (ops.length <= 1) return undefined; // one op: its own kernel
  if (ins.shape.type === 'tuple_type') return 'several outputs';
  if (inputs.length + 1 > MAX_BINDINGS) return `${inputs.length} inputs, the kernel binds up to ${MAX_BINDINGS - 1}`;
  const program = pointwiseProgram(ins);
  if (typeof program === 'string') return program;
  const out = ins.shape;
  const lens = out.lens;
  const merged = mergeDims(lens, [out.strides, ...inputs.map((v) => v.shape.strides)]);
  if (merged.lens.length > MAX_KERNEL_RANK) return `${merged.lens.length} dimensions that do not merge, the kernel takes up to ${MAX_KERNEL_RANK}`;
  const inStrides = merged.strides.slice(1);
  const contiguous = merged.lens.length <= 1 && inStrides.every((s) => s.length === 0 || s[0] === 1);
  const gen = pointwiseSource(program);
  const spec = generatedSpec('fused-pointwise', gen);

  const fits = target && target.shape.type === out.type && target.shape.standard && target.shape.ndim === out.ndim && target.shape.lens.every((l, d) => l === lens[d]);
  const output = fits ? target! : ctx.newValue(out);
  const count = out.elements();
  const words = ceilDiv(count, 4 / elementBytes(out.type));
  const uniforms: Record<string, number | readonly number[]> = { count, rank: merged.lens.length, contiguous: contiguous ? 1 : 0, lens: pad8(merged.lens) };
  inputs.forEach((v, k) => {
    uniforms[`x${k}_offset`] = v.offset;
    uniforms[`x${k}_type`] = typeId(v.shape.type);
    uniforms[`x${k}_strides`] = pad8(inStrides[k] ?? []);
  });
  program.steps.forEach((s, k) => (uniforms[`s${k}`] = [s.code, typeId(s.type), s.saturate ? 1 : 0, 0]));
  program.constants.forEach((c, k) => (uniforms[`c${k}`] = c));
  ctx.launch(spec, {
    elements: count,
    constants: {},
    uniforms: uniforms as never,
    bindings: [...inputs.map((v) => v.buffer), output.buffer],
    workgroups: count === 0 ? [0, 1, 1] : grid1d(ceilDiv(words, 64), ctx.caps.maxComputeWorkgroupsPerDimension),
  });
  return output;
}
