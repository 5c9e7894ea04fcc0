// A minimal protobuf walk over the ONNX backend test files, just enough for the cast checks:
// a TensorProto's dims, data_type and element codes, and the first node's op_type and int/string
// attributes. Deliberately independent of src/onnx (the real loader) so these tests judge numerics only.

/** ONNX TensorProto.DataType numbers used by the numerics tests. */
export const OnnxDataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  FLOAT16: 10,
  DOUBLE: 11,
  BFLOAT16: 16,
  FLOAT8E4M3FN: 17,
  FLOAT8E4M3FNUZ: 18,
  FLOAT8E5M2: 19,
  FLOAT8E5M2FNUZ: 20,
  UINT4: 21,
  INT4: 22,
  FLOAT4E2M1: 23,
  FLOAT8E8M0: 24,
  UINT2: 25,
  INT2: 26,
} as const;

interface Field {
  readonly number: number;
  readonly wireType: number;
  /** Varint value (wire type 0) or fixed value (1, 5); undefined for length-delimited fields. */
  readonly value?: bigint;
  /** Payload of a length-delimited field (wire type 2). */
  readonly bytes?: Uint8Array;
}

function readVarint(buf: Uint8Array, pos: { at: number }): bigint {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    const byte = buf[pos.at++];
    if (byte === undefined) throw new Error('truncated varint');
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return result;
    shift += 7n;
  }
}

/** Splits one message into its top-level fields, in order. */
function fieldsOf(buf: Uint8Array): Field[] {
  const fields: Field[] = [];
  const pos = { at: 0 };
  while (pos.at < buf.length) {
    const key = Number(readVarint(buf, pos));
    const number = key >>> 3;
    const wireType = key & 7;
    switch (wireType) {
      case 0:
        fields.push({ number, wireType, value: readVarint(buf, pos) });
        break;
      case 1: {
        const view = new DataView(buf.buffer, buf.byteOffset + pos.at, 8);
        fields.push({ number, wireType, value: view.getBigUint64(0, true) });
        pos.at += 8;
        break;
      }
      case 2: {
        const length = Number(readVarint(buf, pos));
        fields.push({ number, wireType, bytes: buf.subarray(pos.at, pos.at + length) });
        pos.at += length;
        break;
      }
      case 5: {
        const view = new DataView(buf.buffer, buf.byteOffset + pos.at, 4);
        fields.push({ number, wireType, value: BigInt(view.getUint32(0, true)) });
        pos.at += 4;
        break;
      }
      default:
        throw new Error(`unsupported wire type ${wireType}`);
    }
  }
  return fields;
}

/** Values of a repeated varint field, packed or not. */
function repeatedVarints(fields: Field[], number: number): bigint[] {
  const out: bigint[] = [];
  for (const f of fields) {
    if (f.number !== number) continue;
    if (f.bytes !== undefined) {
      const pos = { at: 0 };
      while (pos.at < f.bytes.length) out.push(readVarint(f.bytes, pos));
    } else if (f.value !== undefined) {
      out.push(f.value);
    }
  }
  return out;
}

export interface TensorFile {
  readonly dims: number[];
  readonly dataType: number;
  /** raw_data bytes, if the tensor stored its data there. */
  readonly raw?: Uint8Array;
  /** float_data (field 4) as float32 bit patterns. */
  readonly floatBits?: number[];
  /** int32_data (field 5): 16-bit and 8-bit types keep one element per entry here. */
  readonly int32Data?: number[];
}

export function decodeTensor(bytes: Uint8Array): TensorFile {
  const fields = fieldsOf(bytes);
  const dims = repeatedVarints(fields, 1).map(Number);
  const dataType = Number(repeatedVarints(fields, 2)[0] ?? 0n);
  const rawField = fields.find((f) => f.number === 9);
  const floatFields = fields.filter((f) => f.number === 4);
  const int32 = repeatedVarints(fields, 5).map((v) => Number(BigInt.asIntN(32, v)));
  const tensor: { -readonly [K in keyof TensorFile]: TensorFile[K] } = { dims, dataType };
  if (rawField?.bytes !== undefined) tensor.raw = rawField.bytes;
  if (floatFields.length > 0) {
    const bits: number[] = [];
    for (const f of floatFields) {
      if (f.bytes !== undefined) {
        const view = new DataView(f.bytes.buffer, f.bytes.byteOffset, f.bytes.length);
        for (let i = 0; i + 4 <= f.bytes.length; i += 4) bits.push(view.getUint32(i, true));
      } else if (f.value !== undefined) {
        bits.push(Number(f.value));
      }
    }
    tensor.floatBits = bits;
  }
  if (int32.length > 0) tensor.int32Data = int32;
  return tensor;
}

