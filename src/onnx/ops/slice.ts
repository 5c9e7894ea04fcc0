// Slice → `slice[axes,starts,ends]` with ONNX's bounds resolved (negative starts/ends count from the
// end, out-of-range values clamp), then `step[axes,steps]` for steps > 1. A negative step becomes
// slice of the covered range → `reverse` → step, as MIGraphX lowers it.

import type { Instruction } from '../../ir/instruction.js';
import { normalizeAxis } from '../../ops/common.js';
import { ModelError } from '../../errors.js';
import type { NodeContext } from '../context.js';
import { defineOnnxOp } from '../registry.js';

interface AxisSlice {
  axis: number;
  /** The covered range [begin, end), ascending, inside the axis. */
  begin: number;
  end: number;
  step: number;
}

/** ONNX's start/end clamping for one axis of length `dim` (step decides the clamp ranges). */
export function resolveSliceAxis(axis: number, dim: number, start: number, end: number, step: number): AxisSlice {
  if (step === 0) throw new ModelError(`step on axis ${axis} is 0`);
  if (start < 0) start += dim;
  if (end < 0) end += dim;
  if (step > 0) {
    const s = clamp(start, 0, dim);
    const e = clamp(end, 0, dim);
    return { axis, begin: s, end: Math.max(s, e), step };
  }
  // Walking down from `start` to just above `end`: the covered range is (end, start].
  const s = clamp(start, 0, dim - 1);
  const e = clamp(end, -1, dim - 1);
  return { axis, begin: Math.min(e + 1, s + 1), end: s + 1, step };
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}

defineOnnxOp('Slice', (ctx) => {
  const x = ctx.input(0);
  const rank = x.shape.ndim;
  let starts: number[];
  let ends: number[];
  let axes: number[] | undefined;
  let steps: number[] | undefined;
  if (ctx.opset < 10) {
    starts = ctx.ints('starts');
    ends = ctx.ints('ends');
    axes = ctx.hasAttr('axes') ? ctx.ints('axes') : undefined;
  } else {
    starts = ctx.constantInts(1, 'the starts');
    ends = ctx.constantInts(2, 'the ends');
    axes = ctx.optionalConstantInts(3, 'the axes');
    steps = ctx.optionalConstantInts(4, 'the steps');
  }
  axes ??= starts.map((_, i) => i);
  steps ??= starts.map(() => 1);
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) {
    throw new ModelError(`starts, ends, axes and steps have different lengths (${starts.length}, ${ends.length}, ${axes.length}, ${steps.length})`);
  }
  const parts = axes.map((a, i) => {
    const axis = normalizeAxis(a, rank);
    return resolveSliceAxis(axis, x.shape.lens[axis]!, starts[i]!, ends[i]!, steps![i]!);
  });
  if (new Set(parts.map((p) => p.axis)).size !== parts.length) throw new ModelError(`axes {${axes.join(', ')}} repeat an axis`);
  return lowerSlice(ctx, x, parts);
});

function lowerSlice(ctx: NodeContext, x: Instruction, parts: readonly AxisSlice[]): Instruction {
  const cut = parts.filter((p) => p.begin !== 0 || p.end !== x.shape.lens[p.axis]);
  let out = x;
  if (cut.length > 0) {
    out = ctx.add('slice', [out], { axes: cut.map((p) => p.axis), starts: cut.map((p) => p.begin), ends: cut.map((p) => p.end) });
  }
  const reversed = parts.filter((p) => p.step < 0);
  if (reversed.length > 0) out = ctx.add('reverse', [out], { axes: reversed.map((p) => p.axis) });
  const strided = parts.filter((p) => Math.abs(p.step) !== 1);
  if (strided.length > 0) out = ctx.add('step', [out], { axes: strided.map((p) => p.axis), steps: strided.map((p) => Math.abs(p.step)) });
  return out;
}
