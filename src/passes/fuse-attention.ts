// fuse-attention: each attention region find-attention marked becomes one `group[tag=attention]`
// instruction over its own submodule (MIGraphX fuse_attention + fuse_mlir; migraphx.md §5.4–5.5), so it
// lowers to one kernel that never writes the S×S scores.
//   dot(q, kᵀ) → [scale, mask] → softmax → dot(·, v) → q(·)   ->   group[tag=attention](q, kᵀ, v, mask), [attn0]
// Constants the region reads (scale, causal mask) move inside; masks computed from inputs become group
// inputs; a chain of single-user elementwise consumers of the result (a convert, the quantizelinear that
// feeds the next quant_dot) is absorbed as an epilogue. Scores or probabilities that are also graph
// outputs (ONNX Attention's qk_matmul_output, a model's output_attentions) are computed a second time
// by ordinary kernels, so the block still fuses. A region is left unfused, with a diagnostic, when its
// dots are quantized (quant_dot: the keep strategy, as MIGraphX before #4900) or when another op reads
// one of its intermediates. Runs after rewrite-reduce, before fuse-reduce.

import type { PassContext, Pass } from './pass.js';
import type { Instruction } from '../ir/instruction.js';
import type { Module } from '../ir/module.js';
import { makeOp } from '../ir/op.js';
import type { Program } from '../ir/program.js';
import { sameNumbers } from '../ir/shape.js';
import { outline, readsBackIntoRegion } from '../fusion/outline.js';
import { dependsOnlyOnLiterals } from '../match/matcher.js';

/** The regions of `m` by id, members in module order. */
export function attentionRegions(m: Module): Map<number, Instruction[]> {
  const regions = new Map<number, Instruction[]>();
  for (const ins of m) {
    const a = ins.meta.attention;
    if (!a) continue;
    regions.set(a.region, [...(regions.get(a.region) ?? []), ins]);
  }
  return regions;
}

const nodesOf = (members: readonly Instruction[]) => [...new Set(members.map((i) => i.origin?.node).filter((n): n is string => !!n))];

/**
 * Copies `leak` and the region instructions it depends on to the end of the module (before @return),
 * without attention marks, and returns the copy: the value a graph output reads instead of the region's.
 */
function recomputeOutside(m: Module, members: ReadonlySet<Instruction>, leak: Instruction): Instruction {
  const needed = new Set<Instruction>();
  const visit = (i: Instruction) => {
    if (!members.has(i) || needed.has(i)) return;
    needed.add(i);
    i.inputs.forEach(visit);
  };
  visit(leak);
  const index = m.indexMap();
  const copies = new Map<Instruction, Instruction>();
  for (const ins of [...needed].sort((a, b) => index.get(a)! - index.get(b)!)) {
    const copy = m.insertInstruction(m.returnInstruction(), ins.op, ins.inputs.map((i) => copies.get(i) ?? i), ins.moduleInputs);
    copy.origin = ins.origin;
    copies.set(ins, copy);
  }
  return copies.get(leak)!;
}

/** Absorbs single-user elementwise consumers of `output` on the same lens into `members`. */
function absorbEpilogue(m: Module, members: Set<Instruction>, output: Instruction): Instruction {
  let out = output;
  for (;;) {
    const users = new Set(out.outputs);
    if (users.size !== 1) return out;
    const u = [...users][0]!;
    const elementwise = u.op.def.pointwise === true && u.moduleInputs.length === 0;
    if (!elementwise || !sameNumbers(u.shape.lens, out.shape.lens)) return out;
    const others = u.inputs.filter((i) => i !== out);
    if (!others.every((i) => dependsOnlyOnLiterals(i)) || readsBackIntoRegion(u, members, m.indexMap())) return out;
    members.add(u);
    out = u;
  }
}

export function fuseAttentionModule(program: Program, m: Module, ctx: PassContext): void {
  for (const [id, list] of attentionRegions(m)) {
    // Fused already: the group instruction carries its output's mark (a second run leaves it alone).
    if (list.some((i) => i.moduleInputs.length > 0)) continue;
    const where = { onnxNode: list.find((i) => i.meta.attention?.role === 'gemm1')?.origin?.node ?? list[0]?.origin?.node };
    const quantized = list.filter((i) => i.op.name === 'quant_dot');
    if (quantized.length > 0) {
      ctx.diagnostics.info(
        'ATTENTION_NOT_FUSED_QUANTIZED',
        `attention region ${id} (${nodesOf(list).join(', ')}) is not fused: its GEMMs were quantized to fp8 (--attention-qdq keep)`,
        where,
      );
      continue;
    }
    const members = new Set(list);
    for (const leak of list) {
      if (leak.meta.attention?.role === 'gemm2') continue;
      const users = leak.outputs.filter((u) => !members.has(u));
      if (users.length === 0 || !users.every((u) => u.isReturn())) continue;
      const copy = recomputeOutside(m, members, leak);
      for (const ret of new Set(users)) m.replaceInstruction(ret, ret.op, ret.inputs.map((i) => (i === leak ? copy : i)));
      ctx.diagnostics.info(
        'ATTENTION_SCORES_RECOMPUTED',
        `attention region ${id}: ${leak.origin?.node ?? leak.op.name} is also a graph output, so it is computed a second time by separate kernels and the block still fuses`,
        where,
      );
    }
    const outside = list.filter((i) => i.outputs.some((u) => !members.has(u)));
    if (outside.length !== 1) {
      const leaks = outside.filter((i) => i.meta.attention?.role !== 'gemm2').map((i) => i.origin?.node ?? i.op.name);
      ctx.diagnostics.warning(
        'ATTENTION_NOT_FUSED_OUTSIDE_USE',
        `attention region ${id} is not fused: ${leaks.join(', ')} ${leaks.length === 1 ? 'is' : 'are'} also used outside the block, so the scores would have to be written to memory`,
        where,
      );
      continue;
    }
    const output = absorbEpilogue(m, members, outside[0]!);
    // Named after its P·V dot: an fp8 epilogue quantize belongs to the next node (the output projection).
    const originFrom = list.find((i) => i.meta.attention?.role === 'gemm2');
    outline(program, m, members, output, program.freshModuleName('attn'), makeOp('group', { tag: 'attention' }), { scalar: false, ...(originFrom ? { originFrom } : {}) });
  }
}

export const fuseAttention: Pass = {
  name: 'fuse-attention',
  apply(program: Program, ctx: PassContext) {
    fuseAttentionModule(program, program.mainModule(), ctx);
  },
};
