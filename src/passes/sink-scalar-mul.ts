// sink-scalar-mul: a product that scales one factor by a power of two takes the scale last,
//   mul(mul(x, c), y)  ->  mul(mul(y, x), c)      c a power-of-two scalar constant, mul(x, c) read once
// Exact: multiplying by 2^k commutes with rounding, so every value is the same (barring results that
// overflow or are subnormal). GELU as exporters and the ONNX Gelu op write it, (x · ½) · (1 + erf(x / √2)),
// becomes the chain x / √2 → erf → + 1 → · x → · ½, which fuse-gemm takes as the epilogue of the GEMM
// that computes x (x is read again by the product); the tanh form, ½x · (1 + tanh(…)), likewise.
// Runs after fuse-attention (its regions are outlined, so their scale stays where the attention
// kernel reads it; regions left unfused are not touched) and before the other fusions.

import type { Instruction } from '../ir/instruction.js';
import type { Module } from '../ir/module.js';
import { makeOp } from '../ir/op.js';
import { isFloatType } from '../ir/types.js';
import type { Program } from '../ir/program.js';
import { scalarConstant } from '../fusion/outline.js';
import { dependsOnlyOnLiterals } from '../match/matcher.js';
import type { Pass } from './pass.js';

/** Whether `ins` is a scalar constant ±2^k (a literal behind views). */
function powerOfTwo(ins: Instruction): boolean {
  const lit = scalarConstant(ins);
  if (!lit) return false;
  const v = Math.abs(lit.literal!.toNumbers()[0]!);
  return v > 0 && Number.isFinite(v) && Number.isInteger(Math.log2(v));
}

/** For mul(inner, y) with inner = mul(x, c): [x, c], or undefined. */
function scaled(inner: Instruction, y: Instruction): [Instruction, Instruction] | undefined {
  if (inner.op.name !== 'mul' || inner === y || inner.outputs.length !== 1) return undefined;
  for (const j of [1, 0]) {
    const c = inner.inputs[j]!;
    const x = inner.inputs[1 - j]!;
    if (powerOfTwo(c) && !dependsOnlyOnLiterals(x)) return [x, c];
  }
  return undefined;
}

export function sinkScalarMulModule(m: Module): void {
  for (const ins of m.instructions()) {
    // Attention regions left unfused (`keep`) keep their instructions: the IR view lists their members.
    if (ins.op.name !== 'mul' || !isFloatType(ins.shape.type) || ins.meta.attention) continue;
    for (const k of [0, 1]) {
      const inner = ins.inputs[k]!;
      const y = ins.inputs[1 - k]!;
      const xc = scaled(inner, y);
      if (!xc || dependsOnlyOnLiterals(y) || inner.shape.type !== ins.shape.type || inner.meta.attention) continue;
      const [x, c] = xc;
      const product = m.insertInstruction(ins, makeOp('mul'), [y, x]);
      m.copyProvenance(ins, product);
      m.replaceInstruction(ins, makeOp('mul'), [product, c]);
      m.removeInstruction(inner);
      break;
    }
  }
}

export const sinkScalarMul: Pass = {
  name: 'sink-scalar-mul',
  apply(program: Program) {
    sinkScalarMulModule(program.mainModule());
  },
};
