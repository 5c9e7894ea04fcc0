// The decoded ONNX model as the importer sees it: plain objects over the protobuf messages, with
// tensors left as views into the file's bytes until someone asks for their values.
// Produced by src/onnx/load.ts (protobufjs), consumed by src/onnx/import.ts.

import type { Tensor } from '../ir/tensor.js';

/** TensorProto.DataType numbers (onnx.proto). */
export const OnnxDataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
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

export interface OnnxTensor {
  readonly name: string;
  /** TensorProto.DataType. */
  readonly dataType: number;
  readonly dims: readonly number[];
  /** Set when the data lives in an external file (already validated to stay inside the model folder). */
  readonly externalLocation?: string;
  /** Decodes (or views, when aligned) the values; throws ModelError on short / malformed data. */
  value(): Tensor;
}

export type OnnxAttribute =
  | { readonly name: string; readonly type: 'float'; readonly value: number }
  | { readonly name: string; readonly type: 'int'; readonly value: number }
  | { readonly name: string; readonly type: 'string'; readonly value: string }
  | { readonly name: string; readonly type: 'tensor'; readonly value: OnnxTensor }
  | { readonly name: string; readonly type: 'graph'; readonly value: OnnxGraph }
  | { readonly name: string; readonly type: 'floats'; readonly value: readonly number[] }
  | { readonly name: string; readonly type: 'ints'; readonly value: readonly number[] }
  | { readonly name: string; readonly type: 'strings'; readonly value: readonly string[] }
  | { readonly name: string; readonly type: 'tensors'; readonly value: readonly OnnxTensor[] }
  | { readonly name: string; readonly type: 'graphs'; readonly value: readonly OnnxGraph[] }
  | { readonly name: string; readonly type: 'type_proto'; readonly value: OnnxTypeInfo }
  /** A reference to an attribute of the enclosing function (AttributeProto.ref_attr_name). */
  | { readonly name: string; readonly type: 'ref'; readonly value: string };

export interface OnnxNode {
  /** NodeProto.name, or `<op_type>_<index>` when the model leaves it empty. */
  readonly name: string;
  readonly opType: string;
  /** '' for the default ONNX domain ('ai.onnx' is normalized to ''). */
  readonly domain: string;
  /** Input names; '' marks an omitted optional input. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: ReadonlyMap<string, OnnxAttribute>;
  /** Position in the graph's node list. */
  readonly index: number;
}

/** A value's type: tensor element type and dims; a dim is a number, a symbolic name, or unknown. */
export interface OnnxTypeInfo {
  /** TensorProto.DataType of a tensor type; undefined for non-tensor types (sequence, map, optional). */
  readonly elemType: number | undefined;
  /** undefined when the rank is unknown. */
  readonly dims: readonly (number | string | undefined)[] | undefined;
  /** 'tensor', 'sequence', 'map', 'optional', 'sparse_tensor', or 'unknown'. */
  readonly kind: string;
}

export interface OnnxValueInfo {
  readonly name: string;
  readonly type: OnnxTypeInfo | undefined;
}

export interface OnnxGraph {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  /** Initializers by name, in file order. */
  readonly initializers: ReadonlyMap<string, OnnxTensor>;
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  readonly valueInfo: readonly OnnxValueInfo[];
}

export interface OnnxFunction {
  readonly name: string;
  readonly domain: string;
  readonly overload: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Attribute names the function declares (without defaults). */
  readonly attributeNames: readonly string[];
  /** Attributes with default values. */
  readonly attributeDefaults: ReadonlyMap<string, OnnxAttribute>;
  readonly nodes: readonly OnnxNode[];
  readonly opsetImports: ReadonlyMap<string, number>;
}

export interface OnnxModel {
  /** The file it was read from (as given), for messages; '<memory>' when decoded from bytes. */
  readonly file: string;
  readonly irVersion: number;
  readonly producerName: string;
  readonly producerVersion: string;
  /** Opset version by domain ('' for the default ONNX domain). */
  readonly opsetImports: ReadonlyMap<string, number>;
  readonly graph: OnnxGraph;
  readonly functions: readonly OnnxFunction[];
  readonly metadata: ReadonlyMap<string, string>;
}
