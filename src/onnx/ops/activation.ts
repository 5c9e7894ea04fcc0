// Gelu (opset 20) expanded as MIGraphX's gelu builder: erf form 0.5·x·(1 + erf(x/√2)), tanh form
// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). Literals have x's type. The contrib FastGelu/BiasGelu reuse
// these helpers (contrib.ts).

import type { Instruction } from '../../ir/instruction.js';
import { ModelError } from '../../errors.js';
import type { NodeContext } from '../context.js';
import { defineOnnxOp } from '../registry.js';

export function geluErf(ctx: NodeContext, x: Instruction): Instruction {
  const { type, lens } = x.shape;
  const half = ctx.add('mul', [x, ctx.fill(type, 0.5, lens)]);
  const scaled = ctx.add('div', [x, ctx.fill(type, Math.SQRT2, lens)]);
  const onePlus = ctx.add('add', [ctx.add('erf', [scaled]), ctx.fill(type, 1, lens)]);
  return ctx.add('mul', [half, onePlus]);
}

/** The tanh approximation; `fast` uses FastGelu's folded constants (0.035677 = 0.044715·√(2/π)). */
export function geluTanh(ctx: NodeContext, x: Instruction, fast = false): Instruction {
  const { type, lens } = x.shape;
  const sqrt2OverPi = Math.sqrt(2 / Math.PI);
  const fit = ctx.fill(type, fast ? 0.044715 * sqrt2OverPi : 0.044715, lens);
  const k = ctx.fill(type, sqrt2OverPi, lens);
  const cube = ctx.add('pow', [x, ctx.fill(type, 3, lens)]);
  const fitCube = ctx.add('mul', [cube, fit]);
  const inner = fast ? ctx.add('add', [fitCube, ctx.add('mul', [k, x])]) : ctx.add('mul', [ctx.add('add', [fitCube, x]), k]);
  const onePlus = ctx.add('add', [ctx.add('tanh', [inner]), ctx.fill(type, 1, lens)]);
  return ctx.add('mul', [onePlus, ctx.add('mul', [x, ctx.fill(type, 0.5, lens)])]);
}

defineOnnxOp(
  'Gelu',
  (ctx) => {
    const approximate = ctx.string('approximate', 'none');
    if (approximate === 'none') return geluErf(ctx, ctx.input(0));
    if (approximate === 'tanh') return geluTanh(ctx, ctx.input(0));
    throw new ModelError(`approximate '${approximate}' is not supported`);
  },
  { sinceVersion: 20 },
);
