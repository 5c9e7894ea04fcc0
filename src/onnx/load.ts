// Reading ONNX files: bytes → protobufjs messages (schema.ts) → the plain OnnxModel of model.ts, and
// the backend tests' .pb value files. Every problem with the bytes becomes a one-line ModelError naming
// the file and, where there is one, the node or tensor. Tensors stay views into the bytes until their
// value() is asked for (tensor.ts). This file does not interpret ops; src/onnx/import.ts does.

import fs from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs/light.js';
import { ModelError } from '../errors.js';
import { type Tensor } from '../ir/tensor.js';
import type {
  OnnxAttribute,
  OnnxFunction,
  OnnxGraph,
  OnnxModel,
  OnnxNode,
  OnnxTensor,
  OnnxTypeInfo,
  OnnxValueInfo,
} from './model.js';
import {
  type AttributeMessage,
  AttributeType,
  ContainedKind,
  type FunctionMessage,
  type GraphMessage,
  type LongLike,
  longToNumber,
  type ModelMessage,
  ModelProtoType,
  type NodeMessage,
  type OperatorSetIdMessage,
  type OptionalMessage,
  OptionalProtoType,
  type SequenceMessage,
  SequenceProtoType,
  type TensorMessage,
  TensorProtoType,
  type TensorShapeMessage,
  type TypeMessage,
  type ValueInfoMessage,
} from './schema.js';
import { sparseTensorFromProto, tensorFromProto, type TensorOrigin } from './tensor.js';

/** Reads and decodes an .onnx file; external data resolves relative to the file's folder. */
export function loadModelFile(file: string): OnnxModel {
  return decodeModel(readFileBytes(file), file, path.dirname(file));
}

/**
 * Decodes ONNX model bytes. `file` names the source in messages; `baseDir` is the folder external data
 * is read from (without it, a model with external data is refused). Initializers keep viewing `bytes`.
 */
export function decodeModel(bytes: Uint8Array, file = '<memory>', baseDir?: string): OnnxModel {
  const model = decodeMessage<ModelMessage>(ModelProtoType, bytes, file, 'an ONNX model');
  if (!model.graph) throw new ModelError('not an ONNX model: ModelProto.graph is missing', { file });
  const ctx: TensorOrigin = { file, baseDir };
  return {
    file,
    irVersion: longToNumber(model.ir_version ?? 0),
    producerName: model.producer_name ?? '',
    producerVersion: model.producer_version ?? '',
    opsetImports: opsetMap(model.opset_import ?? []),
    graph: graphFromProto(model.graph, ctx),
    functions: (model.functions ?? []).map((f) => functionFromProto(f, ctx)),
    metadata: new Map((model.metadata_props ?? []).map((e) => [e.key ?? '', e.value ?? ''])),
  };
}

/** A backend-test value file (`input_0.pb`): one serialized TensorProto, decoded eagerly. */
export function loadTensorFile(file: string): { name: string; tensor: Tensor } {
  const msg = decodeMessage<TensorMessage>(TensorProtoType, readFileBytes(file), file, 'a TensorProto');
  const tensor = tensorFromProto(msg, { file, baseDir: path.dirname(file) });
  return { name: tensor.name, tensor: tensor.value() };
}

/** A value of the backend test data: a tensor, a sequence of values, or an optional one. */
export type OnnxValue =
  | { readonly kind: 'tensor'; readonly tensor: Tensor }
  | { readonly kind: 'sequence'; readonly items: readonly OnnxValue[] }
  | { readonly kind: 'optional'; readonly value: OnnxValue | undefined };

/**
 * A backend-test value file of the kind the graph's value info names: a TensorProto ('tensor'), a
 * SequenceProto ('sequence') or an OptionalProto ('optional'); the file's own elem_type fields say what
 * the containers hold. Maps and sparse tensors are refused.
 */
export function loadValueFile(file: string, kind: 'tensor' | 'sequence' | 'optional'): { name: string; value: OnnxValue } {
  const origin: TensorOrigin = { file, baseDir: path.dirname(file) };
  switch (kind) {
    case 'tensor': {
      const { name, tensor } = loadTensorFile(file);
      return { name, value: { kind, tensor } };
    }
    case 'sequence': {
      const msg = decodeMessage<SequenceMessage>(SequenceProtoType, readFileBytes(file), file, 'a SequenceProto');
      return { name: msg.name ?? '', value: sequenceValue(msg, origin) };
    }
    case 'optional': {
      const msg = decodeMessage<OptionalMessage>(OptionalProtoType, readFileBytes(file), file, 'an OptionalProto');
      return { name: msg.name ?? '', value: optionalValue(msg, origin) };
    }
    default:
      return kind satisfies never;
  }
}

