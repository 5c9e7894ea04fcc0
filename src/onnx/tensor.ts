// TensorProto → OnnxTensor: the ONNX ↔ IR element type mapping, the size checks (done when the model
// is decoded), and a lazy, cached value() that views the file's bytes when raw_data is aligned for its
// typed array, copies only when it is not, and unpacks int4/uint4/fp4 (two per byte, low nibble first)
// and int2/uint2 (four per byte). External data is read at value() time, only the tensor's byte range,
// from a path checked to stay inside the model's folder. Sparse tensors are densified on value().
// NOTE: raw_data is little-endian (onnx.proto); typed arrays use the host order, so big-endian hosts are refused.

import fs from 'node:fs';
import path from 'node:path';
import { ModelError } from '../errors.js';
import { Shape } from '../ir/shape.js';
import { allocStorage, setRaw, type Storage, Tensor } from '../ir/tensor.js';
import { type ElementType, typeSize } from '../ir/types.js';
import { OnnxDataType, type OnnxTensor } from './model.js';
import { DataLocation, type LongLike, longToBigInt, longToNumber, type SparseTensorMessage, type TensorMessage } from './schema.js';

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error('onnx-fp8 reads ONNX tensors as little-endian typed arrays and needs a little-endian host');
}

/** More elements than this in one tensor is refused (and guards every size computation below). */
export const MAX_TENSOR_ELEMENTS = 2 ** 31;

/** Where a tensor came from, for messages and for resolving external data. */
export interface TensorOrigin {
  /** The model (or .pb) file, as given. */
  readonly file: string;
  /** The folder external data locations are relative to; undefined when decoded from memory alone. */
  readonly baseDir: string | undefined;
  /** The node whose attribute holds the tensor, when it is an attribute. */
  readonly node?: string;
  readonly opType?: string;
}

const ONNX_TYPE_NAMES = new Map<number, string>(Object.entries(OnnxDataType).map(([name, id]) => [id, name]));

/** `FLOAT16`, `FLOAT8E4M3FN`, … or `data type 99` for a number onnx.proto does not define. */
export function onnxTypeName(dataType: number): string {
  return ONNX_TYPE_NAMES.get(dataType) ?? `data type ${dataType}`;
}

/** The IR element type of a TensorProto.DataType; ModelError for STRING, COMPLEX*, UNDEFINED and unknown numbers. */
export function elementTypeFromOnnx(dataType: number): ElementType {
  switch (dataType) {
    case OnnxDataType.FLOAT:
      return 'float_type';
    case OnnxDataType.UINT8:
      return 'uint8_type';
    case OnnxDataType.INT8:
      return 'int8_type';
    case OnnxDataType.UINT16:
      return 'uint16_type';
    case OnnxDataType.INT16:
      return 'int16_type';
    case OnnxDataType.INT32:
      return 'int32_type';
    case OnnxDataType.INT64:
      return 'int64_type';
    case OnnxDataType.BOOL:
      return 'bool_type';
    case OnnxDataType.FLOAT16:
      return 'half_type';
    case OnnxDataType.DOUBLE:
      return 'double_type';
    case OnnxDataType.UINT32:
      return 'uint32_type';
    case OnnxDataType.UINT64:
      return 'uint64_type';
    case OnnxDataType.BFLOAT16:
      return 'bf16_type';
    case OnnxDataType.FLOAT8E4M3FN:
      return 'fp8e4m3fn_type';
    case OnnxDataType.FLOAT8E4M3FNUZ:
      return 'fp8e4m3fnuz_type';
    case OnnxDataType.FLOAT8E5M2:
      return 'fp8e5m2_type';
    case OnnxDataType.FLOAT8E5M2FNUZ:
      return 'fp8e5m2fnuz_type';
    case OnnxDataType.UINT4:
      return 'uint4_type';
    case OnnxDataType.INT4:
      return 'int4_type';
    case OnnxDataType.FLOAT4E2M1:
      return 'fp4e2m1_type';
    case OnnxDataType.FLOAT8E8M0:
      return 'fp8e8m0_type';
    case OnnxDataType.UINT2:
      return 'uint2_type';
    case OnnxDataType.INT2:
      return 'int2_type';
    case OnnxDataType.STRING:
    case OnnxDataType.COMPLEX64:
    case OnnxDataType.COMPLEX128:
      throw new ModelError(`element type ${onnxTypeName(dataType)} is not supported by onnx-fp8`);
    case OnnxDataType.UNDEFINED:
      throw new ModelError('element type UNDEFINED (data_type 0 or missing)');
    default:
      throw new ModelError(`unknown ${onnxTypeName(dataType)} (onnx.proto defines 1 to 26)`);
  }
}

