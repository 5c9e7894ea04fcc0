// Rules as data, and the drivers that apply them.
// A Rule is a named (pattern, apply) pair with a one-line arrow comment. `findMatches` walks a module once
// in order and, at each instruction, applies the first rule whose pattern matches (MIGraphX's
// first-finder-wins `find_matches`). `rewriteToFixedPoint` repeats that until nothing changes, within a
// step budget; when the budget runs out it names the rule that kept firing.

import type { Instruction } from '../ir/instruction.js';
import type { Module } from '../ir/module.js';
import { type Matcher, type MatchResult, matchInstruction } from './matcher.js';

export interface Rule<B extends string = string> {
  /** Short kebab-case name, used in traces and loop errors. */
  readonly name: string;
  readonly pattern: Matcher<B>;
  /** Rewrites the match; returns false when it decided not to change anything after all. */
  apply(m: Module, r: MatchResult<B>): boolean | void;
}

/** Keeps each rule's binding names checked against its own pattern while rules share one list. */
export function rule<B extends string>(r: Rule<B>): Rule<string> {
  return r as unknown as Rule<string>;
}

export interface FindStats {
  /** Number of rule applications that changed the module. */
  readonly applied: number;
  /** Applications per rule name. */
  readonly byRule: ReadonlyMap<string, number>;
}

/** One pass over `m` in order: at each instruction the first matching rule is applied. */
export function findMatches(m: Module, rules: readonly Rule<string>[]): FindStats {
  const byRule = new Map<string, number>();
  let applied = 0;
  let ins: Instruction | undefined = m.first;
  while (ins !== undefined) {
    const next: Instruction | undefined = ins.next;
    for (const r of rules) {
      const res = matchInstruction(r.pattern, ins);
      if (!res) continue;
      if (r.apply(m, res) !== false) {
        applied++;
        byRule.set(r.name, (byRule.get(r.name) ?? 0) + 1);
      }
      break;
    }
    // Continue after `ins` when it survived the rewrite; otherwise from the instruction that followed it.
    ins = ins.owner === m ? ins.next : next?.owner === m ? next : undefined;
  }
  return { applied, byRule };
}

export class RewriteLoopError extends Error {
  override name = 'RewriteLoopError';
}

/**
 * Applies `rules` until a sweep changes nothing. Throws RewriteLoopError naming the busiest rule when
 * more than `maxSweeps` sweeps were needed (a rule that undoes another, or one that always fires).
 */
export function rewriteToFixedPoint(m: Module, rules: readonly Rule<string>[], maxSweeps = 64): FindStats {
  const total = new Map<string, number>();
  let applied = 0;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    const s = findMatches(m, rules);
    if (s.applied === 0) return { applied, byRule: total };
    applied += s.applied;
    for (const [k, v] of s.byRule) total.set(k, (total.get(k) ?? 0) + v);
  }
  const busiest = [...total.entries()].sort((a, b) => b[1] - a[1])[0];
  throw new RewriteLoopError(
    `rewrite did not settle after ${maxSweeps} sweeps of module ${m.name}; rule '${busiest?.[0]}' fired ${busiest?.[1]} times`,
  );
}
