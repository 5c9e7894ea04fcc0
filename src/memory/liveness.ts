// Liveness over a module, as MIGraphX computes it for memory planning: walk backwards; every input
// becomes live (through its alias chain, so a view or a kernel's result keeps its buffer alive); when the
// walk reaches an instruction that is live, that is its definition: it leaves the live set and the
// callback sees what else is live at that point.

import type { Instruction } from '../ir/instruction.js';
import type { Module } from '../ir/module.js';
import { outputAliasIndex } from '../ir/op.js';

/** The instruction whose buffer `ins` is: itself, or what its alias chain ends at. */
export function bufferOf(ins: Instruction): Instruction {
  let cur = ins;
  for (;;) {
    const k = outputAliasIndex(cur.op, cur.inputs.length);
    if (k === undefined) return cur;
    cur = cur.inputs[k]!;
  }
}

export function liveness(m: Module, f: (ins: Instruction, live: ReadonlySet<Instruction>) => void): void {
  const live = new Set<Instruction>();
  for (let ins = m.last; ins !== undefined; ins = ins.prev) {
    for (const input of ins.inputs) {
      const b = bufferOf(input);
      if (b.owner === m) live.add(b);
    }
    if (live.delete(ins)) f(ins, live);
  }
}
