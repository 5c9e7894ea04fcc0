// Tensor: a shape over typed-array storage, the value of a literal and of every reference-interpreter
// result. Storage holds each type's bit pattern (half/bf16 as Uint16Array, fp8/fp4/e8m0 as Uint8Array
// codes, int64 as BigInt64Array); views (transpose, broadcast, slice) share storage via strides+offset.

import { Shape } from './shape.js';
import { type ElementType } from './types.js';
import { decodeScalar, encodeScalar } from '../numerics/codec.js';

export type Storage =
  | Float32Array
  | Float64Array
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** Allocates zeroed storage of `n` elements for `type`. */
export function allocStorage(type: ElementType, n: number): Storage {
  switch (type) {
    case 'float_type':
      return new Float32Array(n);
    case 'double_type':
      return new Float64Array(n);
    case 'half_type':
    case 'bf16_type':
    case 'uint16_type':
      return new Uint16Array(n);
    case 'int16_type':
      return new Int16Array(n);
    case 'int8_type':
    case 'int4_type':
    case 'int2_type':
      return new Int8Array(n);
    case 'bool_type':
    case 'uint8_type':
    case 'uint4_type':
    case 'uint2_type':
    case 'fp8e4m3fn_type':
    case 'fp8e4m3fnuz_type':
    case 'fp8e5m2_type':
    case 'fp8e5m2fnuz_type':
    case 'fp4e2m1_type':
    case 'fp8e8m0_type':
    case 'fp4x2_type':
      return new Uint8Array(n);
    case 'int32_type':
      return new Int32Array(n);
    case 'uint32_type':
      return new Uint32Array(n);
    case 'int64_type':
      return new BigInt64Array(n);
    case 'uint64_type':
      return new BigUint64Array(n);
    case 'tuple_type':
      throw new Error('a tuple has no storage of its own');
    default:
      return type satisfies never;
  }
}

export class Tensor {
  readonly shape: Shape;
  readonly data: Storage;
  /** Index in `data` of the element at all-zero coordinates. */
  readonly offset: number;

  constructor(shape: Shape, data: Storage, offset = 0) {
    const need = offset + shape.elementSpace();
    if (data.length < need) {
      throw new Error(`tensor ${shape} needs ${need} elements of storage, has ${data.length}`);
    }
    this.shape = shape;
    this.data = data;
    this.offset = offset;
  }

  get type(): ElementType {
    return this.shape.type;
  }

  static zeros(shape: Shape): Tensor {
    const s = shape.standard ? shape : shape.asStandard();
    return new Tensor(s, allocStorage(s.type, s.elements()));
  }

  /** A standard tensor from logical values, encoded into `type` (rounded / saturated as a cast would). */
  static fromNumbers(type: ElementType, lens: readonly number[], values: ArrayLike<number>): Tensor {
    const shape = new Shape(type, lens);
    if (values.length !== shape.elements()) {
      throw new Error(`${values.length} values for shape {${lens.join(', ')}} (${shape.elements()} elements)`);
    }
    const data = allocStorage(type, values.length);
    for (let i = 0; i < values.length; i++) setRaw(data, i, encodeScalar(type, values[i]!));
    return new Tensor(shape, data);
  }

  static scalar(type: ElementType, value: number): Tensor {
    const data = allocStorage(type, 1);
    setRaw(data, 0, encodeScalar(type, value));
    return new Tensor(Shape.scalar(type), data);
  }

  /** Storage index of the element at logical (row-major) position `i`. */
  storageIndex(i: number): number {
    if (this.shape.standard) return this.offset + i;
    const { lens, strides } = this.shape;
    let idx = this.offset;
    for (let d = lens.length - 1; d >= 0; d--) {
      const l = lens[d]!;
      idx += (i % l) * strides[d]!;
      i = Math.floor(i / l);
    }
    return idx;
  }

  /** The stored value (bit pattern for half/fp8/…; bigint for 64-bit ints) at logical position `i`. */
  rawAt(i: number): number | bigint {
    return this.data[this.storageIndex(i)]!;
  }

  /** The numeric value at logical position `i` (decoded; 64-bit ints converted to number). */
  get(i: number): number {
    return decodeScalar(this.type, this.rawAt(i));
  }

  /** All elements in logical order, decoded to numbers. */
  toNumbers(): number[] {
    const n = this.shape.elements();
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = this.get(i);
    return out;
  }

  /** All elements in logical order as float32 (the working format of float kernels). */
  toFloat32Array(): Float32Array {
    const n = this.shape.elements();
    if (this.type === 'float_type' && this.shape.standard) {
      return (this.data as Float32Array).subarray(this.offset, this.offset + n);
    }
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.get(i);
    return out;
  }

  /** A standard-layout tensor holding the same logical elements (itself when already standard). */
  contiguous(): Tensor {
    if (this.shape.standard && this.offset === 0 && this.data.length === this.shape.elements()) return this;
    const shape = this.shape.asStandard();
    const n = shape.elements();
    const data = allocStorage(shape.type, n);
    if (this.shape.standard) {
      copyRange(data, this.data, this.offset, n);
    } else {
      for (let i = 0; i < n; i++) setRaw(data, i, this.rawAt(i));
    }
    return new Tensor(shape, data);
  }

  /** A view with another shape over the same storage (no copy; the caller checks the strides). */
  view(shape: Shape, offset = this.offset): Tensor {
    return new Tensor(shape, this.data, offset);
  }
}

export function setRaw(data: Storage, i: number, v: number | bigint): void {
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    (data as BigInt64Array)[i] = typeof v === 'bigint' ? v : BigInt(v);
  } else {
    (data as Float64Array)[i] = typeof v === 'bigint' ? Number(v) : v;
  }
}

function copyRange(dst: Storage, src: Storage, start: number, n: number): void {
  (dst as Float64Array).set((src as Float64Array).subarray(start, start + n));
}