/** The TensorProto.DataType of an IR element type (tuple and fp4x2 have none). */
export function onnxFromElementType(t: ElementType): number {
  switch (t) {
    case 'float_type':
      return OnnxDataType.FLOAT;
    case 'uint8_type':
      return OnnxDataType.UINT8;
    case 'int8_type':
      return OnnxDataType.INT8;
    case 'uint16_type':
      return OnnxDataType.UINT16;
    case 'int16_type':
      return OnnxDataType.INT16;
    case 'int32_type':
      return OnnxDataType.INT32;
    case 'int64_type':
      return OnnxDataType.INT64;
    case 'bool_type':
      return OnnxDataType.BOOL;
    case 'half_type':
      return OnnxDataType.FLOAT16;
    case 'double_type':
      return OnnxDataType.DOUBLE;
    case 'uint32_type':
      return OnnxDataType.UINT32;
    case 'uint64_type':
      return OnnxDataType.UINT64;
    case 'bf16_type':
      return OnnxDataType.BFLOAT16;
    case 'fp8e4m3fn_type':
      return OnnxDataType.FLOAT8E4M3FN;
    case 'fp8e4m3fnuz_type':
      return OnnxDataType.FLOAT8E4M3FNUZ;
    case 'fp8e5m2_type':
      return OnnxDataType.FLOAT8E5M2;
    case 'fp8e5m2fnuz_type':
      return OnnxDataType.FLOAT8E5M2FNUZ;
    case 'uint4_type':
      return OnnxDataType.UINT4;
    case 'int4_type':
      return OnnxDataType.INT4;
    case 'fp4e2m1_type':
      return OnnxDataType.FLOAT4E2M1;
    case 'fp8e8m0_type':
      return OnnxDataType.FLOAT8E8M0;
    case 'uint2_type':
      return OnnxDataType.UINT2;
    case 'int2_type':
      return OnnxDataType.INT2;
    case 'tuple_type':
    case 'fp4x2_type':
      throw new Error(`${t} has no ONNX data type`);
    default:
      return t satisfies never;
  }
}

/** Bits per element in ONNX's serialized form (sub-byte types packed; everything else as in memory). */
export function onnxBitsPerElement(t: ElementType): number {
  switch (t) {
    case 'int4_type':
    case 'uint4_type':
    case 'fp4e2m1_type':
      return 4;
    case 'int2_type':
    case 'uint2_type':
      return 2;
    default:
      return typeSize(t) * 8;
  }
}

/** Bytes of raw_data (or external data) that `elements` values of `t` occupy. */
export function onnxByteLength(t: ElementType, elements: number): number {
  return Math.ceil((elements * onnxBitsPerElement(t)) / 8);
}

/**
 * int64 dims → numbers, each a non-negative safe integer, and their element count (at most
 * MAX_TENSOR_ELEMENTS). `fail` turns a cause into the caller's ModelError.
 */
export function checkedDims(raw: readonly LongLike[], fail: (cause: string) => never): { dims: number[]; elements: number } {
  const dims = raw.map((d) => longToNumber(d));
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) fail(`invalid dimension ${d} in dims [${dims.join(', ')}]`);
  }
  if (dims.includes(0)) return { dims, elements: 0 };
  let elements = 1;
  for (const d of dims) {
    elements *= d;
    if (elements > MAX_TENSOR_ELEMENTS) fail(`dims [${dims.join(', ')}] hold more than 2^31 elements`);
  }
  return { dims, elements };
}

