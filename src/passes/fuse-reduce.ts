// fuse-reduce: a reduction with the elementwise work around it becomes one `fused_reduce` instruction
// (MIGraphX fuse_reduce; migraphx.md §6), so a decomposed softmax with the dequantize before it and the
// quantize after it is one kernel:
//   q(div(e, mb(reduce_sum(e)))), e = exp(sub(x, mb(reduce_max(x)))), x = dq(s)
//     ->  fused_reduce[axes={3}](s, …), [main:reduce0]
// Growing from each reduction R (axes A, input lens L): consumers join when they are elementwise on L or
// on R's reduced lens, broadcasts of a per-row member back along A, or reductions over the same axes;
// producers join when they are elementwise on L and every user is already in. External inputs must not
// depend on the region (it stays convex), and only one member may be used outside; when growth breaks
// that, the last consumers are dropped until it holds (pruneToOneOutput), or R is fused with its
// producers alone. Runs after fuse-attention, before fuse-pointwise.

import type { Instruction } from '../ir/instruction.js';
import type { Module } from '../ir/module.js';
import { makeOp } from '../ir/op.js';
import type { Program } from '../ir/program.js';
import { sameNumbers } from '../ir/shape.js';
import { readsBackIntoRegion, outline } from '../fusion/outline.js';
import { dependsOnlyOnLiterals } from '../match/matcher.js';
import { normalizeAxis } from '../ops/common.js';
import type { Pass } from './pass.js';

function axesOf(r: Instruction): number[] {
  return r.op.ints('axes').map((a) => normalizeAxis(a, r.inputs[0]!.shape.ndim)).sort((a, b) => a - b);
}

const isReduce = (i: Instruction) => i.op.def.reduce === true && i.moduleInputs.length === 0;
const isElementwise = (i: Instruction) => i.op.def.pointwise === true && i.moduleInputs.length === 0 && !dependsOnlyOnLiterals(i);

interface Row {
  readonly axes: readonly number[];
  /** Lens of the reduction's input, and of its (kept-dims) output. */
  readonly full: readonly number[];
  readonly reduced: readonly number[];
}

function joinsAsConsumer(u: Instruction, members: ReadonlySet<Instruction>, row: Row): boolean {
  if (u.op.name === 'multibroadcast') {
    const src = u.inputs[0]!;
    return members.has(src) && sameNumbers(src.shape.lens, row.reduced) && sameNumbers(u.shape.lens, row.full);
  }
  if (isReduce(u)) return sameNumbers(u.inputs[0]!.shape.lens, row.full) && sameNumbers(axesOf(u), row.axes);
  return isElementwise(u) && (sameNumbers(u.shape.lens, row.full) || sameNumbers(u.shape.lens, row.reduced));
}

function grow(m: Module, seed: Instruction, withConsumers: boolean): Set<Instruction> {
  const row: Row = { axes: axesOf(seed), full: seed.inputs[0]!.shape.lens, reduced: seed.shape.lens };
  const members = new Set<Instruction>([seed]);
  const index = m.indexMap();
  for (let changed = true; changed; ) {
    changed = false;
    for (const x of [...members]) {
      if (withConsumers) {
        for (const u of new Set(x.outputs)) {
          if (members.has(u) || !joinsAsConsumer(u, members, row)) continue;
          if (readsBackIntoRegion(u, members, index)) continue;
          members.add(u);
          changed = true;
        }
      }
      for (const p of new Set(x.inputs)) {
        if (members.has(p) || !isElementwise(p) || !sameNumbers(p.shape.lens, row.full)) continue;
        if (!p.outputs.every((u) => members.has(u))) continue;
        members.add(p);
        changed = true;
      }
    }
  }
  return members;
}

const usedOutside = (members: ReadonlySet<Instruction>) => [...members].filter((i) => i.outputs.some((u) => !members.has(u)));

/**
 * Drops the region's last sinks (members no other member reads) until one member is used outside, or
 * undefined when only the seed is left to drop. A layernorm whose output feeds both the next GEMM's
 * input quantize and a residual add keeps the whole normalisation and leaves the quantize to fuse-gemm
 * (the GEMM's prologue), instead of falling back to the reduction and its producers alone. Dropping a
 * sink keeps the region convex (no member reads it).
 */
function pruneToOneOutput(m: Module, seed: Instruction, grown: ReadonlySet<Instruction>): Set<Instruction> | undefined {
  const index = m.indexMap();
  const members = new Set(grown);
  while (usedOutside(members).length > 1) {
    const sinks = [...members].filter((i) => i !== seed && !i.outputs.some((u) => members.has(u)));
    if (sinks.length === 0) return undefined;
    members.delete(sinks.reduce((a, b) => (index.get(a)! > index.get(b)! ? a : b)));
  }
  return members;
}

/**
 * Leaves a broadcast that ends the region outside it: a view costs nothing in the parent, and inside it
 * would make the region's result a broadcast of a per-row value, which its kernel does not write (the
 * "row fully masked" test of an ONNX Attention mask, broadcast back over the keys).
 */
function dropTrailingBroadcasts(members: Set<Instruction>): void {
  for (let dropped = true; dropped; ) {
    dropped = false;
    for (const i of members) {
      if (i.op.name !== 'multibroadcast' || i.outputs.some((u) => members.has(u))) continue;
      members.delete(i);
      dropped = true;
    }
  }
}

export function fuseReduceModule(program: Program, m: Module): void {
  for (const seed of m.instructions()) {
    if (seed.owner !== m || !isReduce(seed)) continue; // already taken into an earlier region
    let members = grow(m, seed, true);
    if (usedOutside(members).length !== 1) members = pruneToOneOutput(m, seed, members) ?? grow(m, seed, false);
    dropTrailingBroadcasts(members);
    const outputs = usedOutside(members);
    if (outputs.length !== 1) continue;
    const name = program.freshModuleName(`${m.name}:reduce`);
    outline(program, m, members, outputs[0]!, name, makeOp('fused_reduce', { axes: axesOf(seed) }), { scalar: false, originFrom: seed });
  }
}

export const fuseReduce: Pass = {
  name: 'fuse-reduce',
  apply(program: Program) {
    fuseReduceModule(program, program.mainModule());
  },
};
