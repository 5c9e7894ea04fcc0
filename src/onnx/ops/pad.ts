// Pad → per padded axis, a concat of the border pieces and the input: constant mode fills with a
// broadcast value, edge repeats the end slices, reflect and wrap gather / slice the input. Negative
// pads crop with `slice`. Axes are padded one after another, as numpy.pad does.

import type { Instruction } from '../../ir/instruction.js';
import { Tensor } from '../../ir/tensor.js';
import { normalizeAxis } from '../../ops/common.js';
import { ModelError } from '../../errors.js';
import type { NodeContext } from '../context.js';
import { defineOnnxOp } from '../registry.js';
import { sliceAxis } from './layout.js';

type PadMode = 'constant' | 'reflect' | 'edge' | 'wrap';

defineOnnxOp('Pad', (ctx) => {
  const x = ctx.input(0);
  const rank = x.shape.ndim;
  const mode = ctx.string('mode', 'constant');
  if (mode !== 'constant' && mode !== 'reflect' && mode !== 'edge' && mode !== 'wrap') throw new ModelError(`mode '${mode}' is not supported`);

  let pads: number[];
  let value: Instruction | undefined;
  let axes = [...Array(rank).keys()];
  if (ctx.opset < 11) {
    pads = ctx.ints('pads');
    value = ctx.fill(x.shape.type, ctx.float('value', 0), []);
  } else {
    pads = ctx.constantInts(1, 'the pads');
    value = ctx.optionalInput(2);
    const given = ctx.optionalConstantInts(3, 'the axes');
    if (given) axes = given.map((a) => normalizeAxis(a, rank));
  }
  if (pads.length !== 2 * axes.length) throw new ModelError(`${pads.length} pads for ${axes.length} axes`);
  if (value && value.shape.elements() !== 1) throw new ModelError('constant_value must have one element');

  let out = x;
  axes.forEach((axis, i) => {
    out = padAxis(ctx, out, axis, pads[i]!, pads[i + axes.length]!, mode as PadMode, value);
  });
  return out;
});

function padAxis(ctx: NodeContext, x: Instruction, axis: number, before: number, after: number, mode: PadMode, value: Instruction | undefined): Instruction {
  const n = x.shape.lens[axis]!;
  // Negative pads crop first.
  const cropped = sliceAxis(ctx, x, axis, Math.max(0, -before), n - Math.max(0, -after));
  before = Math.max(0, before);
  after = Math.max(0, after);
  if (before === 0 && after === 0) return cropped;
  const len = cropped.shape.lens[axis]!;
  const piece = (count: number, first: boolean): Instruction | undefined => {
    if (count === 0) return undefined;
    const lens = cropped.shape.lens.map((l, d) => (d === axis ? count : l));
    switch (mode) {
      case 'constant': {
        // A rank-0 or {1} value multibroadcasts to any lens.
        const v = value ?? ctx.fill(cropped.shape.type, 0, []);
        return ctx.broadcastTo(ctx.convert(v, cropped.shape.type), lens);
      }
      case 'edge': {
        if (len === 0) throw new ModelError(`cannot edge-pad an empty axis ${axis}`);
        const end = sliceAxis(ctx, cropped, axis, first ? 0 : len - 1, first ? 1 : len);
        return ctx.broadcastTo(end, lens);
      }
      case 'reflect': {
        if (count > len - 1) throw new ModelError(`reflect pad ${count} exceeds axis ${axis} length ${len} - 1`);
        const indices = Array.from({ length: count }, (_, k) => (first ? count - k : len - 2 - k));
        return ctx.add('gather', [cropped, ctx.literal(Tensor.fromNumbers('int64_type', [count], indices))], { axis });
      }
      case 'wrap': {
        if (count > len) throw new ModelError(`wrap pad ${count} exceeds axis ${axis} length ${len}`);
        return first ? sliceAxis(ctx, cropped, axis, len - count, len) : sliceAxis(ctx, cropped, axis, 0, count);
      }
      default:
        return mode satisfies never;
    }
  };
  const parts = [piece(before, true), cropped, piece(after, false)].filter((p): p is Instruction => p !== undefined);
  return ctx.add('concat', parts, { axis });
}
