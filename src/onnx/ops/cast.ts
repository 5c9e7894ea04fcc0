// Cast and CastLike → `convert[target_type,saturate]` (nothing when the type already matches).
// `saturate` (opset 19+) only matters for float8/float4 targets; other targets keep the default.
// Cast's `round_mode` (opset 25, e8m0 only) is supported for its default, "up".

import type { Instruction } from '../../ir/instruction.js';
import { isLowPrecisionFloat, type ElementType } from '../../ir/types.js';
import { ModelError } from '../../errors.js';
import type { NodeContext } from '../context.js';
import { defineOnnxOp } from '../registry.js';
import { elementTypeFromOnnx } from '../tensor.js';

function cast(ctx: NodeContext, x: Instruction, to: ElementType): Instruction {
  const saturate = ctx.int('saturate', 1) !== 0;
  const roundMode = ctx.string('round_mode', 'up');
  if (roundMode !== 'up') throw new ModelError(`round_mode '${roundMode}' is not supported (only 'up')`);
  return ctx.convert(x, to, isLowPrecisionFloat(to) ? saturate : true);
}

defineOnnxOp('Cast', (ctx) => cast(ctx, ctx.input(0), elementTypeFromOnnx(ctx.int('to'))));
defineOnnxOp('CastLike', (ctx) => cast(ctx, ctx.input(0), ctx.input(1).shape.type));
