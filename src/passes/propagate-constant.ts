// propagate-constant: computations on constants alone are done once at compile time (MIGraphX
// propagate_constant). A constant instruction read by a non-constant one is replaced by a literal of its
// value; a quantized weight becomes an fp8 literal, for instance:
//   quant_dot(x, q(@literal W, s, z))   ->   quant_dot(x, @literal q(W))
// Views of constants (a scale broadcast to a tensor's lens, a transposed weight) are not materialized:
// they cost nothing and folding them would copy the data they view.

import type { Instruction } from '../ir/instruction.js';
import type { Module } from '../ir/module.js';
import type { Program } from '../ir/program.js';
import { dependsOnlyOnLiterals } from '../match/matcher.js';
import { tryEvaluateConstant } from '../ref/evaluate.js';
import type { Pass } from './pass.js';

function foldable(ins: Instruction): boolean {
  if (ins.isLiteral() || ins.isParam() || ins.isReturn() || ins.moduleInputs.length > 0) return false;
  if (ins.op.def.aliasesInput !== undefined || ins.op.def.sideEffects) return false;
  if (ins.inputs.length === 0) return false;
  if (!dependsOnlyOnLiterals(ins)) return false;
  // Fold at the boundary: where a runtime instruction reads the constant.
  return ins.outputs.some((u) => !dependsOnlyOnLiterals(u) || u.isReturn());
}

export function propagateConstantsIn(m: Module): number {
  let folded = 0;
  for (const ins of m.instructions()) {
    if (!foldable(ins)) continue;
    const value = tryEvaluateConstant(ins);
    if (!value) continue;
    const lit = m.insertLiteral(m.first, value.shape.equals(ins.shape) ? value : value.contiguous());
    m.copyProvenance(ins, lit);
    m.replaceAllUses(ins, lit);
    folded++;
  }
  return folded;
}

export const propagateConstant: Pass = {
  name: 'propagate-constant',
  apply(program: Program) {
    propagateConstantsIn(program.mainModule());
  },
};
