// Lowering of the layout ops (src/ops/layout.ts). Views (transpose, multibroadcast, broadcast, slice,
// step, squeeze, unsqueeze, identity) launch nothing: the value is the input's buffer with the view's
// strides and offset, and the kernels that read it follow them. reshape of a standard view is a view
// too; contiguous, layout, reshape of a strided view, reverse and concat launch the copy kernel, gather
// its own.

import type { Instruction } from '../ir/instruction.js';
import { Shape } from '../ir/shape.js';
import { typeId } from '../ir/types.js';
import { normalizeAxis } from '../ops/common.js';
import { sliceOffset } from '../ops/layout.js';
import { MAX_KERNEL_RANK, mergeDims, pad8, product } from './dims.js';
import { ceilDiv, grid1d } from './grid.js';
import { KERNELS } from './kernel-catalog.js';
import type { LoweringContext } from './lower-context.js';
import type { ValueView } from './launch.js';
import { elementBytes } from './type-classes.js';
import { unsupported } from './unsupported.js';

/** transpose, multibroadcast, broadcast, step, squeeze, unsqueeze, identity: same buffer, the IR's view. */
export function lowerView(ctx: LoweringContext, ins: Instruction): ValueView {
  const input = ctx.valueOf(ins.inputs[0]!);
  return { buffer: input.buffer, shape: ins.shape, offset: input.offset };
}

export function lowerSlice(ctx: LoweringContext, ins: Instruction): ValueView {
  const input = ctx.valueOf(ins.inputs[0]!);
  const inShape = ins.inputs[0]!.shape;
  const axes = ins.op.ints('axes').map((a) => normalizeAxis(a, inShape.ndim));
  return { buffer: input.buffer, shape: ins.shape, offset: input.offset + sliceOffset(axes, ins.op.ints('starts'), inShape) };
}

/**
 * Launches the copy kernel: `input` (a strided view whose logical order is row-major over its lens)
 * fills, in each of `outer` rows of `rowElems` output elements, the band [bandStart, bandStart + bandLen).
 */
function copyBand(ctx: LoweringContext, ins: Instruction, input: ValueView, output: ValueView, outer: number, rowElems: number, bandStart: number, bandLen: number): void {
  const bytes = elementBytes(output.shape.type);
  if (bytes === 0) throw unsupported(ins, `${ins.op.name} with ${output.shape.type}`);
  const total = outer * bandLen;
  if (total === 0) return;
  const merged = mergeDims(input.shape.lens, [input.shape.strides]);
  if (merged.lens.length > MAX_KERNEL_RANK) throw unsupported(ins, `copy over ${merged.lens.length} non-mergeable dimensions`);
  const firstElem = bandStart;
  const endElem = (outer - 1) * rowElems + bandStart + bandLen;
  const firstWord = Math.floor((firstElem * bytes) / 4);
  const endWord = ceilDiv(endElem * bytes, 4);
  const words = endWord - firstWord;
  ctx.launch(KERNELS.copy, {
    constants: { ELEM_BYTES: bytes },
    uniforms: {
      words,
      first_word: firstWord,
      row_elems: rowElems,
      band_start: bandStart,
      band_len: bandLen,
      rank: merged.lens.length,
      offset: input.offset,
      lens: pad8(merged.lens),
      strides: pad8(merged.strides[0]!),
    },
    bindings: [input.buffer, output.buffer],
    workgroups: grid1d(ceilDiv(words, 64), ctx.caps.maxComputeWorkgroupsPerDimension),
  });
}

/** A standard copy of `input` (any strides) in a fresh buffer, shaped as `shape`. */
function materialise(ctx: LoweringContext, ins: Instruction, input: ValueView, shape: Shape): ValueView {
  const output = ctx.newValue(shape);
  const n = shape.elements();
  copyBand(ctx, ins, input, output, 1, n, 0, n);
  return output;
}

/**
 * Copies `input` (any view) into `output` (at offset 0 of its buffer): standard, or dense in another
 * memory order (a `layout` op's result), which is both views permuted into that order.
 */
export function copyInto(ctx: LoweringContext, ins: Instruction, input: ValueView, output: ValueView): void {
  const n = output.shape.elements();
  if (output.shape.standard) {
    copyBand(ctx, ins, input, output, 1, n, 0, n);
    return;
  }
  if (!output.shape.packed()) throw unsupported(ins, `a copy into the strided ${output.shape}`);
  const { strides } = output.shape;
  const order = strides.map((_, d) => d).sort((a, b) => strides[b]! - strides[a]! || a - b);
  const permute = (v: ValueView): ValueView => ({ ...v, shape: new Shape(v.shape.type, order.map((d) => v.shape.lens[d]!), order.map((d) => v.shape.strides[d]!)) });
  copyBand(ctx, ins, permute(input), permute(output), 1, n, 0, n);
}