export function elementCount(t: TensorFile): number {
  return t.dims.reduce((a, b) => a * b, 1);
}

/** Bits per element of the tensor types these tests read. */
function bitsPerElement(dataType: number): number {
  switch (dataType) {
    case OnnxDataType.FLOAT:
    case OnnxDataType.INT32:
      return 32;
    case OnnxDataType.DOUBLE:
      return 64;
    case OnnxDataType.FLOAT16:
    case OnnxDataType.BFLOAT16:
      return 16;
    case OnnxDataType.UINT4:
    case OnnxDataType.INT4:
    case OnnxDataType.FLOAT4E2M1:
      return 4;
    case OnnxDataType.UINT2:
    case OnnxDataType.INT2:
      return 2;
    default:
      return 8;
  }
}

/**
 * The stored code of every element as an unsigned integer of the element's width (float32 and
 * float16 bits, fp8 bytes, fp4 nibbles). Packed sub-byte types are unpacked low bits first.
 * Doubles are returned as their values, not bits (the cast tests only read them as inputs).
 */
export function elementCodes(t: TensorFile): number[] {
  const n = elementCount(t);
  const width = bitsPerElement(t.dataType);
  if (t.raw !== undefined) {
    const view = new DataView(t.raw.buffer, t.raw.byteOffset, t.raw.length);
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      switch (width) {
        case 64:
          out.push(view.getFloat64(i * 8, true));
          break;
        case 32:
          out.push(view.getUint32(i * 4, true));
          break;
        case 16:
          out.push(view.getUint16(i * 2, true));
          break;
        case 8:
          out.push(view.getUint8(i));
          break;
        default: {
          const perByte = 8 / width;
          const byte = view.getUint8(Math.floor(i / perByte));
          out.push((byte >> ((i % perByte) * width)) & ((1 << width) - 1));
        }
      }
    }
    return out;
  }
  if (t.floatBits !== undefined) return t.floatBits.slice(0, n);
  if (t.int32Data !== undefined) {
    if (width >= 8) return t.int32Data.slice(0, n).map((v) => v & (width === 32 ? 0xffffffff : (1 << width) - 1));
    const perEntry = 8 / width; // sub-byte types pack one byte per int32 entry
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const byte = t.int32Data[Math.floor(i / perEntry)]! & 0xff;
      out.push((byte >> ((i % perEntry) * width)) & ((1 << width) - 1));
    }
    return out;
  }
  if (n === 0) return [];
  throw new Error(`tensor of type ${t.dataType} has no data this walker understands`);
}

export interface NodeFile {
  readonly opType: string;
  readonly ints: ReadonlyMap<string, number>;
  readonly strings: ReadonlyMap<string, string>;
}

/** The first node of a ModelProto's graph, with its INT and STRING attributes. */
export function firstNode(modelBytes: Uint8Array): NodeFile {
  const text = new TextDecoder();
  const graph = fieldsOf(modelBytes).find((f) => f.number === 7)?.bytes;
  if (graph === undefined) throw new Error('model has no graph');
  const node = fieldsOf(graph).find((f) => f.number === 1)?.bytes;
  if (node === undefined) throw new Error('graph has no node');
  const nodeFields = fieldsOf(node);
  const opType = text.decode(nodeFields.find((f) => f.number === 4)?.bytes ?? new Uint8Array());
  const ints = new Map<string, number>();
  const strings = new Map<string, string>();
  for (const attr of nodeFields.filter((f) => f.number === 5)) {
    const attrFields = fieldsOf(attr.bytes!);
    const name = text.decode(attrFields.find((f) => f.number === 1)?.bytes ?? new Uint8Array());
    const i = attrFields.find((f) => f.number === 3)?.value;
    const s = attrFields.find((f) => f.number === 4)?.bytes;
    if (i !== undefined) ints.set(name, Number(BigInt.asIntN(64, i)));
    if (s !== undefined) strings.set(name, text.decode(s));
  }
  return { opType, ints, strings };
}
