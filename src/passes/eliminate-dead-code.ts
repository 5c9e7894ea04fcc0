// eliminate-dead-code: an instruction nobody reads is removed, walking backwards so whole dead chains go
// in one sweep.  `unused(x) -> ∅`.  Parameters (the program's interface), `@return` and ops with side
// effects stay; submodules left unreferenced are dropped from the program.

import type { Module } from '../ir/module.js';
import type { Program } from '../ir/program.js';
import type { Pass } from './pass.js';

export function eliminateDeadCodeInModule(m: Module): number {
  let removed = 0;
  for (let ins = m.last; ins !== undefined; ) {
    const prev = ins.prev;
    if (ins.outputs.length === 0 && !ins.isParam() && !ins.op.def.sideEffects) {
      m.removeInstruction(ins);
      removed++;
    }
    ins = prev;
  }
  return removed;
}

export const eliminateDeadCode: Pass = {
  name: 'eliminate-dead-code',
  apply(program: Program) {
    for (const m of program.reachableModules()) eliminateDeadCodeInModule(m);
    const reachable = new Set(program.reachableModules());
    for (const m of program.allModules()) if (!reachable.has(m)) program.removeModule(m.name);
  },
};