/** layout[permutation=P]: the input copied into P's memory order (the target, when it is laid out so). */
export function lowerLayout(ctx: LoweringContext, ins: Instruction): ValueView {
  const output = ctx.newLaidOut(ins.shape);
  copyInto(ctx, ins, ctx.valueOf(ins.inputs[0]!), output);
  return output;
}

export function lowerContiguous(ctx: LoweringContext, ins: Instruction): ValueView {
  const input = ctx.valueOf(ins.inputs[0]!);
  if (input.shape.standard) return { ...input, shape: ins.shape };
  return materialise(ctx, ins, input, ins.shape);
}

export function lowerReshape(ctx: LoweringContext, ins: Instruction): ValueView {
  const input = ctx.valueOf(ins.inputs[0]!);
  if (input.shape.standard) return { buffer: input.buffer, shape: ins.shape, offset: input.offset };
  return materialise(ctx, ins, input, ins.shape);
}

/** reverse reads its input through a view that starts at the far end of each reversed axis. */
export function lowerReverse(ctx: LoweringContext, ins: Instruction): ValueView {
  const input = ctx.valueOf(ins.inputs[0]!);
  const { lens } = input.shape;
  const strides = [...input.shape.strides];
  let offset = input.offset;
  for (const a of new Set(ins.op.ints('axes').map((x) => normalizeAxis(x, lens.length)))) {
    offset += (lens[a]! - 1) * strides[a]!;
    strides[a] = -strides[a]!;
  }
  const reversed: ValueView = { buffer: input.buffer, shape: new Shape(input.shape.type, lens, strides), offset };
  return materialise(ctx, ins, reversed, ins.shape);
}

/** concat: one copy launch per input, each filling its band of the axis in every outer row. */
export function lowerConcat(ctx: LoweringContext, ins: Instruction): ValueView {
  const out = ins.shape;
  const axis = normalizeAxis(ins.op.int('axis'), out.ndim);
  const outer = product(out.lens.slice(0, axis));
  const inner = product(out.lens.slice(axis + 1));
  const rowElems = out.lens[axis]! * inner;
  const output = ctx.newValue(out);
  let bandStart = 0;
  for (const i of ins.inputs) {
    const bandLen = i.shape.lens[axis]! * inner;
    copyBand(ctx, ins, ctx.valueOf(i), output, outer, rowElems, bandStart, bandLen);
    bandStart += bandLen;
  }
  return output;
}

export function lowerGather(ctx: LoweringContext, ins: Instruction): ValueView {
  const [dataIns, indexIns] = ins.inputs as [Instruction, Instruction];
  const data = ctx.valueOf(dataIns);
  const indices = ctx.valueOf(indexIns);
  const bytes = elementBytes(ins.shape.type);
  if (bytes === 0) throw unsupported(ins, `gather with ${ins.shape.type}`);
  const axis = normalizeAxis(ins.op.int('axis'), data.shape.ndim);
  const dataMerged = mergeDims(data.shape.lens, [data.shape.strides]);
  const indexMerged = mergeDims(indices.shape.lens, [indices.shape.strides]);
  if (dataMerged.lens.length > MAX_KERNEL_RANK || indexMerged.lens.length > MAX_KERNEL_RANK) {
    throw unsupported(ins, 'gather over more than 8 non-mergeable dimensions');
  }
  const output = ctx.newValue(ins.shape);
  const count = ins.shape.elements();
  const words = bytes === 8 ? count * 2 : ceilDiv(count, 4 / bytes);
  ctx.launch(KERNELS.gather, {
    constants: { ELEM_BYTES: bytes, INDEX_TYPE: typeId(indices.shape.type) },
    uniforms: {
      count,
      index_count: indices.shape.elements(),
      inner: product(data.shape.lens.slice(axis + 1)),
      axis_len: data.shape.lens[axis]!,
      data_rank: dataMerged.lens.length,
      index_rank: indexMerged.lens.length,
      data_offset: data.offset,
      index_offset: indices.offset,
      data_lens: pad8(dataMerged.lens),
      data_strides: pad8(dataMerged.strides[0]!),
      index_lens: pad8(indexMerged.lens),
      index_strides: pad8(indexMerged.strides[0]!),
    },
    bindings: [data.buffer, indices.buffer, output.buffer],
    workgroups: count === 0 ? [0, 1, 1] : grid1d(ceilDiv(words, 64), ctx.caps.maxComputeWorkgroupsPerDimension),
  });
  return output;
}