/** An OnnxTensor whose value is computed on first use and kept. */
class LazyTensor implements OnnxTensor {
  private cached: Tensor | undefined;

  constructor(
    readonly name: string,
    readonly dataType: number,
    readonly dims: readonly number[],
    private readonly load: () => Tensor,
    readonly externalLocation?: string,
  ) {}

  value(): Tensor {
    this.cached ??= this.load();
    return this.cached;
  }
}

function describe(name: string): string {
  return name ? `tensor '${name}'` : 'unnamed tensor';
}

function failer(origin: TensorOrigin, what: string): (cause: string) => never {
  return (cause) => {
    throw new ModelError(`${what}: ${cause}`, { file: origin.file, node: origin.node, opType: origin.opType });
  };
}

/**
 * A TensorProto as an OnnxTensor. Everything checkable without touching the data is checked now
 * (type, dims, byte and value counts, external file and range); value() builds the IR tensor.
 */
export function tensorFromProto(msg: TensorMessage, origin: TensorOrigin): OnnxTensor {
  const name = msg.name ?? '';
  const fail: (cause: string) => never = failer(origin, describe(name));
  const dataType = msg.data_type ?? OnnxDataType.UNDEFINED;
  let type: ElementType;
  try {
    type = elementTypeFromOnnx(dataType);
  } catch (e) {
    if (e instanceof ModelError) fail(e.cause_);
    throw e;
  }
  const { dims, elements } = checkedDims(msg.dims ?? [], fail);
  const shapeText = `${onnxTypeName(dataType)} [${dims.join(', ')}]`;
  if (msg.segment) fail('segmented tensors (TensorProto.segment) are not supported');
  const byteLength = onnxByteLength(type, elements);
  const makeTensor = (data: Storage): Tensor => new Tensor(new Shape(type, dims), data);

  const location = msg.data_location ?? DataLocation.DEFAULT;
  if (location === DataLocation.EXTERNAL) {
    const external = checkExternalData(msg, origin, byteLength, fail);
    const load = (): Tensor => makeTensor(storageFromBytes(readExternalData(external, origin, fail), type, elements));
    return new LazyTensor(name, dataType, dims, load, external.location);
  }
  if (location !== DataLocation.DEFAULT) fail(`unknown data_location ${location}`);

  const raw = msg.raw_data;
  if (raw !== undefined && raw.length > 0) {
    if (raw.length !== byteLength) fail(`raw_data holds ${raw.length} bytes but ${shapeText} needs ${byteLength}`);
    return new LazyTensor(name, dataType, dims, () => makeTensor(storageFromBytes(raw, type, elements)));
  }

  const { field, perValue } = typedFieldOf(type);
  const values = msg[field] ?? [];
  const expected = Math.ceil(elements / perValue);
  if (values.length !== expected) {
    if (values.length === 0) fail(`has no data: raw_data is empty and ${field} has no values, but ${shapeText} has ${elements} elements`);
    const packing = perValue > 1 ? ` (${perValue} elements per value)` : '';
    fail(`${field} has ${values.length} values but ${shapeText} needs ${expected}${packing}`);
  }
  return new LazyTensor(name, dataType, dims, () => makeTensor(storageFromTypedField(values, type, elements)));
}

type TypedField = 'float_data' | 'int32_data' | 'int64_data' | 'double_data' | 'uint64_data';

