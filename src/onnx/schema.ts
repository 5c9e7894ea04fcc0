// The ONNX protobuf schema (onnx/onnx.in.proto and onnx-data.in.proto, IR version 14), written out as a
// protobufjs JSON descriptor with upstream's field numbers, plus the decoded-message shapes load.ts reads.
// Not a full copy: doc-only and device/sharding messages are omitted (their fields decode as unknown
// and are skipped). Names keep upstream's snake_case, so decoded messages read like the .proto.
// NOTE: AttributeProto.type and TensorProto.data_location are declared int32 (wire-identical to the
// enums): proto2 enums are closed, and an unknown value would otherwise vanish into unknown fields.

import protobuf from 'protobufjs/light.js';

/** int64 as protobufjs decodes it: a long.js Long (exact) or, without long.js, a number. */
export type LongLike = number | { readonly low: number; readonly high: number; readonly unsigned: boolean };

// protobufjs only decodes int64 exactly when long.js is loaded (it is a dependency of protobufjs).
if (!protobuf.util.Long) throw new Error('protobufjs has no long.js: int64 fields would decode inexactly');

/** An int64 field's exact value. */
export function longToBigInt(v: LongLike): bigint {
  if (typeof v === 'number') return BigInt(v);
  const bits = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
  return v.unsigned ? bits : BigInt.asIntN(64, bits);
}

/** An int64 field as a number: exact up to 2^53, rounded beyond (INT64_MAX sentinels stay huge). */
export function longToNumber(v: LongLike): number {
  if (typeof v === 'number') return v;
  const high = v.unsigned ? v.high >>> 0 : v.high;
  return high * 2 ** 32 + (v.low >>> 0);
}

type FieldJson = { type: string; id: number; rule?: 'repeated'; options?: { packed: boolean } };

function field(type: string, id: number): FieldJson {
  return { type, id };
}

function repeated(type: string, id: number): FieldJson {
  return { type, id, rule: 'repeated' };
}

/** `repeated … [packed = true]` (proto2 repeated scalars are otherwise written unpacked). */
function packed(type: string, id: number): FieldJson {
  return { type, id, rule: 'repeated', options: { packed: true } };
}

/** A top-level proto2 message (protobufjs's JSON loader would otherwise assume proto3). */
function message(fields: Record<string, FieldJson>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { edition: 'proto2', fields, ...extra };
}

