// layout-attention-output: a fused attention block whose readers all transpose its result the same way
// (the heads moved back beside the head dim for the output projection, [B, H, S, D] → [B, S, H, D],
// then reshaped to [B, S, H·D]) writes its result in that memory order instead. A
// `layout[permutation=P]` (MIGraphX's layout op, shape::from_permutation) ends its submodule, so each
// transpose is a standard tensor and the reshape after it a free view, where it was a copy kernel:
//   y = group[tag=attention](q, k, v), [attn0]  -> float_type, {1, 4, 16, 64}, {4096, 1024, 64, 1}
//   t = transpose[permutation={0, 2, 1, 3}](y)  -> float_type, {1, 16, 4, 64}, {4096, 64, 1024, 1}
//   r = reshape[dims={1, 16, 256}](t)               (not a view: copied before the GEMM reads it)
// ->
//   attn0 returns layout[permutation={0, 2, 1, 3}](…)
//   y = group[tag=attention](q, k, v), [attn0]  -> float_type, {1, 4, 16, 64}, {4096, 64, 256, 1}
//   t = transpose[permutation={0, 2, 1, 3}](y)  -> float_type, {1, 16, 4, 64}, {4096, 256, 64, 1}
//   r = reshape[dims={1, 16, 256}](t)               (a view)
// The attention kernel writes any output strides, so the launch is the same. Only permutations that keep
// the head dim innermost (each output row stays whole, fp8 rows whole words), only where a reader of a
// transpose is a reshape (the copy this saves), and not for graph outputs, which are standard buffers.
// Runs after fuse-attention, before the fusions that take the transpose and the reshape into the
// output projection's kernel.

import type { Instruction } from '../ir/instruction.js';
import type { Module } from '../ir/module.js';
import { makeOp } from '../ir/op.js';
import type { Program } from '../ir/program.js';
import type { Pass } from './pass.js';

/** The permutation every reader of `ins` transposes it by, when `ins` should be laid out in it. */
function sharedTranspose(ins: Instruction): number[] | undefined {
  const readers = ins.outputs;
  if (readers.length === 0 || readers.some((r) => r.op.name !== 'transpose')) return undefined;
  const perm = readers[0]!.op.ints('permutation');
  if (readers.some((r) => r.op.ints('permutation').join() !== perm.join())) return undefined;
  const last = perm.length - 1;
  if (perm[last] !== last || perm.every((p, d) => p === d)) return undefined;
  const uses = readers.flatMap((r) => r.outputs);
  if (uses.some((u) => u.isReturn()) || !uses.some((u) => u.op.name === 'reshape')) return undefined;
  return [...perm];
}

export function layoutAttentionOutputModule(m: Module): void {
  for (const ins of m.instructions()) {
    if (ins.op.name !== 'group' || ins.op.str('tag') !== 'attention' || ins.shape.type === 'tuple_type') continue;
    const sub = ins.moduleInputs[0]!;
    const ret = sub.returnInstruction();
    const result = ret?.inputs[0];
    if (!ret || ret.inputs.length !== 1 || !result || result.op.name === 'layout') continue;
    const perm = sharedTranspose(ins);
    if (!perm) continue;
    const laid = sub.insertInstruction(ret, makeOp('layout', { permutation: perm }), [result]);
    sub.copyProvenance(result, laid);
    sub.replaceReturn([laid]);
    // The group's shape follows its submodule's result; the transposes and what reads them follow it.
    m.replaceInstruction(ins, ins.op, ins.inputs, ins.moduleInputs);
  }
}

export const layoutAttentionOutput: Pass = {
  name: 'layout-attention-output',
  apply(program: Program) {
    layoutAttentionOutputModule(program.mainModule());
  },
};