/** Which TensorProto field holds a type's values when raw_data is not used, and how many per value. */
function typedFieldOf(t: ElementType): { field: TypedField; perValue: number } {
  switch (t) {
    case 'float_type':
      return { field: 'float_data', perValue: 1 };
    case 'double_type':
      return { field: 'double_data', perValue: 1 };
    case 'int64_type':
      return { field: 'int64_data', perValue: 1 };
    case 'uint32_type':
    case 'uint64_type':
      return { field: 'uint64_data', perValue: 1 };
    case 'int4_type':
    case 'uint4_type':
    case 'fp4e2m1_type':
      return { field: 'int32_data', perValue: 2 };
    case 'int2_type':
    case 'uint2_type':
      return { field: 'int32_data', perValue: 4 };
    default:
      // int32, int16/8, uint16/8, bool, half, bf16, fp8 and e8m0 (as their bit patterns).
      return { field: 'int32_data', perValue: 1 };
  }
}

interface TypedArrayConstructor<T> {
  readonly BYTES_PER_ELEMENT: number;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): T;
}

/** A typed array over `bytes` when its offset is aligned for the element size, else over a copy. */
function viewAs<T>(ctor: TypedArrayConstructor<T>, bytes: Uint8Array, length: number): T {
  // NOTE: `new Uint8Array(bytes)` copies; `Buffer#slice` would not (it is a view), so it is not used here.
  const source = bytes.byteOffset % ctor.BYTES_PER_ELEMENT === 0 ? bytes : new Uint8Array(bytes);
  return new ctor(source.buffer, source.byteOffset, length);
}

/** raw_data (or external data) bytes → storage for `type`; the caller has checked the byte length. */
export function storageFromBytes(bytes: Uint8Array, type: ElementType, elements: number): Storage {
  switch (type) {
    case 'float_type':
      return viewAs(Float32Array, bytes, elements);
    case 'double_type':
      return viewAs(Float64Array, bytes, elements);
    case 'half_type':
    case 'bf16_type':
    case 'uint16_type':
      return viewAs(Uint16Array, bytes, elements);
    case 'int16_type':
      return viewAs(Int16Array, bytes, elements);
    case 'int32_type':
      return viewAs(Int32Array, bytes, elements);
    case 'uint32_type':
      return viewAs(Uint32Array, bytes, elements);
    case 'int64_type':
      return viewAs(BigInt64Array, bytes, elements);
    case 'uint64_type':
      return viewAs(BigUint64Array, bytes, elements);
    case 'int8_type':
      return viewAs(Int8Array, bytes, elements);
    case 'bool_type':
    case 'uint8_type':
    case 'fp8e4m3fn_type':
    case 'fp8e4m3fnuz_type':
    case 'fp8e5m2_type':
    case 'fp8e5m2fnuz_type':
    case 'fp8e8m0_type':
      return viewAs(Uint8Array, bytes, elements);
    case 'int4_type':
      return unpackSubByte(bytes, elements, 4, true);
    case 'uint4_type':
    case 'fp4e2m1_type':
      return unpackSubByte(bytes, elements, 4, false);
    case 'int2_type':
      return unpackSubByte(bytes, elements, 2, true);
    case 'uint2_type':
      return unpackSubByte(bytes, elements, 2, false);
    case 'tuple_type':
    case 'fp4x2_type':
      throw new Error(`${type} never comes from an ONNX tensor`);
    default:
      return type satisfies never;
  }
}

/** Packed 4- or 2-bit codes, first element in the lowest bits, → one element per byte (sign-extended when signed). */
export function unpackSubByte(bytes: ArrayLike<number>, elements: number, bits: 2 | 4, signed: boolean): Int8Array | Uint8Array {
  const out = signed ? new Int8Array(elements) : new Uint8Array(elements);
  const perByte = 8 / bits;
  const mask = (1 << bits) - 1;
  const signBit = 1 << (bits - 1);
  for (let i = 0; i < elements; i++) {
    const code = (bytes[Math.floor(i / perByte)]! >> ((i % perByte) * bits)) & mask;
    out[i] = signed ? (code ^ signBit) - signBit : code;
  }
  return out;
}