const onnxDescriptor = {
  nested: {
    onnx: {
      nested: {
        AttributeProto: message(
          {
            name: field('string', 1),
            ref_attr_name: field('string', 21),
            doc_string: field('string', 13),
            type: field('int32', 20),
            f: field('float', 2),
            i: field('int64', 3),
            s: field('bytes', 4),
            t: field('TensorProto', 5),
            g: field('GraphProto', 6),
            sparse_tensor: field('SparseTensorProto', 22),
            tp: field('TypeProto', 14),
            floats: repeated('float', 7),
            ints: repeated('int64', 8),
            strings: repeated('bytes', 9),
            tensors: repeated('TensorProto', 10),
            graphs: repeated('GraphProto', 11),
            sparse_tensors: repeated('SparseTensorProto', 23),
            type_protos: repeated('TypeProto', 15),
          },
          {
            nested: {
              AttributeType: {
                values: {
                  UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, SPARSE_TENSOR: 11, TYPE_PROTO: 13,
                  FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9, GRAPHS: 10, SPARSE_TENSORS: 12, TYPE_PROTOS: 14,
                },
              },
            },
          },
        ),
        ValueInfoProto: message({
          name: field('string', 1),
          type: field('TypeProto', 2),
          doc_string: field('string', 3),
          metadata_props: repeated('StringStringEntryProto', 4),
        }),
        NodeProto: message({
          input: repeated('string', 1),
          output: repeated('string', 2),
          name: field('string', 3),
          op_type: field('string', 4),
          domain: field('string', 7),
          overload: field('string', 8),
          attribute: repeated('AttributeProto', 5),
          doc_string: field('string', 6),
          metadata_props: repeated('StringStringEntryProto', 9),
          // device_configurations = 10 (NodeDeviceConfigurationProto) is left to the unknown-field path.
        }),
        TrainingInfoProto: message({
          initialization: field('GraphProto', 1),
          algorithm: field('GraphProto', 2),
          initialization_binding: repeated('StringStringEntryProto', 3),
          update_binding: repeated('StringStringEntryProto', 4),
        }),
        ModelProto: message({
          ir_version: field('int64', 1),
          opset_import: repeated('OperatorSetIdProto', 8),
          producer_name: field('string', 2),
          producer_version: field('string', 3),
          domain: field('string', 4),
          model_version: field('int64', 5),
          doc_string: field('string', 6),
          graph: field('GraphProto', 7),
          metadata_props: repeated('StringStringEntryProto', 14),
          training_info: repeated('TrainingInfoProto', 20),
          functions: repeated('FunctionProto', 25),
          configuration: repeated('DeviceConfigurationProto', 26),
        }),
        DeviceConfigurationProto: message({
          name: field('string', 1),
          num_devices: field('int32', 2),
          device: repeated('string', 3),
        }),
        StringStringEntryProto: message({
          key: field('string', 1),
          value: field('string', 2),
        }),
        TensorAnnotation: message({
          tensor_name: field('string', 1),
          quant_parameter_tensor_names: repeated('StringStringEntryProto', 2),
        }),
        GraphProto: message({
          node: repeated('NodeProto', 1),
          name: field('string', 2),
          initializer: repeated('TensorProto', 5),
          sparse_initializer: repeated('SparseTensorProto', 15),
          doc_string: field('string', 10),
          input: repeated('ValueInfoProto', 11),
          output: repeated('ValueInfoProto', 12),
          value_info: repeated('ValueInfoProto', 13),
          quantization_annotation: repeated('TensorAnnotation', 14),
          metadata_props: repeated('StringStringEntryProto', 16),
        }),
        TensorProto: message(
          {
            dims: repeated('int64', 1),
            data_type: field('int32', 2),
            segment: field('Segment', 3),
            float_data: packed('float', 4),
            int32_data: packed('int32', 5),
            string_data: repeated('bytes', 6),
            int64_data: packed('int64', 7),
            name: field('string', 8),
            doc_string: field('string', 12),
            raw_data: field('bytes', 9),
            external_data: repeated('StringStringEntryProto', 13),
            data_location: field('int32', 14),
            double_data: packed('double', 10),
            uint64_data: packed('uint64', 11),
            metadata_props: repeated('StringStringEntryProto', 16),
          },
          {
            nested: {
              Segment: { fields: { begin: field('int64', 1), end: field('int64', 2) } },
              DataType: {
                values: {
                  UNDEFINED: 0, FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8,
                  BOOL: 9, FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13, COMPLEX64: 14, COMPLEX128: 15,
                  BFLOAT16: 16, FLOAT8E4M3FN: 17, FLOAT8E4M3FNUZ: 18, FLOAT8E5M2: 19, FLOAT8E5M2FNUZ: 20,
                  UINT4: 21, INT4: 22, FLOAT4E2M1: 23, FLOAT8E8M0: 24, UINT2: 25, INT2: 26,
                },
              },
              DataLocation: { values: { DEFAULT: 0, EXTERNAL: 1 } },
            },
          },
        ),
        SparseTensorProto: message({
          values: field('TensorProto', 1),
          indices: field('TensorProto', 2),
          dims: repeated('int64', 3),
        }),
        TensorShapeProto: message(
          { dim: repeated('Dimension', 1) },
          {
            nested: {
              Dimension: {
                oneofs: { value: { oneof: ['dim_value', 'dim_param'] } },
                fields: {
                  dim_value: field('int64', 1),
                  dim_param: field('string', 2),
                  denotation: field('string', 3),
                },
              },
            },
          },
        ),
        TypeProto: message(
          {
            tensor_type: field('Tensor', 1),
            sequence_type: field('Sequence', 4),
            map_type: field('Map', 5),
            optional_type: field('Optional', 9),
            sparse_tensor_type: field('SparseTensor', 8),
            opaque_type: field('Opaque', 7),
            denotation: field('string', 6),
          },
          {
            oneofs: {
              value: { oneof: ['tensor_type', 'sequence_type', 'map_type', 'optional_type', 'sparse_tensor_type', 'opaque_type'] },
            },
            nested: {
              Tensor: { fields: { elem_type: field('int32', 1), shape: field('TensorShapeProto', 2) } },
              Sequence: { fields: { elem_type: field('TypeProto', 1) } },
              Map: { fields: { key_type: field('int32', 1), value_type: field('TypeProto', 2) } },
              Optional: { fields: { elem_type: field('TypeProto', 1) } },
              SparseTensor: { fields: { elem_type: field('int32', 1), shape: field('TensorShapeProto', 2) } },
              Opaque: { fields: { domain: field('string', 1), name: field('string', 2) } },
            },
          },
        ),
        OperatorSetIdProto: message({
          domain: field('string', 1),
          version: field('int64', 2),
        }),
        FunctionProto: message({
          name: field('string', 1),
          input: repeated('string', 4),
          output: repeated('string', 5),
          attribute: repeated('string', 6),
          attribute_proto: repeated('AttributeProto', 11),
          node: repeated('NodeProto', 7),
          doc_string: field('string', 8),
          opset_import: repeated('OperatorSetIdProto', 9),
          domain: field('string', 10),
          overload: field('string', 13),
          value_info: repeated('ValueInfoProto', 12),
          metadata_props: repeated('StringStringEntryProto', 14),
        }),
        // onnx-data.proto: the containers the backend test data uses for non-tensor values.
        SequenceProto: message({
          name: field('string', 1),
          elem_type: field('int32', 2),
          tensor_values: repeated('TensorProto', 3),
          sparse_tensor_values: repeated('SparseTensorProto', 4),
          sequence_values: repeated('SequenceProto', 5),
          map_values: repeated('MapProto', 6),
          optional_values: repeated('OptionalProto', 7),
        }),
        MapProto: message({
          name: field('string', 1),
          key_type: field('int32', 2),
          keys: repeated('int64', 3),
          string_keys: repeated('bytes', 4),
          values: field('SequenceProto', 5),
        }),
        OptionalProto: message({
          name: field('string', 1),
          elem_type: field('int32', 2),
          tensor_value: field('TensorProto', 3),
          sparse_tensor_value: field('SparseTensorProto', 4),
          sequence_value: field('SequenceProto', 5),
          map_value: field('MapProto', 6),
          optional_value: field('OptionalProto', 7),
        }),
      },
    },
  },
};

