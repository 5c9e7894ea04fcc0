// propagate-constant: computations on constants alone are done once at compile time (MIGraphX
// propagate_constant). A constant instruction read by a non-constant one is replaced by its value:
//   quant_dot(x, q(@literal W, s, z))          ->   quant_dot(x, @literal q(W))
//   mul(mb(@literal a), mb(@literal b))        ->   mb(@literal a·b)
// Folding never makes data that did not exist: an elementwise op on broadcast scalars folds to a
// broadcast scalar, and anything whose result is larger than the constants it reads is left alone.
// Views of constants (a broadcast scale, a transposed weight) are not materialized.

import type { Instruction } from '../ir/instruction.js';
import type { Module } from '../ir/module.js';
import { makeOp } from '../ir/op.js';
import type { Program } from '../ir/program.js';
import { Shape } from '../ir/shape.js';
import { dependsOnlyOnLiterals } from '../match/matcher.js';
import { scalarConstant } from '../fusion/outline.js';
import { computeOp, tryEvaluateConstant } from '../ref/evaluate.js';
import { bufferOf } from '../memory/liveness.js';
import type { Pass } from './pass.js';

function atBoundary(ins: Instruction): boolean {
  if (ins.isLiteral() || ins.isParam() || ins.isReturn() || ins.moduleInputs.length > 0) return false;
  if (ins.op.def.aliasesInput !== undefined || ins.op.def.sideEffects || ins.inputs.length === 0) return false;
  if (!dependsOnlyOnLiterals(ins)) return false;
  return ins.outputs.some((u) => !dependsOnlyOnLiterals(u) || u.isReturn());
}

/** An elementwise op on broadcast scalars: computed once on the scalars, then broadcast again. */
function foldScalar(m: Module, ins: Instruction): boolean {
  if (ins.op.def.pointwise !== true) return false;
  const scalars = ins.inputs.map(scalarConstant);
  if (scalars.some((s) => s === undefined)) return false;
  const args = scalars.map((s) => s!.literal!.view(Shape.scalar(s!.literal!.type), s!.literal!.offset));
  const out = ins.op.def.computeShape(ins.op, args.map((a) => a.shape), []);
  const value = computeOp(ins.op, args, out).contiguous();
  const lit = m.insertLiteral(m.first, value.view(Shape.scalar(value.type)));
  const b = m.insertInstruction(ins, makeOp('multibroadcast', { out_lens: ins.shape.lens }), [lit]);
  m.copyProvenance(ins, b);
  m.replaceAllUses(ins, b);
  return true;
}

function foldWhole(m: Module, ins: Instruction): boolean {
  const existing = Math.max(0, ...ins.inputs.map((i) => bufferOf(i).shape.elementSpace()));
  if (ins.shape.elements() > existing) return false;
  const value = tryEvaluateConstant(ins);
  if (!value) return false;
  const lit = m.insertLiteral(m.first, value.shape.equals(ins.shape) ? value : value.contiguous());
  m.copyProvenance(ins, lit);
  m.replaceAllUses(ins, lit);
  return true;
}

export function propagateConstantsIn(m: Module): number {
  let folded = 0;
  for (const ins of m.instructions()) {
    if (!atBoundary(ins)) continue;
    if (foldScalar(m, ins) || foldWhole(m, ins)) folded++;
  }
  return folded;
}

export const propagateConstant: Pass = {
  name: 'propagate-constant',
  apply(program: Program) {
    propagateConstantsIn(program.mainModule());
  },
};
