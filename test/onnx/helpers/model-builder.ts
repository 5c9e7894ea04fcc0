// Builds OnnxModel objects in code for importer unit tests (no protobuf involved): value infos, nodes
// with typed attributes, initializers wrapping IR tensors, local functions. Names and indices follow
// the loader's conventions (unnamed nodes are `<op_type>_<index>`).

import { Tensor } from '../../../src/ir/tensor.js';
import type { ElementType } from '../../../src/ir/types.js';
import { OnnxDataType, type OnnxAttribute, type OnnxFunction, type OnnxModel, type OnnxNode, type OnnxTensor, type OnnxValueInfo } from '../../../src/onnx/model.js';
import { onnxFromElementType } from '../../../src/onnx/tensor.js';

export const FLOAT = OnnxDataType.FLOAT;
export const INT64 = OnnxDataType.INT64;
export const BOOL = OnnxDataType.BOOL;

export const attr = {
  int: (name: string, value: number): OnnxAttribute => ({ name, type: 'int', value }),
  float: (name: string, value: number): OnnxAttribute => ({ name, type: 'float', value }),
  string: (name: string, value: string): OnnxAttribute => ({ name, type: 'string', value }),
  ints: (name: string, value: readonly number[]): OnnxAttribute => ({ name, type: 'ints', value }),
  floats: (name: string, value: readonly number[]): OnnxAttribute => ({ name, type: 'floats', value }),
  tensor: (name: string, value: Tensor): OnnxAttribute => ({ name, type: 'tensor', value: onnxTensor('', value) }),
  ref: (name: string, refersTo: string): OnnxAttribute => ({ name, type: 'ref', value: refersTo }),
};

export function onnxTensor(name: string, value: Tensor): OnnxTensor {
  return { name, dataType: onnxFromElementType(value.type), dims: [...value.shape.lens], value: () => value };
}

/** A graph input/output: element type and dims (numbers, symbolic names, or undefined for unknown). */
export function tensorInfo(name: string, type: ElementType, dims: readonly (number | string | undefined)[]): OnnxValueInfo {
  return { name, type: { kind: 'tensor', elemType: onnxFromElementType(type), dims } };
}

export interface NodeSpec {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attrs?: readonly OnnxAttribute[];
  name?: string;
  domain?: string;
}

export function nodes(specs: readonly NodeSpec[]): OnnxNode[] {
  return specs.map((s, index) => ({
    name: s.name ?? `${s.op}_${index}`,
    opType: s.op,
    domain: s.domain ?? '',
    inputs: s.inputs,
    outputs: s.outputs,
    attributes: new Map((s.attrs ?? []).map((a) => [a.name, a])),
    index,
  }));
}

export interface ModelSpec {
  inputs: readonly OnnxValueInfo[];
  outputs: readonly (OnnxValueInfo | string)[];
  nodes: readonly NodeSpec[];
  initializers?: Readonly<Record<string, Tensor>>;
  opset?: number;
  opsets?: Readonly<Record<string, number>>;
  functions?: readonly OnnxFunction[];
}

export function buildModel(spec: ModelSpec): OnnxModel {
  const opsets = new Map<string, number>([['', spec.opset ?? 17], ...Object.entries(spec.opsets ?? {})]);
  return {
    file: '<test>',
    irVersion: 9,
    producerName: 'test',
    producerVersion: '',
    opsetImports: opsets,
    graph: {
      name: 'g',
      nodes: nodes(spec.nodes),
      initializers: new Map(Object.entries(spec.initializers ?? {}).map(([n, t]) => [n, onnxTensor(n, t)])),
      inputs: spec.inputs,
      outputs: spec.outputs.map((o) => (typeof o === 'string' ? { name: o, type: undefined } : o)),
      valueInfo: [],
    },
    functions: spec.functions ?? [],
    metadata: new Map(),
  };
}

export function localFunction(spec: {
  name: string;
  domain: string;
  inputs: readonly string[];
  outputs: readonly string[];
  nodes: readonly NodeSpec[];
  attributes?: readonly string[];
  defaults?: readonly OnnxAttribute[];
  opset?: number;
}): OnnxFunction {
  return {
    name: spec.name,
    domain: spec.domain,
    overload: '',
    inputs: spec.inputs,
    outputs: spec.outputs,
    attributeNames: spec.attributes ?? [],
    attributeDefaults: new Map((spec.defaults ?? []).map((a) => [a.name, a])),
    nodes: nodes(spec.nodes),
    opsetImports: new Map([['', spec.opset ?? 17]]),
  };
}

export const f32 = (lens: readonly number[], values?: readonly number[]): Tensor =>
  Tensor.fromNumbers('float_type', lens, values ?? Array.from({ length: lens.reduce((a, b) => a * b, 1) }, (_, i) => i));
export const i64 = (values: readonly number[], lens: readonly number[] = [values.length]): Tensor => Tensor.fromNumbers('int64_type', lens, values);