/** The protobufjs root holding every message above under the `onnx` package. */
export const onnxRoot: protobuf.Root = protobuf.Root.fromJSON(onnxDescriptor as protobuf.INamespace);

export const ModelProtoType = onnxRoot.lookupType('onnx.ModelProto');
export const GraphProtoType = onnxRoot.lookupType('onnx.GraphProto');
export const NodeProtoType = onnxRoot.lookupType('onnx.NodeProto');
export const AttributeProtoType = onnxRoot.lookupType('onnx.AttributeProto');
export const TensorProtoType = onnxRoot.lookupType('onnx.TensorProto');
export const SequenceProtoType = onnxRoot.lookupType('onnx.SequenceProto');
export const OptionalProtoType = onnxRoot.lookupType('onnx.OptionalProto');

/** AttributeProto.AttributeType numbers. */
export const AttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSOR: 11,
  SPARSE_TENSORS: 12,
  TYPE_PROTO: 13,
  TYPE_PROTOS: 14,
} as const;

/** TensorProto.DataLocation numbers. */
export const DataLocation = { DEFAULT: 0, EXTERNAL: 1 } as const;

// Decoded message shapes. Every field may be absent (proto2 `optional`); protobufjs fills absent
// repeated fields with empty arrays and absent scalars with their defaults from the prototype.

export interface StringStringEntryMessage {
  key?: string;
  value?: string;
}

export interface OperatorSetIdMessage {
  domain?: string;
  version?: LongLike;
}

