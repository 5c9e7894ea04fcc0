// fuse-pointwise: chains of elementwise ops become one `pointwise` instruction over a scalar submodule
// (MIGraphX fuse_pointwise; migraphx.md §6).
//   add(mul(x, y), z)  ->  pointwise(x, y, z), [main:pointwise0]   where the submodule computes x0*x1+x2
// A producer joins its readers' group when they all end up in one group (a single reader, or several,
// as x in x · erf(x / √2): MIGraphX gets there by merging the chain first, after which x has one user,
// the merged instruction); a lone elementwise op still becomes a one-op pointwise module (one kernel). Single-element constants are copied inside;
// computations on constants alone are left to constant folding. Runs after fuse-attention and fuse-reduce,
// which take the elementwise ops they need first.

import type { Instruction } from '../ir/instruction.js';
import type { Module } from '../ir/module.js';
import { makeOp } from '../ir/op.js';
import type { Program } from '../ir/program.js';
import { dependsOnlyOnLiterals } from '../match/matcher.js';
import { outline } from '../fusion/outline.js';
import type { Pass } from './pass.js';

export function isFusablePointwise(ins: Instruction): boolean {
  return ins.op.def.pointwise === true && ins.moduleInputs.length === 0 && !dependsOnlyOnLiterals(ins);
}

/** The group each fusable instruction belongs to (union-find roots). */
function groups(m: Module): Map<Instruction, Instruction[]> {
  const parent = new Map<Instruction, Instruction>();
  const find = (x: Instruction): Instruction => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  for (const ins of m) if (isFusablePointwise(ins)) parent.set(ins, ins);
  // Readers before producers, so a chain's end has gathered its readers' group when its producer asks.
  const order = m.instructions().filter((i) => parent.has(i)).reverse();
  for (let changed = true; changed; ) {
    changed = false;
    for (const x of order) {
      const users = [...new Set(x.outputs)];
      if (users.length === 0 || !users.every((u) => parent.has(u))) continue;
      const group = find(users[0]!);
      if (find(x) === group || !users.every((u) => find(u) === group)) continue;
      parent.set(find(x), group);
      changed = true;
    }
  }
  const out = new Map<Instruction, Instruction[]>();
  for (const ins of m) {
    if (!parent.has(ins)) continue;
    const r = find(ins);
    out.set(r, [...(out.get(r) ?? []), ins]);
  }
  return out;
}

export function fusePointwiseModule(program: Program, m: Module): void {
  for (const members of groups(m).values()) {
    const set = new Set(members);
    // The group's value used outside: the member whose users are not all in the group.
    const output = members.find((i) => i.outputs.some((u) => !set.has(u))) ?? members[members.length - 1]!;
    outline(program, m, set, output, program.freshModuleName(`${m.name}:pointwise`), makeOp('pointwise'), { scalar: true });
  }
}

export const fusePointwise: Pass = {
  name: 'fuse-pointwise',
  apply(program: Program) {
    fusePointwiseModule(program, program.mainModule());
  },
};
