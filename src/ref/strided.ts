// Moving elements between strided views (offset + lens + strides over shared storage) and logical
// (row-major) order. Every compute reads its inputs through these, so transposed, broadcast and sliced
// views work everywhere without a copy first. Values are copied as stored (bit patterns, bigints).

import type { Shape } from '../ir/shape.js';
import { allocStorage, type Storage, Tensor } from '../ir/tensor.js';

/**
 * What the copy loops index. Every Storage fits it at run time; a BigInt64Array is cast to it, which is
 * safe because elements only move between arrays of the same kind.
 */
interface Indexed {
  [index: number]: number;
}

/** float32 storage moves as its bits (a Uint32 view), so NaN payloads survive copies exactly. */
function bitsOf(storage: Storage): Indexed {
  if (storage instanceof Float32Array) return new Uint32Array(storage.buffer, storage.byteOffset, storage.length);
  return storage as unknown as Indexed;
}

export function elementCount(lens: readonly number[]): number {
  let n = 1;
  for (const l of lens) n *= l;
  return n;
}

/** Copies the view (offset, lens, strides) over `src` into `dst[dstStart …]` in logical order. */
export function gatherLogical(
  src: Storage,
  offset: number,
  lens: readonly number[],
  strides: readonly number[],
  dst: Storage,
  dstStart = 0,
): void {
  const from = bitsOf(src);
  const to = bitsOf(dst);
  walkView(offset, lens, strides, (rowStart, rowLen, rowStride, logicalStart) => {
    let s = rowStart;
    let d = dstStart + logicalStart;
    for (let i = 0; i < rowLen; i++, s += rowStride) to[d++] = from[s]!;
  });
}

/** Writes `src` (logical order) into the view (offset, lens, strides) over `dst`. */
export function scatterLogical(src: Storage, dst: Storage, offset: number, lens: readonly number[], strides: readonly number[]): void {
  const from = bitsOf(src);
  const to = bitsOf(dst);
  walkView(offset, lens, strides, (rowStart, rowLen, rowStride, logicalStart) => {
    let d = rowStart;
    let s = logicalStart;
    for (let i = 0; i < rowLen; i++, d += rowStride) to[d] = from[s++]!;
  });
}

/**
 * Visits a view row by row (a row runs along the last axis): `row(storageStart, rowLength, rowStride,
 * logicalStart)`. An odometer over the outer axes keeps the storage position incremental.
 */
export function walkView(
  offset: number,
  lens: readonly number[],
  strides: readonly number[],
  row: (storageStart: number, rowLength: number, rowStride: number, logicalStart: number) => void,
): void {
  const n = elementCount(lens);
  if (n === 0) return;
  const rank = lens.length;
  if (rank === 0) {
    row(offset, 1, 0, 0);
    return;
  }
  const rowLength = lens[rank - 1]!;
  const rowStride = strides[rank - 1]!;
  const coord = new Array<number>(rank).fill(0);
  let base = offset;
  for (let logical = 0; logical < n; logical += rowLength) {
    row(base, rowLength, rowStride, logical);
    for (let axis = rank - 2; axis >= 0; axis--) {
      coord[axis]!++;
      base += strides[axis]!;
      if (coord[axis]! < lens[axis]!) break;
      base -= coord[axis]! * strides[axis]!;
      coord[axis] = 0;
    }
  }
}

/**
 * The tensor's elements in logical order, as storage of its own kind. Read-only: for a standard tensor
 * (logical element i at storage index offset + i) this is a subarray aliasing its storage.
 */
export function logicalStorage(t: Tensor): Storage {
  const n = t.shape.elements();
  if (t.shape.standard) return t.data.subarray(t.offset, t.offset + n) as Storage;
  return copyLogical(t);
}

/** A fresh copy of the tensor's elements in logical order. */
export function copyLogical(t: Tensor): Storage {
  const n = t.shape.elements();
  const out = allocStorage(t.type, n);
  if (t.shape.standard) {
    (out as Float64Array).set((t.data as Float64Array).subarray(t.offset, t.offset + n));
  } else {
    gatherLogical(t.data, t.offset, t.shape.lens, t.shape.strides, out);
  }
  return out;
}

/** A tensor of shape `out` holding `values`, given in logical order in storage of `out.type`'s kind. */
export function tensorFromLogical(out: Shape, values: Storage): Tensor {
  const n = out.elements();
  if (values.length !== n) throw new Error(`${values.length} values for ${out} (${n} elements)`);
  if (out.standard) return new Tensor(out, values);
  const storage = allocStorage(out.type, out.elementSpace());
  scatterLogical(values, storage, 0, out.lens, out.strides);
  return new Tensor(out, storage);
}

/** The same values laid out as `shape` (same type and lens; strides may differ). */
export function relayout(t: Tensor, shape: Shape): Tensor {
  if (t.shape.equals(shape)) return t;
  return tensorFromLogical(shape, logicalStorage(t));
}