export interface TensorMessage {
  dims?: LongLike[];
  data_type?: number;
  segment?: { begin?: LongLike; end?: LongLike } | null;
  float_data?: number[];
  int32_data?: number[];
  string_data?: Uint8Array[];
  int64_data?: LongLike[];
  name?: string;
  raw_data?: Uint8Array;
  external_data?: StringStringEntryMessage[];
  data_location?: number;
  double_data?: number[];
  uint64_data?: LongLike[];
}

export interface SparseTensorMessage {
  values?: TensorMessage | null;
  indices?: TensorMessage | null;
  dims?: LongLike[];
}

export interface DimensionMessage {
  dim_value?: LongLike;
  dim_param?: string;
  /** The oneof discriminator: which of dim_value / dim_param is set. */
  value?: 'dim_value' | 'dim_param';
}

export interface TensorShapeMessage {
  dim?: DimensionMessage[];
}

export interface TypeMessage {
  tensor_type?: { elem_type?: number; shape?: TensorShapeMessage | null } | null;
  sequence_type?: { elem_type?: TypeMessage | null } | null;
  map_type?: { key_type?: number; value_type?: TypeMessage | null } | null;
  optional_type?: { elem_type?: TypeMessage | null } | null;
  sparse_tensor_type?: { elem_type?: number; shape?: TensorShapeMessage | null } | null;
  opaque_type?: { domain?: string; name?: string } | null;
  /** The oneof discriminator. */
  value?: 'tensor_type' | 'sequence_type' | 'map_type' | 'optional_type' | 'sparse_tensor_type' | 'opaque_type';
}

export interface ValueInfoMessage {
  name?: string;
  type?: TypeMessage | null;
}

export interface AttributeMessage {
  name?: string;
  ref_attr_name?: string;
  type?: number;
  f?: number;
  i?: LongLike;
  s?: Uint8Array;
  t?: TensorMessage | null;
  g?: GraphMessage | null;
  sparse_tensor?: SparseTensorMessage | null;
  tp?: TypeMessage | null;
  floats?: number[];
  ints?: LongLike[];
  strings?: Uint8Array[];
  tensors?: TensorMessage[];
  graphs?: GraphMessage[];
  sparse_tensors?: SparseTensorMessage[];
  type_protos?: TypeMessage[];
}

export interface NodeMessage {
  input?: string[];
  output?: string[];
  name?: string;
  op_type?: string;
  domain?: string;
  overload?: string;
  attribute?: AttributeMessage[];
}

export interface GraphMessage {
  node?: NodeMessage[];
  name?: string;
  initializer?: TensorMessage[];
  sparse_initializer?: SparseTensorMessage[];
  input?: ValueInfoMessage[];
  output?: ValueInfoMessage[];
  value_info?: ValueInfoMessage[];
}

export interface FunctionMessage {
  name?: string;
  input?: string[];
  output?: string[];
  attribute?: string[];
  attribute_proto?: AttributeMessage[];
  node?: NodeMessage[];
  opset_import?: OperatorSetIdMessage[];
  domain?: string;
  overload?: string;
  value_info?: ValueInfoMessage[];
}

export interface ModelMessage {
  ir_version?: LongLike;
  opset_import?: OperatorSetIdMessage[];
  producer_name?: string;
  producer_version?: string;
  domain?: string;
  graph?: GraphMessage | null;
  metadata_props?: StringStringEntryMessage[];
  functions?: FunctionMessage[];
}

/** SequenceProto/OptionalProto.DataType: what a sequence or optional holds. */
export const ContainedKind = { UNDEFINED: 0, TENSOR: 1, SPARSE_TENSOR: 2, SEQUENCE: 3, MAP: 4, OPTIONAL: 5 } as const;

export interface SequenceMessage {
  name?: string;
  elem_type?: number;
  tensor_values?: TensorMessage[];
  sequence_values?: SequenceMessage[];
  optional_values?: OptionalMessage[];
}

export interface OptionalMessage {
  name?: string;
  elem_type?: number;
  tensor_value?: TensorMessage | null;
  sequence_value?: SequenceMessage | null;
  optional_value?: OptionalMessage | null;
}
