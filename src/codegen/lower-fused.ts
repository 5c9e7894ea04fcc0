// Lowering of the fused ops (src/ops/fused.ts): `pointwise`, `fused_reduce` and `group`. Each first
// tries its one-launch kernel (a generated fused-pointwise or fused-reduce kernel, the GEMM with its
// prologue and epilogue, the fused attention kernel); when the fused computation is
// outside what that kernel does, its submodule's ops run as separate launches over workspace
// temporaries (`lowerComputation`), so every fused program still runs, only less fused; the lowering
// records each such fallback with its reason (`perf` lists them, and `run` prints them).

import type { Instruction } from '../ir/instruction.js';
import { Module } from '../ir/module.js';
import { makeOp } from '../ir/op.js';
import { submoduleParameters } from '../ref/interpret.js';
import { lowerFusedPointwise } from './fused-pointwise.js';
import { lowerFusedReduce } from './fused-reduce.js';
import type { LoweringContext } from './lower-context.js';
import { lowerAttentionGroup } from './lower-attention.js';
import { lowerGemmGroup } from './lower-gemm-group.js';
import type { ValueView } from './launch.js';
import { lowerComputation } from './lower.js';
import { unsupported } from './unsupported.js';

/**
 * The scalar submodule of a `pointwise` instruction written on whole tensors: parameters take the
 * inputs' shapes and each scalar literal is broadcast to the output's lens, so the per-op lowerings
 * (and their kernels) run it unchanged.
 */
export function expandPointwise(ins: Instruction): Module {
  const sub = ins.moduleInputs[0]!;
  if (ins.shape.type === 'tuple_type') throw unsupported(ins, 'pointwise with several outputs');
  const lens = ins.shape.lens;
  const m = new Module(`${sub.name}(expanded)`);
  const mapped = new Map<Instruction, Instruction>();
  submoduleParameters(sub).forEach((p, k) => mapped.set(p, m.addParameter(p.paramName(), ins.inputs[k]!.shape)));
  for (const i of sub) {
    if (i.isParam()) continue;
    if (i.isLiteral()) {
      const lit = m.addLiteral(i.literal!);
      mapped.set(i, m.addInstruction(makeOp('multibroadcast', { out_lens: lens }), [lit]));
      continue;
    }
    const args = i.inputs.map((x) => mapped.get(x)!);
    if (i.isReturn()) {
      m.addReturn(args);
      break;
    }
    const copy = m.addInstruction(i.op, args, i.moduleInputs);
    m.copyProvenance(i, copy);
    mapped.set(i, copy);
  }
  return m;
}

export function lowerFused(ctx: LoweringContext, ins: Instruction): ValueView {
  const target = ctx.takeTarget();
  const inputs = ins.inputs.map((i) => ctx.valueOf(i));
  const sub = ins.moduleInputs[0];
  if (!sub) throw unsupported(ins, `${ins.op.name} without a submodule`);
  /** The one-launch kernel, or (with the reason recorded, where there is one) the ops one by one. */
  const kernelOr = (kernel: ValueView | string | undefined, what: string, ops: () => Module = () => sub): ValueView => {
    if (kernel !== undefined && typeof kernel !== 'string') return kernel;
    if (kernel !== undefined) ctx.fallback(`${what}: ${kernel}`);
    return lowerComputation(ctx, ops(), inputs, target);
  };
  switch (ins.op.name) {
    case 'pointwise':
      // undefined: a single op, its own kernel (not a fallback).
      return kernelOr(lowerFusedPointwise(ctx, ins, inputs, target), 'not one pointwise kernel', () => expandPointwise(ins));
    case 'fused_reduce':
      return kernelOr(lowerFusedReduce(ctx, ins, inputs, target), 'not one reduction kernel');
    case 'group': {
      const tag = ins.op.str('tag');
      if (tag === 'attention') return kernelOr(lowerAttentionGroup(ctx, ins, inputs, target), 'not the fused attention kernel');
      if (tag === 'gemm') return kernelOr(lowerGemmGroup(ctx, ins, inputs, target), 'not one GEMM kernel');
      return lowerComputation(ctx, sub, inputs, target);
    }
    default:
      throw unsupported(ins, `${ins.op.name} (no kernel for this op yet)`);
  }
}
