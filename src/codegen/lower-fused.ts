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
  switch (ins.op.name) {
    case 'pointwise': {
      const kernel = lowerFusedPointwise(ctx, ins, inputs, target);
      if (kernel !== undefined && typeof kernel !== 'string') return kernel;
      if (kernel !== undefined) ctx.fallback(`not one pointwise kernel: ${kernel}`);
      return lowerComputation(ctx, expandPointwise(ins), inputs, target);
    }
    case 'fused_reduce': {
      const kernel = lowerFusedReduce(ctx, ins, inputs, target);
      if (typeof kernel !== 'string') return kernel;
      ctx.fallback(`not one reduction kernel: ${kernel}`);
      return lowerComputation(ctx, sub, inputs, target);
    }
    case 'group': {
      const tag = ins.op.str('tag');
      if (tag === 'attention') {
        const kernel = lowerAttentionGroup(ctx, ins, inputs, target);
        if (typeof kernel !== 'string') return kernel;
        ctx.fallback(`not the fused attention kernel: ${kernel}`);
        return lowerComputation(ctx, sub, inputs, target);
      }
      if (tag !== 'gemm') return lowerComputation(ctx, sub, inputs, target);
      const gemm = lowerGemmGroup(ctx, ins, inputs, target);
      if (typeof gemm !== 'string') return gemm;
      ctx.fallback(`not one GEMM kernel: ${gemm}`);
      return lowerComputation(ctx, sub, inputs, target);
    }
    default:
      throw unsupported(ins, `${ins.op.name} (no kernel for this op yet)`);
  }
}
