// Lowering of the reductions (reduce_sum/mean/max/min/prod over any axes, keep-dims) and of softmax /
// logsoftmax to kernels that give each output row LANES invocations. Both write 32-bit work values
// (float32, or int32 / uint32 for integer reductions); a narrower output type gets a convert.

import type { Instruction } from '../ir/instruction.js';
import { integerRange, typeId, type ElementType } from '../ir/types.js';
import { normalizeAxis } from '../ops/common.js';
import { MAX_KERNEL_RANK, mergeDims, pad8, standardStrides } from './dims.js';
import { ceilDiv, grid1d } from './grid.js';
import { KERNELS } from './kernel-catalog.js';
import type { LoweringContext } from './lower-context.js';
import type { ValueView } from './launch.js';
import { computeDomain, workType } from './type-classes.js';
import { unsupported } from './unsupported.js';

const REDUCE_OPS = { reduce_sum: 0, reduce_mean: 1, reduce_max: 2, reduce_min: 3, reduce_prod: 4 } as const;

/** Invocations per row: enough to share a long row, few for short ones. */
function lanesFor(count: number): number {
  if (count >= 64) return 64;
  if (count >= 16) return 16;
  if (count >= 4) return 4;
  return 1;
}

const F32_BITS = new Float32Array(1);
const F32_WORD = new Uint32Array(F32_BITS.buffer);

function f32Bits(x: number): number {
  F32_BITS[0] = x;
  return F32_WORD[0]!;
}

/** The reduction's identity as a 32-bit work value (bits): −Inf / the type's lowest for max, … */
function identityBits(op: keyof typeof REDUCE_OPS, t: ElementType, domain: 'f32' | 'i32' | 'u32'): number {
  switch (op) {
    case 'reduce_sum':
    case 'reduce_mean':
      return 0;
    case 'reduce_prod':
      return domain === 'f32' ? f32Bits(1) : 1;
    case 'reduce_max':
      return domain === 'f32' ? f32Bits(-Infinity) : integerRange(t)[0] >>> 0;
    case 'reduce_min':
      return domain === 'f32' ? f32Bits(Infinity) : integerRange(t)[1] >>> 0;
    default:
      return op satisfies never;
  }
}

export function lowerReduce(ctx: LoweringContext, ins: Instruction): ValueView {
  const name = ins.op.name as keyof typeof REDUCE_OPS;
  const x = ctx.valueOf(ins.inputs[0]!);
  const t = x.shape.type;
  const domain = computeDomain(t);
  if (domain === 'wide' || domain === 'none') throw unsupported(ins, `${name} with ${t}`);
  const lens = x.shape.lens;
  const axes = new Set(ins.op.ints('axes').map((a) => normalizeAxis(a, lens.length)));
  const keptDims = lens.map((_, d) => d).filter((d) => !axes.has(d));
  const reducedDims = [...axes].sort((p, q) => p - q);
  const kept = mergeDims(keptDims.map((d) => lens[d]!), [keptDims.map((d) => x.shape.strides[d]!)]);
  const reduced = mergeDims(reducedDims.map((d) => lens[d]!), [reducedDims.map((d) => x.shape.strides[d]!)]);
  if (kept.lens.length > MAX_KERNEL_RANK || reduced.lens.length > MAX_KERNEL_RANK) throw unsupported(ins, `${name} over more than 8 non-mergeable dimensions`);
  const outputs = ins.shape.elements();
  const count = reducedDims.reduce((acc, d) => acc * lens[d]!, 1);
  const work = workType(ins.shape.type);
  const direct = work === ins.shape.type;
  const result = ctx.newValue(ins.shape.withType(work));
  const lanes = lanesFor(count);
  ctx.launch(KERNELS.reduce, {
    elements: outputs * count,
    slots: { domain },
    constants: { WG: 64, LANES: lanes },
    uniforms: {
      outputs,
      count,
      kept_rank: kept.lens.length,
      reduced_rank: reduced.lens.length,
      offset: x.offset,
      init_bits: identityBits(name, t, domain),
      op: REDUCE_OPS[name],
      x_type: typeId(t),
      kept_lens: pad8(kept.lens),
      kept_strides: pad8(kept.strides[0]!),
      reduced_lens: pad8(reduced.lens),
      reduced_strides: pad8(reduced.strides[0]!),
    },
    bindings: [x.buffer, result.buffer],
    workgroups: outputs === 0 ? [0, 1, 1] : grid1d(ceilDiv(outputs, 64 / lanes), ctx.caps.maxComputeWorkgroupsPerDimension),
  });
  return direct ? result : ctx.convertInto(result, ins.shape.type);
}

export function lowerSoftmax(ctx: LoweringContext, ins: Instruction): ValueView {
  const x = ctx.valueOf(ins.inputs[0]!);
  const t = x.shape.type;
  if (computeDomain(t) !== 'f32') throw unsupported(ins, `${ins.op.name} with ${t}`);
  const lens = x.shape.lens;
  const axis = normalizeAxis(ins.op.int('axis'), lens.length);
  const outStrides = standardStrides(lens);
  const keptDims = lens.map((_, d) => d).filter((d) => d !== axis);
  const kept = mergeDims(keptDims.map((d) => lens[d]!), [keptDims.map((d) => x.shape.strides[d]!), keptDims.map((d) => outStrides[d]!)]);
  if (kept.lens.length > MAX_KERNEL_RANK) throw unsupported(ins, `${ins.op.name} over more than 8 non-mergeable dimensions`);
  const length = lens[axis]!;
  const rows = length === 0 ? 0 : ins.shape.elements() / length;
  const direct = ins.shape.type === 'float_type';
  const result = ctx.newValue(ins.shape.withType('float_type'));
  const lanes = lanesFor(length);
  ctx.launch(KERNELS.softmax, {
    constants: { X_TYPE: typeId(t), LOG: ins.op.name === 'logsoftmax' ? 1 : 0, WG: 64, LANES: lanes },
    uniforms: {
      rows,
      length,
      kept_rank: kept.lens.length,
      offset: x.offset,
      axis_stride: x.shape.strides[axis]!,
      out_axis_stride: outStrides[axis]!,
      kept_lens: pad8(kept.lens),
      kept_strides: pad8(kept.strides[0]!),
      out_kept_strides: pad8(kept.strides[1]!),
    },
    bindings: [x.buffer, result.buffer],
    workgroups: rows === 0 ? [0, 1, 1] : grid1d(ceilDiv(rows, 64 / lanes), ctx.caps.maxComputeWorkgroupsPerDimension),
  });
  return direct ? result : ctx.convertInto(result, ins.shape.type);
}
