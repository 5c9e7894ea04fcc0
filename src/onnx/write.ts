// Writing ONNX files, the inverse of load.ts: a small typed description of a model (ModelSpec) →
// ModelProto bytes, and one IR Tensor → TensorProto bytes (raw_data, sub-byte types packed as onnx.proto
// says). Used by the example generators, the tests and the `export` command. It writes what it is
// given; it does not check that the graph is valid ONNX (load.ts and the importer do).

import { type ElementType, typeSize } from '../ir/types.js';
import { type Tensor } from '../ir/tensor.js';
import {
  AttributeType,
  DataLocation,
  ModelProtoType,
  TensorProtoType,
  type AttributeMessage,
  type DimensionMessage,
  type GraphMessage,
  type LongLike,
  type ModelMessage,
  type NodeMessage,
  type TensorMessage,
  type TypeMessage,
  type ValueInfoMessage,
} from './schema.js';
import { onnxBitsPerElement, onnxFromElementType } from './tensor.js';

/** A graph input, output or value info: element type and dims (number, symbolic name, or unknown). */
export interface ValueSpec {
  readonly name: string;
  readonly elemType: ElementType;
  /** Omitted: rank unknown. An undefined entry: that dim is unknown. */
  readonly dims?: readonly (number | string | undefined)[];
}

/** An attribute's value, tagged with its ONNX type as OnnxAttribute is (tensors as IR tensors). */
export type AttributeSpec =
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'int'; readonly value: number | bigint }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'tensor'; readonly value: Tensor }
  | { readonly type: 'graph'; readonly value: GraphSpec }
  | { readonly type: 'floats'; readonly value: readonly number[] }
  | { readonly type: 'ints'; readonly value: readonly (number | bigint)[] }
  | { readonly type: 'strings'; readonly value: readonly string[] }
  | { readonly type: 'tensors'; readonly value: readonly Tensor[] }
  | { readonly type: 'graphs'; readonly value: readonly GraphSpec[] }
  /** Inside a function body: take the value of the function's attribute `value`, of type `refType`. */
  | { readonly type: 'ref'; readonly value: string; readonly refType: RefAttributeType };

export type RefAttributeType = 'float' | 'int' | 'string' | 'tensor' | 'graph' | 'floats' | 'ints' | 'strings' | 'tensors' | 'graphs';

export interface NodeSpec {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Omitted: written without a name (the loader then calls it `<op_type>_<index>`). */
  readonly name?: string;
  /** Omitted or '': the default ONNX domain. */
  readonly domain?: string;
  readonly attributes?: Readonly<Record<string, AttributeSpec>>;
}

/** An initializer whose bytes live in a file next to the model (written by the caller). */
export interface ExternalTensorSpec {
  readonly name: string;
  readonly elemType: ElementType;
  readonly dims: readonly number[];
  /** Relative to the model's folder. */
  readonly location: string;
  readonly offset?: number;
  readonly length?: number;
}

export interface GraphSpec {
  readonly name: string;
  readonly inputs: readonly ValueSpec[];
  readonly outputs: readonly ValueSpec[];
  readonly nodes: readonly NodeSpec[];
  /** Written as raw_data, in iteration order. */
  readonly initializers?: ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>;
  readonly externalInitializers?: readonly ExternalTensorSpec[];
  readonly valueInfo?: readonly ValueSpec[];
}

export interface FunctionSpec {
  readonly name: string;
  readonly domain: string;
  readonly overload?: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Attributes the function takes without a default. */
  readonly attributes?: readonly string[];
  readonly attributeDefaults?: Readonly<Record<string, AttributeSpec>>;
  readonly nodes: readonly NodeSpec[];
  readonly opsetImports: Readonly<Record<string, number>>;
}

