// LayerNormalization, expanded as ONNX's function body and MIGraphX's parse_layernorm do: in the stash
// type (float unless stash_type says otherwise), mean = reduce_mean, d = x − mean, var = reduce_mean(d·d),
// inv = rsqrt(var + ε), y = convert(d·inv)·scale + bias. Mean and InvStdDev keep the reduced dims.
// RMSNormalization (opset 23) and onnxruntime's SimplifiedLayerNormalization skip the mean.

import type { Instruction } from '../../ir/instruction.js';
import { normalizeAxis } from '../../ops/common.js';
import { ModelError } from '../../errors.js';
import type { NodeContext } from '../context.js';
import { defineOnnxOp } from '../registry.js';
import { elementTypeFromOnnx } from '../tensor.js';
import type { ElementType } from '../../ir/types.js';

export interface LayerNormResult {
  y: Instruction;
  mean: Instruction;
  invStdDev: Instruction;
}

/** Normalizes `x` over axes [axis, rank) and applies scale and bias (broadcast numpy-style). */
export function layerNorm(ctx: NodeContext, x: Instruction, scale: Instruction | undefined, bias: Instruction | undefined, axis: number, epsilon: number, stash: ElementType): LayerNormResult {
  const lens = x.shape.lens;
  const axes = Array.from({ length: lens.length - axis }, (_, k) => axis + k);
  const xs = ctx.convert(x, stash);
  const mean = ctx.add('reduce_mean', [xs], { axes });
  const d = ctx.add('sub', [xs, ctx.broadcastTo(mean, lens)]);
  const variance = ctx.add('reduce_mean', [ctx.add('mul', [d, d])], { axes });
  const invStdDev = ctx.add('rsqrt', [ctx.add('add', [variance, ctx.fill(stash, epsilon, variance.shape.lens)])]);
  let y = ctx.convert(ctx.add('mul', [d, ctx.broadcastTo(invStdDev, lens)]), x.shape.type);
  if (scale) y = ctx.add('mul', [y, ctx.broadcastTo(scale, lens)]);
  if (bias) y = ctx.add('add', [y, ctx.broadcastTo(bias, lens)]);
  return { y, mean, invStdDev };
}

/** x · rsqrt(mean(x²) + ε) · scale over axes [axis, rank), in the stash type. */
export function rmsNorm(ctx: NodeContext, x: Instruction, scale: Instruction, axis: number, epsilon: number, stash: ElementType): { y: Instruction; invStdDev: Instruction } {
  const lens = x.shape.lens;
  const axes = Array.from({ length: lens.length - axis }, (_, k) => axis + k);
  const xs = ctx.convert(x, stash);
  const meanSquare = ctx.add('reduce_mean', [ctx.add('mul', [xs, xs])], { axes });
  const invStdDev = ctx.add('rsqrt', [ctx.add('add', [meanSquare, ctx.fill(stash, epsilon, meanSquare.shape.lens)])]);
  const normalized = ctx.convert(ctx.add('mul', [xs, ctx.broadcastTo(invStdDev, lens)]), x.shape.type);
  return { y: ctx.add('mul', [normalized, ctx.broadcastTo(scale, lens)]), invStdDev };
}

function lowerRmsNorm(ctx: NodeContext): (Instruction | undefined)[] {
  const x = ctx.input(0);
  if (x.shape.ndim === 0) throw new ModelError('input must have rank >= 1');
  const axis = normalizeAxis(ctx.int('axis', -1), x.shape.ndim);
  const r = rmsNorm(ctx, x, ctx.input(1), axis, ctx.float('epsilon', 1e-5), elementTypeFromOnnx(ctx.int('stash_type', 1)));
  return [r.y, ctx.hasOutput(1) ? r.invStdDev : undefined];
}

defineOnnxOp('RMSNormalization', lowerRmsNorm, { sinceVersion: 23 });
/** onnxruntime registers SimplifiedLayerNormalization in the default domain; outputs Y and inv_std_var. */
defineOnnxOp('SimplifiedLayerNormalization', lowerRmsNorm);

defineOnnxOp(
  'LayerNormalization',
  (ctx) => {
    const x = ctx.input(0);
    if (x.shape.ndim === 0) throw new ModelError('input must have rank >= 1');
    const axis = normalizeAxis(ctx.int('axis', -1), x.shape.ndim);
    const stash = elementTypeFromOnnx(ctx.int('stash_type', 1));
    const r = layerNorm(ctx, x, ctx.input(1), ctx.optionalInput(2), axis, ctx.float('epsilon', 1e-5), stash);
    return [r.y, ctx.hasOutput(1) ? r.mean : undefined, ctx.hasOutput(2) ? r.invStdDev : undefined];
  },
  { sinceVersion: 17 },
);
