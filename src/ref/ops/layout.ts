// Reference computes of the layout ops (src/ops/layout.ts). Views return `Tensor.view` over the input's
// storage with the IR's lens/strides (slice also moves the offset); reshape is a view when its input is
// standard and a copy otherwise; contiguous, reverse, concat and gather copy stored values, so they work
// for every element type unchanged.

import type { Op } from '../../ir/op.js';
import { allocStorage, type Tensor } from '../../ir/tensor.js';
import { normalizeAxis } from '../../ops/common.js';
import { sliceOffset } from '../../ops/layout.js';
import { defineCompute, type ComputeFn } from '../registry.js';
import { copyLogical, elementCount, gatherLogical, logicalStorage, tensorFromLogical } from '../strided.js';
import { readFloat64 } from '../values.js';

/** Indexing helper: element arrays are moved as stored, whatever their kind. */
interface Indexed {
  [index: number]: number;
}

const view: ComputeFn = (_op, args, out) => args[0]!.view(out);

for (const name of ['identity', 'transpose', 'multibroadcast', 'broadcast', 'squeeze', 'unsqueeze', 'step']) {
  defineCompute(name, view);
}

defineCompute('slice', (op, args, out) => {
  const x = args[0]!;
  const axes = op.ints('axes').map((a) => normalizeAxis(a, x.shape.ndim));
  const offset = x.offset + sliceOffset(axes, op.ints('starts'), x.shape);
  // An empty slice may start past the end of the storage; any in-range offset describes it.
  return x.view(out, out.elements() === 0 ? Math.min(offset, x.data.length) : offset);
});

defineCompute('reshape', (_op, args, out) => {
  const x = args[0]!;
  if (x.shape.standard) return x.view(out);
  return tensorFromLogical(out, copyLogical(x));
});

defineCompute('contiguous', (_op, args, out) => tensorFromLogical(out, copyLogical(args[0]!)));
// The same values in `out`'s memory order.
defineCompute('layout', (_op, args, out) => tensorFromLogical(out, copyLogical(args[0]!)));

/** reverse reads its input through a view that starts at the far end of each reversed axis. */
defineCompute('reverse', (op, args, out) => {
  const x = args[0]!;
  const { lens } = x.shape;
  const strides = [...x.shape.strides];
  let offset = x.offset;
  const axes = new Set(op.ints('axes').map((a) => normalizeAxis(a, lens.length)));
  for (const a of axes) {
    offset += (lens[a]! - 1) * strides[a]!;
    strides[a] = -strides[a]!;
  }
  const values = allocStorage(out.type, out.elements());
  gatherLogical(x.data, offset, lens, strides, values);
  return tensorFromLogical(out, values);
});

/** concat: each input fills its band of the axis in every outer row. */
defineCompute('concat', (op, args, out) => {
  const axis = normalizeAxis(op.int('axis'), out.ndim);
  const outer = elementCount(out.lens.slice(0, axis));
  const inner = elementCount(out.lens.slice(axis + 1));
  const rowLength = out.lens[axis]! * inner;
  const values = allocStorage(out.type, out.elements());
  const dst = values as unknown as Indexed;
  let bandStart = 0;
  for (const x of args) {
    const band = x.shape.lens[axis]! * inner;
    const src = logicalStorage(x) as unknown as Indexed;
    for (let o = 0; o < outer; o++) {
      const from = o * band;
      const to = o * rowLength + bandStart;
      for (let j = 0; j < band; j++) dst[to + j] = src[from + j]!;
    }
    bandStart += band;
  }
  return tensorFromLogical(out, values);
});

/** gather(data, indices)[outer, idx…, inner] = data[outer, indices[idx…], inner]; negative indices wrap. */
defineCompute('gather', (op, args, out) => {
  const [data, indices] = args as [Tensor, Tensor];
  const axis = normalizeAxis(op.int('axis'), data.shape.ndim);
  const axisLength = data.shape.lens[axis]!;
  const outer = elementCount(data.shape.lens.slice(0, axis));
  const inner = elementCount(data.shape.lens.slice(axis + 1));
  const idx = resolveIndices(op, readFloat64(indices), axisLength);
  const src = logicalStorage(data) as unknown as Indexed;
  const values = allocStorage(out.type, out.elements());
  const dst = values as unknown as Indexed;
  let d = 0;
  for (let o = 0; o < outer; o++) {
    for (const k of idx) {
      const from = (o * axisLength + k) * inner;
      for (let j = 0; j < inner; j++) dst[d++] = src[from + j]!;
    }
  }
  return tensorFromLogical(out, values);
});

function resolveIndices(op: Op, raw: Float64Array, axisLength: number): number[] {
  return Array.from(raw, (k) => {
    const wrapped = k < 0 ? k + axisLength : k;
    if (!(wrapped >= 0 && wrapped < axisLength)) {
      throw new Error(`${op.name}: index ${k} is out of range for an axis of length ${axisLength}`);
    }
    return wrapped;
  });
}
