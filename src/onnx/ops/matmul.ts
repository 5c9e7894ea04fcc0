// MatMul (numpy semantics) and Gemm → `dot`, following MIGraphX's parse_matmul and gemm builder:
// 1-D operands are unsqueezed and squeezed back, batch dims are multibroadcast to their common lens,
// Gemm scales A by alpha and C by beta with scalar literals and transposes after scaling.

import type { Instruction } from '../../ir/instruction.js';
import { sameNumbers } from '../../ir/shape.js';
import { broadcastLens } from '../../ops/common.js';
import { ModelError } from '../../errors.js';
import type { NodeContext } from '../context.js';
import { defineOnnxOp } from '../registry.js';

/** A·B with numpy's matmul rules; exported for the attention expansions. */
export function matmul(ctx: NodeContext, a: Instruction, b: Instruction): Instruction {
  const aVector = a.shape.ndim === 1;
  const bVector = b.shape.ndim === 1;
  if (a.shape.ndim === 0 || b.shape.ndim === 0) throw new ModelError('MatMul inputs must have rank >= 1');
  if (aVector) a = ctx.add('unsqueeze', [a], { axes: [0] });
  if (bVector) b = ctx.add('unsqueeze', [b], { axes: [1] });

  const batchA = a.shape.lens.slice(0, -2);
  const batchB = b.shape.lens.slice(0, -2);
  if (!sameNumbers(batchA, batchB)) {
    const batch = broadcastLens([batchA, batchB]);
    a = ctx.broadcastTo(a, [...batch, ...a.shape.lens.slice(-2)]);
    b = ctx.broadcastTo(b, [...batch, ...b.shape.lens.slice(-2)]);
  }
  let out = ctx.add('dot', [a, b]);
  if (aVector) out = ctx.add('squeeze', [out], { axes: [out.shape.ndim - 2] });
  if (bVector) out = ctx.add('squeeze', [out], { axes: [out.shape.ndim - 1] });
  return out;
}

defineOnnxOp('MatMul', (ctx) => matmul(ctx, ctx.input(0), ctx.input(1)));

defineOnnxOp('Gemm', (ctx) => {
  let a = ctx.input(0);
  let b = ctx.input(1);
  const c = ctx.optionalInput(2);
  if (a.shape.ndim !== 2 || b.shape.ndim !== 2) throw new ModelError(`A and B must be 2-D, got rank ${a.shape.ndim} and ${b.shape.ndim}`);
  const alpha = ctx.float('alpha', 1);
  const beta = ctx.float('beta', 1);
  const type = a.shape.type;

  if (alpha !== 1) a = ctx.add('mul', [ctx.fill(type, alpha, a.shape.lens), a]);
  if (ctx.int('transA', 0) !== 0) a = ctx.add('transpose', [a], { permutation: [1, 0] });
  if (ctx.int('transB', 0) !== 0) b = ctx.add('transpose', [b], { permutation: [1, 0] });
  const product = ctx.add('dot', [a, b]);
  if (!c || beta === 0) return product;

  const lens = product.shape.lens;
  let bias = ctx.broadcastTo(c, lens);
  if (beta !== 1) bias = ctx.add('mul', [bias, ctx.fill(type, beta, lens)]);
  return ctx.add('add', [product, bias]);
});
