// Reductions → `reduce_*[axes]` (which keep reduced dims) plus `squeeze` for keepdims=0. Axes are an
// attribute until ReduceSum-13 / Reduce*-18 and an optional constant input after; no axes means all,
// unless noop_with_empty_axes makes the node an identity. L1/L2/SumSquare/LogSum/LogSumExp expand.

import type { Instruction } from '../../ir/instruction.js';
import type { NodeContext } from '../context.js';
import { defineOnnxOp } from '../registry.js';
import { normalizeAxes } from './layout.js';

/** The opset where each reduction's axes moved from an attribute to an input. */
const AXES_INPUT_SINCE: Readonly<Record<string, number>> = { ReduceSum: 13 };

function lowerReduce(ctx: NodeContext, op: string, before?: (x: Instruction) => Instruction, after?: (r: Instruction) => Instruction): Instruction {
  const x = ctx.input(0);
  const rank = x.shape.ndim;
  const axesAsInput = ctx.opset >= (AXES_INPUT_SINCE[ctx.opType] ?? 18);
  const given = axesAsInput ? (ctx.optionalConstantInts(1, 'the axes') ?? []) : ctx.ints('axes', []);
  if (given.length === 0 && axesAsInput && ctx.int('noop_with_empty_axes', 0) !== 0) return x;
  const axes = given.length === 0 ? [...Array(rank).keys()] : normalizeAxes(given, rank);

  let out = before ? before(x) : x;
  if (axes.length > 0) out = ctx.add(op, [out], { axes });
  if (after) out = after(out);
  if (ctx.int('keepdims', 1) === 0 && axes.length > 0) out = ctx.add('squeeze', [out], { axes });
  return out;
}

defineOnnxOp('ReduceMax', (ctx) => lowerReduce(ctx, 'reduce_max'));
defineOnnxOp('ReduceMin', (ctx) => lowerReduce(ctx, 'reduce_min'));
defineOnnxOp('ReduceSum', (ctx) => lowerReduce(ctx, 'reduce_sum'));
defineOnnxOp('ReduceMean', (ctx) => lowerReduce(ctx, 'reduce_mean'));
defineOnnxOp('ReduceProd', (ctx) => lowerReduce(ctx, 'reduce_prod'));
defineOnnxOp('ReduceL1', (ctx) => lowerReduce(ctx, 'reduce_sum', (x) => ctx.add('abs', [x])));
defineOnnxOp('ReduceL2', (ctx) =>
  lowerReduce(
    ctx,
    'reduce_sum',
    (x) => ctx.add('mul', [x, x]),
    (r) => ctx.add('sqrt', [r]),
  ),
);
defineOnnxOp('ReduceSumSquare', (ctx) => lowerReduce(ctx, 'reduce_sum', (x) => ctx.add('mul', [x, x])));
defineOnnxOp('ReduceLogSum', (ctx) => lowerReduce(ctx, 'reduce_sum', undefined, (r) => ctx.add('log', [r])));
defineOnnxOp('ReduceLogSumExp', (ctx) =>
  lowerReduce(
    ctx,
    'reduce_sum',
    (x) => ctx.add('exp', [x]),
    (r) => ctx.add('log', [r]),
  ),
);
