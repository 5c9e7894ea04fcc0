// Attention regions as MIGraphX defines them (find_instructions_between, migraphx.md §5.1): every
// instruction that is both a descendant of gemm1 and an ancestor of gemm2, both included. Producers of
// Q/K/V and the masks, and consumers of gemm2, are outside. Also: each member's role in the block, and
// the uses of the block's intermediate values from outside it. Pure queries; nothing is marked here.

import type { AttentionMark, Instruction } from '../ir/instruction.js';

/**
 * The instructions between `gemm1` and `gemm2`, inclusive, in module order. `position` gives module
 * order; only instructions placed after gemm1 can descend from it, which keeps the search local.
 */
export function instructionsBetween(gemm1: Instruction, gemm2: Instruction, position: ReadonlyMap<Instruction, number>): Instruction[] {
  const start = position.get(gemm1)!;
  // Ancestors of gemm2 that come after gemm1 …
  const ancestors = new Set<Instruction>([gemm2]);
  const stack = [gemm2];
  while (stack.length > 0) {
    const ins = stack.pop()!;
    for (const input of ins.inputs) {
      if (ancestors.has(input) || (position.get(input) ?? -1) < start) continue;
      ancestors.add(input);
      stack.push(input);
    }
  }
  if (!ancestors.has(gemm1)) return [];
  // … that are also descendants of gemm1.
  const between = new Set<Instruction>([gemm1]);
  const down = [gemm1];
  while (down.length > 0) {
    const ins = down.pop()!;
    for (const user of ins.outputs) {
      if (between.has(user) || !ancestors.has(user)) continue;
      between.add(user);
      down.push(user);
    }
  }
  return [...between].sort((a, b) => position.get(a)! - position.get(b)!);
}

export type Role = AttentionMark['role'];

export interface RoleAssignment {
  readonly roles: ReadonlyMap<Instruction, Role>;
  /** Region members that are neither on the scores side nor on the probabilities side of the softmax. */
  readonly bypass: readonly Instruction[];
}

/**
 * Each member's role: the two dots; the softmax's own instructions; `scores` for what computes the
 * softmax's input; `probs` for what lies between the softmax's output and gemm2.
 */
export function assignRoles(
  region: readonly Instruction[],
  parts: { gemm1: Instruction; gemm2: Instruction; softmaxInput: Instruction; softmaxRoot: Instruction; softmaxPieces: readonly Instruction[] },
): RoleAssignment {
  const members = new Set(region);
  const pieces = new Set(parts.softmaxPieces);
  const scoresSide = reachable(parts.softmaxInput, members, (i) => i.inputs);
  const probsSide = reachable(parts.softmaxRoot, members, (i) => i.outputs);
  const roles = new Map<Instruction, Role>();
  const bypass: Instruction[] = [];
  for (const ins of region) {
    if (ins === parts.gemm1) roles.set(ins, 'gemm1');
    else if (ins === parts.gemm2) roles.set(ins, 'gemm2');
    else if (pieces.has(ins)) roles.set(ins, 'softmax');
    else if (scoresSide.has(ins)) roles.set(ins, 'scores');
    else if (probsSide.has(ins)) roles.set(ins, 'probs');
    else bypass.push(ins);
  }
  return { roles, bypass };
}

/** `from` and everything reachable from it through `next` inside `within`. */
function reachable(from: Instruction, within: ReadonlySet<Instruction>, next: (i: Instruction) => readonly Instruction[]): Set<Instruction> {
  const seen = new Set<Instruction>([from]);
  const stack = [from];
  while (stack.length > 0) {
    for (const n of next(stack.pop()!)) {
      if (seen.has(n) || !within.has(n)) continue;
      seen.add(n);
      stack.push(n);
    }
  }
  return seen;
}

/** A use of a region member's value by an instruction outside the region. */
export interface OutsideUse {
  readonly member: Instruction;
  readonly user: Instruction;
}

/** Uses of the block's intermediate values (everything but gemm2) from outside the region. */
export function outsideUses(region: readonly Instruction[], gemm2: Instruction): OutsideUse[] {
  const members = new Set(region);
  const uses: OutsideUse[] = [];
  for (const ins of region) {
    if (ins === gemm2) continue;
    for (const user of ins.outputs) if (!members.has(user)) uses.push({ member: ins, user });
  }
  return uses;
}
