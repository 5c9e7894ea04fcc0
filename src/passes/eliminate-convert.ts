// eliminate-convert: drop conversions that change nothing.
//   convert[t](x: t)                          -> x
//   convert[t](convert[u](x: t)), u wider than t for every value of t   -> x
//   convert[t](@literal)                      -> @literal (converted)
// "Wider" means every value of t is exact in u (half/bf16 in float or double, float in double, and
// integers in a wider integer of the same signedness), so the round trip is the identity.

import { Tensor } from '../ir/tensor.js';
import type { Instruction } from '../ir/instruction.js';
import type { Module } from '../ir/module.js';
import type { Program } from '../ir/program.js';
import { type ElementType, isIntegerType, isSignedInteger, typeSize } from '../ir/types.js';
import type { Pass } from './pass.js';

/** True when every value of `narrow` converts to `wide` and back unchanged. */
export function holdsExactly(wide: ElementType, narrow: ElementType): boolean {
  if (wide === narrow) return true;
  const floats: Record<string, number> = { half_type: 1, bf16_type: 1, float_type: 2, double_type: 3 };
  if (narrow in floats && wide in floats) return floats[wide]! > floats[narrow]!;
  if (isIntegerType(narrow) && isIntegerType(wide)) {
    return isSignedInteger(narrow) === isSignedInteger(wide) && typeSize(wide) > typeSize(narrow);
  }
  return false;
}

function simplify(m: Module, ins: Instruction): boolean {
  if (ins.op.name !== 'convert') return false;
  const target = ins.op.type('target_type');
  const [x] = ins.inputs as [Instruction];
  if (x.shape.type === target) {
    m.replaceAllUses(ins, x);
    return true;
  }
  if (x.op.name === 'convert') {
    const [y] = x.inputs as [Instruction];
    if (y.shape.type === target && holdsExactly(x.op.type('target_type'), target)) {
      m.replaceAllUses(ins, y);
      return true;
    }
  }
  if (x.isLiteral() && x.literal && ins.op.bool('saturate')) {
    const t = x.literal;
    const lit = m.insertLiteral(m.first, Tensor.fromNumbers(target, t.shape.lens, t.toNumbers()));
    m.replaceAllUses(ins, lit);
    return true;
  }
  return false;
}

export const eliminateConvert: Pass = {
  name: 'eliminate-convert',
  apply(program: Program) {
    for (const m of program.reachableModules()) {
      for (const ins of m) simplify(m, ins);
    }
  },
};