function sequenceValue(msg: SequenceMessage, origin: TensorOrigin): OnnxValue {
  const elemType = msg.elem_type ?? ContainedKind.UNDEFINED;
  switch (elemType) {
    case ContainedKind.TENSOR:
      return { kind: 'sequence', items: (msg.tensor_values ?? []).map((t) => ({ kind: 'tensor', tensor: tensorFromProto(t, origin).value() })) };
    case ContainedKind.SEQUENCE:
      return { kind: 'sequence', items: (msg.sequence_values ?? []).map((s) => sequenceValue(s, origin)) };
    case ContainedKind.OPTIONAL:
      return { kind: 'sequence', items: (msg.optional_values ?? []).map((o) => optionalValue(o, origin)) };
    case ContainedKind.UNDEFINED:
      return { kind: 'sequence', items: [] };
    default:
      throw new ModelError(`sequences of element kind ${elemType} (sparse tensors, maps) are not supported`, { file: origin.file });
  }
}

function optionalValue(msg: OptionalMessage, origin: TensorOrigin): OnnxValue {
  const elemType = msg.elem_type ?? ContainedKind.UNDEFINED;
  switch (elemType) {
    case ContainedKind.TENSOR:
      return { kind: 'optional', value: msg.tensor_value ? { kind: 'tensor', tensor: tensorFromProto(msg.tensor_value, origin).value() } : undefined };
    case ContainedKind.SEQUENCE:
      return { kind: 'optional', value: msg.sequence_value ? sequenceValue(msg.sequence_value, origin) : undefined };
    case ContainedKind.OPTIONAL:
      return { kind: 'optional', value: msg.optional_value ? optionalValue(msg.optional_value, origin) : undefined };
    case ContainedKind.UNDEFINED:
      return { kind: 'optional', value: undefined };
    default:
      throw new ModelError(`optionals of element kind ${elemType} (sparse tensors, maps) are not supported`, { file: origin.file });
  }
}

// ---- bytes → messages ----------------------------------------------------------------------------

function readFileBytes(file: string): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    switch (code) {
      case 'ENOENT':
        throw new ModelError('file not found', { file });
      case 'EISDIR':
        throw new ModelError('is a folder, not a file', { file });
      case 'ERR_FS_FILE_TOO_LARGE':
        throw new ModelError('larger than 2 GiB; store the weights as external data', { file });
      default:
        throw new ModelError(`cannot read the file (${code ?? String(e)})`, { file });
    }
  }
}

