// Shape-changing ONNX operators → IR views and copies with resolved attributes: Transpose, Reshape
// (0 and -1, allowzero), Flatten, Concat, Split, Gather, Squeeze/Unsqueeze, Expand, Tile (unsqueeze →
// multibroadcast → reshape, as MIGraphX), Trilu (a literal bool mask and `where`). Shapes that arrive
// as inputs (opset 5/13+) must be compile-time constants.

import type { Instruction } from '../../ir/instruction.js';
import { Tensor } from '../../ir/tensor.js';
import { broadcastLens, normalizeAxis } from '../../ops/common.js';
import { ModelError } from '../../errors.js';
import type { NodeContext } from '../context.js';
import { defineOnnxOp } from '../registry.js';

const product = (lens: readonly number[]) => lens.reduce((p, l) => p * l, 1);

/** Normalized, sorted, duplicate-free axes. */
export function normalizeAxes(axes: readonly number[], rank: number): number[] {
  const out = axes.map((a) => normalizeAxis(a, rank));
  if (new Set(out).size !== out.length) throw new ModelError(`axes {${axes.join(', ')}} repeat an axis`);
  return out.sort((a, b) => a - b);
}

defineOnnxOp('Transpose', (ctx) => {
  const x = ctx.input(0);
  const rank = x.shape.ndim;
  const perm = ctx.ints('perm', [...Array(rank).keys()].reverse());
  return ctx.add('transpose', [x], { permutation: perm.map((p) => normalizeAxis(p, rank, 'perm entry')) });
});

/** ONNX Reshape's target dims with 0 (copy, unless allowzero) and -1 (infer) resolved. */
export function resolveReshape(inLens: readonly number[], shape: readonly number[], allowZero: boolean): number[] {
  const dims = shape.map((d, i) => {
    if (d === 0 && !allowZero) {
      if (i >= inLens.length) throw new ModelError(`shape entry ${i} is 0 but the input has rank ${inLens.length}`);
      return inLens[i]!;
    }
    return d;
  });
  const inferred = dims.filter((d) => d === -1).length;
  if (inferred > 1) throw new ModelError(`shape {${shape.join(', ')}} has more than one -1`);
  if (dims.some((d) => d < -1)) throw new ModelError(`shape {${shape.join(', ')}} has a negative entry`);
  if (inferred === 1) {
    const known = product(dims.filter((d) => d !== -1));
    const total = product(inLens);
    if (known === 0 || total % known !== 0) {
      throw new ModelError(`cannot infer -1 in {${shape.join(', ')}} for ${total} elements {${inLens.join(', ')}}`);
    }
    return dims.map((d) => (d === -1 ? total / known : d));
  }
  return dims;
}

defineOnnxOp('Reshape', (ctx) => {
  const x = ctx.input(0);
  const shape = ctx.opset < 5 ? ctx.ints('shape') : ctx.constantInts(1, 'the target shape');
  const dims = resolveReshape(x.shape.lens, shape, ctx.int('allowzero', 0) !== 0);
  return ctx.add('reshape', [x], { dims });
});

defineOnnxOp('Flatten', (ctx) => {
  const x = ctx.input(0);
  const rank = x.shape.ndim;
  const raw = ctx.int('axis', 1);
  const axis = raw < 0 ? raw + rank : raw;
  if (axis < 0 || axis > rank) throw new ModelError(`axis ${raw} is out of range for rank ${rank}`);
  const lens = x.shape.lens;
  return ctx.add('reshape', [x], { dims: [product(lens.slice(0, axis)), product(lens.slice(axis))] });
});

defineOnnxOp('Concat', (ctx) => {
  const inputs = ctx.node.inputs.map((_, i) => ctx.input(i));
  if (inputs.length === 0) throw new ModelError('needs at least one input');
  const axis = normalizeAxis(ctx.int('axis'), inputs[0]!.shape.ndim);
  return ctx.add('concat', inputs, { axis });
});