export interface ModelSpec {
  /** Opset version by domain ('' for the default ONNX domain). */
  readonly opsetImports: Readonly<Record<string, number>>;
  readonly graph: GraphSpec;
  readonly functions?: readonly FunctionSpec[];
  /** Omitted: the IR version ONNX pairs with the default-domain opset (10 up to opset 22, 13 from 25). */
  readonly irVersion?: number;
  readonly producerName?: string;
  readonly producerVersion?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

/** The ModelProto bytes of `spec`. */
export function encodeModel(spec: ModelSpec): Uint8Array {
  const model: ModelMessage = {
    ir_version: spec.irVersion ?? defaultIrVersion(spec.opsetImports[''] ?? spec.opsetImports['ai.onnx'] ?? 0),
    producer_name: spec.producerName ?? 'onnx-fp8',
    producer_version: spec.producerVersion ?? '',
    opset_import: Object.entries(spec.opsetImports).map(([domain, version]) => ({ domain, version })),
    graph: graphMessage(spec.graph),
    functions: (spec.functions ?? []).map((f) => ({
      name: f.name,
      domain: f.domain,
      overload: f.overload ?? '',
      input: [...f.inputs],
      output: [...f.outputs],
      attribute: [...(f.attributes ?? [])],
      attribute_proto: Object.entries(f.attributeDefaults ?? {}).map(([name, a]) => attributeMessage(name, a)),
      node: f.nodes.map(nodeMessage),
      opset_import: Object.entries(f.opsetImports).map(([domain, version]) => ({ domain, version })),
    })),
    metadata_props: Object.entries(spec.metadata ?? {}).map(([key, value]) => ({ key, value })),
  };
  return ModelProtoType.encode(model).finish();
}

/** One TensorProto (what the backend tests' input_N.pb files hold): dims, data_type and raw_data. */
export function encodeTensor(name: string, tensor: Tensor): Uint8Array {
  return TensorProtoType.encode(tensorMessage(name, tensor)).finish();
}

/** ONNX release table (onnx/helper.py VERSION_TABLE): the IR version that came with each opset. */
function defaultIrVersion(opset: number): number {
  if (opset >= 25) return 13;
  if (opset === 24) return 12;
  if (opset === 23) return 11;
  return 10;
}

function graphMessage(g: GraphSpec): GraphMessage {
  const initializers = g.initializers instanceof Map ? [...g.initializers] : Object.entries(g.initializers ?? {});
  return {
    name: g.name,
    node: g.nodes.map(nodeMessage),
    initializer: [...initializers.map(([name, t]) => tensorMessage(name, t)), ...(g.externalInitializers ?? []).map(externalTensorMessage)],
    input: g.inputs.map(valueInfoMessage),
    output: g.outputs.map(valueInfoMessage),
    value_info: (g.valueInfo ?? []).map(valueInfoMessage),
  };
}

function nodeMessage(n: NodeSpec): NodeMessage {
  const message: NodeMessage = {
    op_type: n.opType,
    input: [...n.inputs],
    output: [...n.outputs],
    attribute: Object.entries(n.attributes ?? {}).map(([name, a]) => attributeMessage(name, a)),
  };
  if (n.name) message.name = n.name;
  if (n.domain) message.domain = n.domain;
  return message;
}

const utf8 = new TextEncoder();

const ATTRIBUTE_TYPES: Record<RefAttributeType, number> = {
  float: AttributeType.FLOAT,
  int: AttributeType.INT,
  string: AttributeType.STRING,
  tensor: AttributeType.TENSOR,
  graph: AttributeType.GRAPH,
  floats: AttributeType.FLOATS,
  ints: AttributeType.INTS,
  strings: AttributeType.STRINGS,
  tensors: AttributeType.TENSORS,
  graphs: AttributeType.GRAPHS,
};

function attributeMessage(name: string, a: AttributeSpec): AttributeMessage {
  switch (a.type) {
    case 'float':
      return { name, type: AttributeType.FLOAT, f: a.value };
    case 'int':
      return { name, type: AttributeType.INT, i: int64Field(a.value) };
    case 'string':
      return { name, type: AttributeType.STRING, s: utf8.encode(a.value) };
    case 'tensor':
      return { name, type: AttributeType.TENSOR, t: tensorMessage('', a.value) };
    case 'graph':
      return { name, type: AttributeType.GRAPH, g: graphMessage(a.value) };
    case 'floats':
      return { name, type: AttributeType.FLOATS, floats: [...a.value] };
    case 'ints':
      return { name, type: AttributeType.INTS, ints: a.value.map(int64Field) };
    case 'strings':
      return { name, type: AttributeType.STRINGS, strings: a.value.map((s) => utf8.encode(s)) };
    case 'tensors':
      return { name, type: AttributeType.TENSORS, tensors: a.value.map((t) => tensorMessage('', t)) };
    case 'graphs':
      return { name, type: AttributeType.GRAPHS, graphs: a.value.map(graphMessage) };
    case 'ref':
      return { name, type: ATTRIBUTE_TYPES[a.refType], ref_attr_name: a.value };
    default:
      return a satisfies never;
  }
}

/** An int64 for protobufjs's writer: numbers as they are, bigints as the two 32-bit halves (exact). */
function int64Field(v: number | bigint): LongLike {
  if (typeof v === 'number') return v;
  const bits = BigInt.asUintN(64, v);
  return { low: Number(bits & 0xffffffffn) | 0, high: Number(bits >> 32n) | 0, unsigned: false };
}

function valueInfoMessage(v: ValueSpec): ValueInfoMessage {
  const tensorType: NonNullable<TypeMessage['tensor_type']> = { elem_type: onnxFromElementType(v.elemType) };
  if (v.dims !== undefined) tensorType.shape = { dim: v.dims.map(dimensionMessage) };
  return { name: v.name, type: { tensor_type: tensorType } };
}

function dimensionMessage(d: number | string | undefined): DimensionMessage {
  if (typeof d === 'number') return { dim_value: d };
  if (typeof d === 'string') return { dim_param: d };
  return {};
}

function tensorMessage(name: string, tensor: Tensor): TensorMessage {
  const message: TensorMessage = {
    dims: [...tensor.shape.lens],
    data_type: onnxFromElementType(tensor.type),
    raw_data: rawBytes(tensor),
  };
  if (name) message.name = name;
  return message;
}

function externalTensorMessage(spec: ExternalTensorSpec): TensorMessage {
  const entries = [{ key: 'location', value: spec.location }];
  if (spec.offset !== undefined) entries.push({ key: 'offset', value: String(spec.offset) });
  if (spec.length !== undefined) entries.push({ key: 'length', value: String(spec.length) });
  return {
    name: spec.name,
    dims: [...spec.dims],
    data_type: onnxFromElementType(spec.elemType),
    data_location: DataLocation.EXTERNAL,
    external_data: entries,
  };
}

/**
 * A tensor's elements in ONNX's raw_data layout: little-endian, row-major, int4/uint4/fp4 two per byte
 * and int2/uint2 four per byte, first element in the low bits. A view when the tensor is already packed.
 */
export function rawBytes(tensor: Tensor): Uint8Array {
  const t = tensor.contiguous();
  const n = t.shape.elements();
  const bits = onnxBitsPerElement(t.type);
  if (bits < 8) return packSubByte(t.data as Int8Array | Uint8Array, n, bits);
  const size = typeSize(t.type);
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset + t.offset * size, n * size);
  if (t.type === 'bool_type') return bytes.map((b) => (b !== 0 ? 1 : 0));
  return bytes;
}

function packSubByte(codes: Int8Array | Uint8Array, elements: number, bits: number): Uint8Array {
  const perByte = 8 / bits;
  const mask = (1 << bits) - 1;
  const out = new Uint8Array(Math.ceil(elements / perByte));
  for (let i = 0; i < elements; i++) {
    out[Math.floor(i / perByte)]! |= (codes[i]! & mask) << ((i % perByte) * bits);
  }
  return out;
}