/** Values of float_data / int32_data / int64_data / double_data / uint64_data → storage; counts already checked. */
function storageFromTypedField(values: readonly (number | LongLike)[], type: ElementType, elements: number): Storage {
  switch (type) {
    case 'float_type':
      return Float32Array.from(values as number[]);
    case 'double_type':
      return Float64Array.from(values as number[]);
    case 'int64_type':
      return BigInt64Array.from(values as LongLike[], (v) => longToBigInt(v));
    case 'uint64_type':
      return BigUint64Array.from(values as LongLike[], (v) => BigInt.asUintN(64, longToBigInt(v)));
    case 'uint32_type':
      return Uint32Array.from(values as LongLike[], (v) => longToNumber(v));
    case 'int4_type':
      return unpackSubByte(Uint8Array.from(values as number[]), elements, 4, true);
    case 'uint4_type':
    case 'fp4e2m1_type':
      return unpackSubByte(Uint8Array.from(values as number[]), elements, 4, false);
    case 'int2_type':
      return unpackSubByte(Uint8Array.from(values as number[]), elements, 2, true);
    case 'uint2_type':
      return unpackSubByte(Uint8Array.from(values as number[]), elements, 2, false);
    default: {
      // One int32 per element; the typed array store keeps the low bits (bit patterns for half/fp8).
      const data = allocStorage(type, elements);
      const ints = values as number[];
      for (let i = 0; i < elements; i++) setRaw(data, i, type === 'bool_type' ? (ints[i] !== 0 ? 1 : 0) : ints[i]!);
      return data;
    }
  }
}

// ---- external data -------------------------------------------------------------------------------

interface ExternalData {
  /** As written in the model. */
  readonly location: string;
  readonly offset: number;
  readonly length: number;
}

function checkExternalData(msg: TensorMessage, origin: TensorOrigin, byteLength: number, fail: (cause: string) => never): ExternalData {
  const entries = new Map<string, string>();
  for (const e of msg.external_data ?? []) entries.set(e.key ?? '', e.value ?? '');
  const location = entries.get('location');
  if (location === undefined || location === '') fail('data_location is EXTERNAL but external_data has no location');
  const offset = parseByteCount(entries.get('offset') ?? '0', 'offset', fail);
  const length = parseByteCount(entries.get('length') ?? String(byteLength), 'length', fail);
  if (length !== byteLength) fail(`external data length is ${length} bytes but the tensor needs ${byteLength}`);
  const external = { location, offset, length };
  checkExternalFile(external, origin, fail);
  return external;
}

function parseByteCount(text: string, key: string, fail: (cause: string) => never): number {
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value)) fail(`external data ${key} '${text}' is not a byte count`);
  return value;
}

/** The real path of an external data file, refusing any location that leaves the model's folder. */
function resolveExternalPath(location: string, origin: TensorOrigin, fail: (cause: string) => never): string {
  if (origin.baseDir === undefined) fail(`external data '${location}' needs the model's folder, and the model was decoded from memory without one`);
  if (path.isAbsolute(location) || path.win32.isAbsolute(location)) {
    fail(`external data location '${location}' is an absolute path; it must be relative to the model's folder`);
  }
  const base = path.resolve(origin.baseDir);
  const target = path.resolve(base, location);
  if (escapes(base, target)) fail(`external data location '${location}' escapes the model's folder (..)`);
  let realBase: string;
  let realTarget: string;
  try {
    realBase = fs.realpathSync(base);
    realTarget = fs.realpathSync(target);
  } catch {
    fail(`external data file '${location}' not found in ${base}`);
  }
  if (escapes(realBase, realTarget)) {
    fail(`external data location '${location}' leads through a symbolic link to ${realTarget}, outside the model's folder`);
  }
  return realTarget;
}

function escapes(folder: string, target: string): boolean {
  const relative = path.relative(folder, target);
  return relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);
}