/** Decodes one message, turning protobufjs's RangeError/Error into a ModelError, then checks wire types. */
function decodeMessage<T>(type: protobuf.Type, bytes: Uint8Array, file: string, expected: string): T {
  if (bytes.length === 0) throw new ModelError(`the file is empty (0 bytes), not ${expected}`, { file });
  let msg: protobuf.Message;
  try {
    // Unknown fields are kept (not protobufjs's default) so checkWireTypes can see misplaced known ones.
    const reader = protobuf.Reader.create(bytes);
    reader.discardUnknown = false;
    msg = type.decode(reader);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new ModelError(`not ${expected}: the protobuf is truncated or corrupt (${oneLine(why)})`, { file });
  }
  checkWireTypes(msg, file, expected);
  return msg as unknown as T;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/**
 * protobufjs keeps a known field that arrives with the wrong wire type as an unknown field instead of
 * failing; such a field means the bytes are corrupt or not this message, so it is refused here.
 * Unknown field numbers (newer ONNX versions) are ignored. Iterative, so nesting cannot overflow the stack.
 */
function checkWireTypes(root: protobuf.Message, file: string, expected: string): void {
  type Decoded = Record<string, unknown> & { $type: protobuf.Type; $unknowns?: Uint8Array[] };
  const pending: Decoded[] = [root as unknown as Decoded];
  while (pending.length > 0) {
    const msg = pending.pop()!;
    const type = msg.$type;
    for (const chunk of msg.$unknowns ?? []) {
      const tag = readVarint(chunk);
      const known = type.fieldsById[Math.floor(tag / 8)];
      if (known) {
        throw new ModelError(
          `not ${expected}: field ${type.name}.${known.name} (#${known.id}) has wire type ${tag % 8}, which a ${known.type} field never has; the protobuf is corrupt`,
          { file },
        );
      }
    }
    for (const field of type.fieldsArray) {
      if (!field.resolvedType || !('fieldsArray' in field.resolvedType)) continue; // not a message field
      const value = msg[field.name];
      if (Array.isArray(value)) {
        for (const item of value) pending.push(item as Decoded);
      } else if (value) {
        pending.push(value as Decoded);
      }
    }
  }
}

/** The varint at the start of `bytes` (a field tag: number·8 + wire type). */
function readVarint(bytes: Uint8Array): number {
  let value = 0;
  for (let i = 0; i < Math.min(bytes.length, 5); i++) {
    value += (bytes[i]! & 0x7f) * 2 ** (7 * i);
    if (bytes[i]! < 0x80) break;
  }
  return value;
}

// ---- messages → model ----------------------------------------------------------------------------

/** 'ai.onnx' and '' both name the default ONNX domain; the model uses ''. */
function normalizeDomain(domain: string | undefined): string {
  return domain === 'ai.onnx' ? '' : (domain ?? '');
}

function opsetMap(imports: readonly OperatorSetIdMessage[]): Map<string, number> {
  const opsets = new Map<string, number>();
  for (const o of imports) {
    const domain = normalizeDomain(o.domain);
    const version = longToNumber(o.version ?? 0);
    // A domain listed twice keeps its highest version (onnx.proto: nodes bind to the highest).
    opsets.set(domain, Math.max(version, opsets.get(domain) ?? version));
  }
  return opsets;
}

function graphFromProto(g: GraphMessage, ctx: TensorOrigin): OnnxGraph {
  const initializers = new Map<string, OnnxTensor>();
  const addInitializer = (tensor: OnnxTensor, index: number): void => {
    const where = `graph '${g.name ?? ''}'`;
    if (tensor.name === '') throw new ModelError(`${where}: initializer #${index} has no name`, { file: ctx.file });
    if (initializers.has(tensor.name)) throw new ModelError(`${where}: initializer '${tensor.name}' is defined twice`, { file: ctx.file });
    initializers.set(tensor.name, tensor);
  };
  (g.initializer ?? []).forEach((t, i) => addInitializer(tensorFromProto(t, ctx), i));
  (g.sparse_initializer ?? []).forEach((t, i) => addInitializer(sparseTensorFromProto(t, ctx), i));
  return {
    name: g.name ?? '',
    nodes: (g.node ?? []).map((n, i) => nodeFromProto(n, i, ctx)),
    initializers,
    inputs: (g.input ?? []).map(valueInfoFromProto),
    outputs: (g.output ?? []).map(valueInfoFromProto),
    valueInfo: (g.value_info ?? []).map(valueInfoFromProto),
  };
}

function nodeFromProto(n: NodeMessage, index: number, ctx: TensorOrigin): OnnxNode {
  const opType = n.op_type ?? '';
  if (opType === '') throw new ModelError(`node #${index} has no op_type`, { file: ctx.file, node: n.name || undefined });
  const name = n.name || `${opType}_${index}`;
  const nodeCtx: TensorOrigin = { ...ctx, node: name, opType };
  const attributes = new Map<string, OnnxAttribute>();
  for (const a of n.attribute ?? []) {
    const attribute = attributeFromProto(a, nodeCtx);
    if (attributes.has(attribute.name)) throw nodeError(nodeCtx, `attribute '${attribute.name}' is given twice`);
    attributes.set(attribute.name, attribute);
  }
  return {
    name,
    opType,
    domain: normalizeDomain(n.domain),
    inputs: [...(n.input ?? [])],
    outputs: [...(n.output ?? [])],
    attributes,
    index,
  };
}

function nodeError(ctx: TensorOrigin, cause: string): ModelError {
  return new ModelError(cause, { file: ctx.file, node: ctx.node, opType: ctx.opType });
}

const utf8 = new TextDecoder('utf-8');

/** A bytes field as decoded; a damaged file can leave something else there (protobufjs does not check). */
function bytesField(v: unknown, attribute: string, ctx: TensorOrigin): Uint8Array {
  if (v === undefined || v === null) return new Uint8Array();
  if (v instanceof Uint8Array) return v;
  throw nodeError(ctx, `attribute '${attribute}' holds malformed string data`);
}

function attributeFromProto(a: AttributeMessage, ctx: TensorOrigin): OnnxAttribute {
  const name = a.name ?? '';
  if (name === '') throw nodeError(ctx, 'an attribute has no name');
  if (a.ref_attr_name) return { name, type: 'ref', value: a.ref_attr_name };
  const type = a.type ?? AttributeType.UNDEFINED;
  switch (type) {
    case AttributeType.FLOAT:
      return { name, type: 'float', value: a.f ?? 0 };
    case AttributeType.INT:
      return { name, type: 'int', value: longToNumber(a.i ?? 0) };
    case AttributeType.STRING:
      return { name, type: 'string', value: utf8.decode(bytesField(a.s, name, ctx)) };
    case AttributeType.TENSOR:
      if (!a.t) throw nodeError(ctx, `attribute '${name}' is a TENSOR but holds none`);
      return { name, type: 'tensor', value: tensorFromProto(a.t, ctx) };
    case AttributeType.SPARSE_TENSOR:
      // Densified: a sparse Constant means the same values as its dense form.
      if (!a.sparse_tensor) throw nodeError(ctx, `attribute '${name}' is a SPARSE_TENSOR but holds none`);
      return { name, type: 'tensor', value: sparseTensorFromProto(a.sparse_tensor, ctx) };
    case AttributeType.GRAPH:
      if (!a.g) throw nodeError(ctx, `attribute '${name}' is a GRAPH but holds none`);
      return { name, type: 'graph', value: graphFromProto(a.g, ctx) };
    case AttributeType.TYPE_PROTO:
      if (!a.tp) throw nodeError(ctx, `attribute '${name}' is a TYPE_PROTO but holds none`);
      return { name, type: 'type_proto', value: typeInfoFromProto(a.tp) };
    case AttributeType.FLOATS:
      return { name, type: 'floats', value: [...(a.floats ?? [])] };
    case AttributeType.INTS:
      return { name, type: 'ints', value: (a.ints ?? []).map((v: LongLike) => longToNumber(v)) };
    case AttributeType.STRINGS:
      return { name, type: 'strings', value: (a.strings ?? []).map((s) => utf8.decode(bytesField(s, name, ctx))) };
    case AttributeType.TENSORS:
      return { name, type: 'tensors', value: (a.tensors ?? []).map((t) => tensorFromProto(t, ctx)) };
    case AttributeType.SPARSE_TENSORS:
      return { name, type: 'tensors', value: (a.sparse_tensors ?? []).map((t) => sparseTensorFromProto(t, ctx)) };
    case AttributeType.GRAPHS:
      return { name, type: 'graphs', value: (a.graphs ?? []).map((g) => graphFromProto(g, ctx)) };
    case AttributeType.TYPE_PROTOS:
      throw nodeError(ctx, `attribute '${name}' has type TYPE_PROTOS, which onnx-fp8 does not support`);
    case AttributeType.UNDEFINED:
      throw nodeError(ctx, `attribute '${name}' has no type (AttributeProto.type is missing)`);
    default:
      throw nodeError(ctx, `attribute '${name}' has unknown type ${type}`);
  }
}

function valueInfoFromProto(v: ValueInfoMessage): OnnxValueInfo {
  return { name: v.name ?? '', type: v.type ? typeInfoFromProto(v.type) : undefined };
}

function typeInfoFromProto(t: TypeMessage): OnnxTypeInfo {
  switch (t.value) {
    case 'tensor_type':
      return { kind: 'tensor', elemType: t.tensor_type?.elem_type, dims: dimsFromShape(t.tensor_type?.shape) };
    case 'sparse_tensor_type':
      return { kind: 'sparse_tensor', elemType: t.sparse_tensor_type?.elem_type, dims: dimsFromShape(t.sparse_tensor_type?.shape) };
    case 'sequence_type':
      return { kind: 'sequence', elemType: undefined, dims: undefined };
    case 'map_type':
      return { kind: 'map', elemType: undefined, dims: undefined };
    case 'optional_type':
      return { kind: 'optional', elemType: undefined, dims: undefined };
    case 'opaque_type':
    case undefined:
      return { kind: 'unknown', elemType: undefined, dims: undefined };
    default:
      return t.value satisfies never;
  }
}

/** Dims of a value's shape: numbers, symbolic names, or undefined when unknown; undefined rank without a shape. */
function dimsFromShape(shape: TensorShapeMessage | null | undefined): (number | string | undefined)[] | undefined {
  if (!shape) return undefined;
  return (shape.dim ?? []).map((d) => {
    if (d.value === 'dim_value') {
      const n = longToNumber(d.dim_value ?? 0);
      // Some exporters write -1 for a dynamic dim; that means "unknown", as an absent dim does.
      return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
    }
    if (d.value === 'dim_param' && d.dim_param) return d.dim_param;
    return undefined;
  });
}

function functionFromProto(f: FunctionMessage, ctx: TensorOrigin): OnnxFunction {
  const attributeDefaults = new Map<string, OnnxAttribute>();
  for (const a of f.attribute_proto ?? []) {
    try {
      const attribute = attributeFromProto(a, ctx);
      attributeDefaults.set(attribute.name, attribute);
    } catch (e) {
      if (e instanceof ModelError) throw new ModelError(`function '${f.name ?? ''}': ${e.cause_}`, { file: ctx.file });
      throw e;
    }
  }
  return {
    name: f.name ?? '',
    domain: normalizeDomain(f.domain),
    overload: f.overload ?? '',
    inputs: [...(f.input ?? [])],
    outputs: [...(f.output ?? [])],
    attributeNames: [...(f.attribute ?? [])],
    attributeDefaults,
    nodes: (f.node ?? []).map((n, i) => nodeFromProto(n, i, ctx)),
    opsetImports: opsetMap(f.opset_import ?? []),
  };
}