defineOnnxOp('Split', (ctx) => {
  const x = ctx.input(0);
  const axis = normalizeAxis(ctx.int('axis', 0), x.shape.ndim);
  const dim = x.shape.lens[axis]!;
  const n = ctx.outputCount;
  let sizes: number[] | undefined;
  if (ctx.opset < 13) sizes = ctx.hasAttr('split') ? ctx.ints('split') : undefined;
  else sizes = ctx.optionalConstantInts(1, 'the split sizes');
  if (sizes === undefined && ctx.opset >= 18 && ctx.hasAttr('num_outputs')) {
    const parts = ctx.int('num_outputs');
    const chunk = Math.ceil(dim / parts);
    sizes = Array.from({ length: parts }, (_, k) => Math.max(0, Math.min(chunk, dim - k * chunk)));
  }
  if (sizes === undefined) {
    if (dim % n !== 0) throw new ModelError(`axis ${axis} of length ${dim} does not split evenly into ${n} outputs`);
    sizes = new Array<number>(n).fill(dim / n);
  }
  if (sizes.length !== n) throw new ModelError(`${sizes.length} split sizes for ${n} outputs`);
  if (sizes.reduce((a, b) => a + b, 0) !== dim) throw new ModelError(`split sizes {${sizes.join(', ')}} do not add up to ${dim}`);
  let start = 0;
  return sizes.map((size, k) => {
    const begin = start;
    start += size;
    if (!ctx.hasOutput(k)) return undefined;
    return ctx.add('slice', [x], { axes: [axis], starts: [begin], ends: [begin + size] });
  });
});

defineOnnxOp('Gather', (ctx) => {
  const data = ctx.input(0);
  const axis = normalizeAxis(ctx.int('axis', 0), data.shape.ndim);
  return ctx.add('gather', [data, ctx.input(1)], { axis });
});

/** Squeeze/Unsqueeze axes: an attribute before opset 13, an input from 13. */
function axesOf(ctx: NodeContext): number[] | undefined {
  if (ctx.opset < 13) return ctx.hasAttr('axes') ? ctx.ints('axes') : undefined;
  return ctx.optionalConstantInts(1, 'the axes');
}

defineOnnxOp('Squeeze', (ctx) => {
  const x = ctx.input(0);
  const given = axesOf(ctx);
  const axes = given === undefined ? x.shape.lens.flatMap((l, i) => (l === 1 ? [i] : [])) : normalizeAxes(given, x.shape.ndim);
  if (axes.length === 0) return x;
  return ctx.add('squeeze', [x], { axes });
});

defineOnnxOp('Unsqueeze', (ctx) => {
  const x = ctx.input(0);
  const given = axesOf(ctx);
  if (given === undefined) throw new ModelError('axes are required');
  return ctx.add('unsqueeze', [x], { axes: normalizeAxes(given, x.shape.ndim + given.length) });
});

defineOnnxOp('Expand', (ctx) => {
  const x = ctx.input(0);
  const shape = ctx.constantInts(1, 'the target shape');
  return ctx.broadcastTo(x, broadcastLens([x.shape.lens, shape]));
});

defineOnnxOp('Tile', (ctx) => {
  const x = ctx.input(0);
  const repeats = ctx.constantInts(1, 'the repeats');
  const lens = x.shape.lens;
  if (repeats.length !== lens.length) throw new ModelError(`${repeats.length} repeats for rank ${lens.length}`);
  if (repeats.some((r) => r < 0)) throw new ModelError(`repeats {${repeats.join(', ')}} must be non-negative`);
  if (repeats.every((r) => r === 1)) return x;
  const spread = ctx.add('unsqueeze', [x], { axes: lens.map((_, i) => 2 * i) });
  const tiled = ctx.broadcastTo(spread, lens.flatMap((l, i) => [repeats[i]!, l]));
  return ctx.add('reshape', [tiled], { dims: lens.map((l, i) => l * repeats[i]!) });
});

defineOnnxOp('Trilu', (ctx) => {
  const x = ctx.input(0);
  const rank = x.shape.ndim;
  if (rank < 2) throw new ModelError(`input must have rank >= 2, got ${rank}`);
  const k = ctx.hasInput(1) ? ctx.constantInts(1, 'the diagonal offset k')[0]! : 0;
  const upper = ctx.int('upper', 1) !== 0;
  const rows = x.shape.lens[rank - 2]!;
  const cols = x.shape.lens[rank - 1]!;
  const keep: number[] = [];
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) keep.push((upper ? j - i >= k : j - i <= k) ? 1 : 0);
  }
  const mask = ctx.broadcastTo(ctx.literal(Tensor.fromNumbers('bool_type', [rows, cols], keep)), x.shape.lens);
  return ctx.add('where', [mask, x, ctx.fill(x.shape.type, 0, x.shape.lens)]);
});

export function sliceAxis(ctx: NodeContext, x: Instruction, axis: number, start: number, end: number): Instruction {
  if (start === 0 && end === x.shape.lens[axis]) return x;
  return ctx.add('slice', [x], { axes: [axis], starts: [start], ends: [end] });
}
