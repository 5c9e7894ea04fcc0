// Softmax and LogSoftmax. Opset 13+ normalizes along one axis (default -1). Before 13 the input is
// coerced to 2-D at `axis` (default 1) and normalized over the whole second half — MIGraphX only changes
// the default axis, but ONNX's semantics differ whenever axis is not the last one, so we reshape:
// reshape[{prod(lens[:axis]), prod(lens[axis:])}] → softmax[axis=1] → reshape back.

import { normalizeAxis } from '../../ops/common.js';
import type { NodeContext } from '../context.js';
import { defineOnnxOp } from '../registry.js';
import type { Instruction } from '../../ir/instruction.js';

function lowerSoftmax(ctx: NodeContext, op: 'softmax' | 'logsoftmax'): Instruction {
  const x = ctx.input(0);
  const rank = x.shape.ndim;
  if (rank === 0) {
    const one = ctx.add('unsqueeze', [x], { axes: [0] });
    return ctx.add('squeeze', [ctx.add(op, [one], { axis: 0 })], { axes: [0] });
  }
  if (ctx.opset >= 13) return ctx.add(op, [x], { axis: normalizeAxis(ctx.int('axis', -1), rank) });

  // Coerced to 2-D: axis may equal rank (then every row has one element).
  const raw = ctx.int('axis', 1);
  const axis = raw < 0 ? raw + rank : raw;
  if (axis < 0 || axis > rank) throw new Error(`axis ${raw} is out of range for rank ${rank}`);
  if (axis === rank - 1) return ctx.add(op, [x], { axis });
  const lens = x.shape.lens;
  const rows = lens.slice(0, axis).reduce((p, l) => p * l, 1);
  const cols = lens.slice(axis).reduce((p, l) => p * l, 1);
  const flat = ctx.add('reshape', [x], { dims: [rows, cols] });
  return ctx.add('reshape', [ctx.add(op, [flat], { axis: 1 })], { dims: [...lens] });
}

defineOnnxOp('Softmax', (ctx) => lowerSoftmax(ctx, 'softmax'));
defineOnnxOp('LogSoftmax', (ctx) => lowerSoftmax(ctx, 'logsoftmax'));