/** Checks the file and the byte range; returns the file's real path. */
function checkExternalFile(external: ExternalData, origin: TensorOrigin, fail: (cause: string) => never): string {
  const real = resolveExternalPath(external.location, origin, fail);
  const stat = fsCall(() => fs.statSync(real), external, fail);
  if (!stat.isFile()) fail(`external data '${external.location}' is not a regular file`);
  const end = external.offset + external.length;
  if (end > stat.size) {
    fail(`external data '${external.location}' holds ${stat.size} bytes, too few for bytes ${external.offset}..${end} of this tensor`);
  }
  return real;
}

/** Reads exactly the tensor's byte range (re-checking the path, which may have changed since decoding). */
function readExternalData(external: ExternalData, origin: TensorOrigin, fail: (cause: string) => never): Uint8Array {
  const real = checkExternalFile(external, origin, fail);
  const bytes = new Uint8Array(external.length);
  const fd = fsCall(() => fs.openSync(real, 'r'), external, fail);
  try {
    let done = 0;
    while (done < external.length) {
      const n = fsCall(() => fs.readSync(fd, bytes, done, external.length - done, external.offset + done), external, fail);
      if (n === 0) fail(`external data '${external.location}' ended after ${done} of ${external.length} bytes`);
      done += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return bytes;
}

/** A file-system call whose failure (permissions, I/O) becomes a ModelError naming the external file. */
function fsCall<T>(call: () => T, external: ExternalData, fail: (cause: string) => never): T {
  try {
    return call();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    fail(`cannot read external data '${external.location}' (${code})`);
  }
}

// ---- sparse tensors ------------------------------------------------------------------------------

/**
 * A SparseTensorProto (values [NNZ], INT64 indices [NNZ] linear or [NNZ, rank]) as a dense OnnxTensor,
 * named after its values as onnx.proto says. Indices are range-checked when value() scatters them.
 */
export function sparseTensorFromProto(msg: SparseTensorMessage, origin: TensorOrigin): OnnxTensor {
  const name = msg.values?.name ?? '';
  const fail: (cause: string) => never = failer(origin, `sparse ${describe(name)}`);
  if (!msg.values || !msg.indices) fail('needs both values and indices');
  const values = tensorFromProto(msg.values, origin);
  const indices = tensorFromProto(msg.indices, origin);
  const { dims, elements } = checkedDims(msg.dims ?? [], fail);
  if (values.dims.length !== 1) fail(`values must be 1-D, got dims [${values.dims.join(', ')}]`);
  const nnz = values.dims[0]!;
  if (indices.dataType !== OnnxDataType.INT64) fail(`indices must be INT64, got ${onnxTypeName(indices.dataType)}`);
  const linear = indices.dims.length === 1 && indices.dims[0] === nnz;
  const perAxis = indices.dims.length === 2 && indices.dims[0] === nnz && indices.dims[1] === dims.length;
  if (!linear && !perAxis) fail(`indices dims [${indices.dims.join(', ')}] fit neither [${nnz}] nor [${nnz}, ${dims.length}]`);

  const load = (): Tensor => {
    const type = elementTypeFromOnnx(values.dataType);
    let dense: Storage;
    try {
      dense = allocStorage(type, elements);
    } catch {
      fail(`${elements} elements are too many to densify in memory`);
    }
    const v = values.value();
    const idx = indices.value();
    const strides = Shape.standardStrides(dims);
    for (let k = 0; k < nnz; k++) {
      let at = 0;
      if (linear) {
        at = Number(idx.rawAt(k));
      } else {
        for (let axis = 0; axis < dims.length; axis++) {
          const i = Number(idx.rawAt(k * dims.length + axis));
          if (i < 0 || i >= dims[axis]!) fail(`index ${i} on axis ${axis} is outside dims [${dims.join(', ')}]`);
          at += i * strides[axis]!;
        }
      }
      if (!(at >= 0 && at < elements)) fail(`index ${at} is outside the ${elements} elements of dims [${dims.join(', ')}]`);
      setRaw(dense, at, v.rawAt(k));
    }
    return new Tensor(new Shape(type, dims), dense);
  };
  return new LazyTensor(name, values.dataType, dims, load);
}
