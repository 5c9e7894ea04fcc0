// What tests read back from a module after find-attention: the marks grouped by region, the roles per
// ONNX node, and a printable snapshot of every mark (for idempotence and determinism checks).

import type { AttentionMark } from '../../../src/ir/instruction.js';
import type { Module } from '../../../src/ir/module.js';
import { printModule } from '../../../src/ir/printer.js';

/** ONNX node → sorted distinct roles of its marked instructions in region `region`. */
export function rolesByNode(m: Module, region: number): Record<string, string[]> {
  const out: Record<string, Set<string>> = {};
  for (const ins of m) {
    const mark = ins.meta.attention;
    if (!mark || mark.region !== region) continue;
    const node = ins.origin?.node ?? '(no origin)';
    (out[node] ??= new Set()).add(mark.role);
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, [...v].sort()]));
}

/** The expected form of `rolesByNode`, from a variant's `roles` table. */
export function normalizeRoles(roles: Readonly<Record<string, string | readonly string[]>>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(roles).map(([k, v]) => [k, (typeof v === 'string' ? [v] : [...v]).sort()]));
}

/** One line per marked instruction: printed name, region, role, pattern. */
export function markSnapshot(m: Module): string[] {
  const names = new Map();
  printModule(m, names);
  const lines: string[] = [];
  for (const ins of m) {
    const a: AttentionMark | undefined = ins.meta.attention;
    if (a) lines.push(`${names.get(ins)} region=${a.region} role=${a.role} pattern=${a.pattern}`);
  }
  return lines;
}
