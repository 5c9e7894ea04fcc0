// Helpers for the export tests: models as bytes (the attention corpus is built as OnnxModel objects, so
// they are turned into ModelSpecs), the CLI, onnxruntime-node runs, and reading exported models back.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { main } from '../../src/cli/main.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { decodeModel } from '../../src/onnx/load.js';
import type { OnnxAttribute, OnnxModel, OnnxNode, OnnxValueInfo } from '../../src/onnx/model.js';
import { elementTypeFromOnnx } from '../../src/onnx/tensor.js';
import { encodeModel, type AttributeSpec, type ModelSpec, type NodeSpec, type ValueSpec } from '../../src/onnx/write.js';
import { halfToFloat } from '../../src/numerics/float16.js';

export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (s) => void (out += s), stderr: (s) => void (err += s) });
  return { code, out, err };
}

/** A temporary folder, removed by `cleanup`. */
export function tempDir(made: string[], prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), `onnx-fp8-${prefix}-`));
  made.push(d);
  return d;
}

export function cleanup(made: string[]): void {
  for (const d of made) rmSync(d, { recursive: true, force: true });
}

function valueSpec(v: OnnxValueInfo): ValueSpec {
  const t = v.type;
  if (!t || t.elemType === undefined) throw new Error(`value '${v.name}' has no tensor type`);
  return { name: v.name, elemType: elementTypeFromOnnx(t.elemType), ...(t.dims ? { dims: t.dims } : {}) };
}

function attributeSpec(a: OnnxAttribute): AttributeSpec {
  switch (a.type) {
    case 'float':
    case 'int':
    case 'string':
    case 'floats':
    case 'ints':
    case 'strings':
      return { type: a.type, value: a.value } as AttributeSpec;
    case 'tensor':
      return { type: 'tensor', value: a.value.value() };
    default:
      throw new Error(`attribute type ${a.type} is not needed by these tests`);
  }
}

function nodeSpec(n: OnnxNode): NodeSpec {
  return {
    name: n.name,
    opType: n.opType,
    inputs: n.inputs,
    outputs: n.outputs,
    ...(n.domain ? { domain: n.domain } : {}),
    attributes: Object.fromEntries([...n.attributes].map(([k, a]) => [k, attributeSpec(a)])),
  };
}

/** An OnnxModel built in code (test/onnx/helpers/model-builder.ts) as a ModelSpec to encode. */
export function specOf(model: OnnxModel): ModelSpec {
  const g = model.graph;
  return {
    opsetImports: Object.fromEntries(model.opsetImports),
    graph: {
      name: g.name,
      inputs: g.inputs.map(valueSpec),
      outputs: g.outputs.map((o) => (o.type ? valueSpec(o) : { name: o.name, elemType: 'float_type' })),
      nodes: g.nodes.map(nodeSpec),
      initializers: new Map([...g.initializers].map(([k, t]) => [k, t.value()])),
    },
  };
}

/** Writes `spec` to `dir/name` and returns the path. */
export function writeModel(dir: string, name: string, spec: ModelSpec): string {
  const file = join(dir, name);
  writeFileSync(file, encodeModel(spec));
  return file;
}

export function readModel(bytes: Uint8Array): OnnxModel {
  return decodeModel(bytes);
}

export function countOps(model: OnnxModel, opType: string): number {
  return model.graph.nodes.filter((n) => n.opType === opType).length;
}

const ORT_TYPES: Partial<Record<Tensor['type'], ort.Tensor.Type>> = {
  float_type: 'float32',
  half_type: 'float16',
  bool_type: 'bool',
  int64_type: 'int64',
  int32_type: 'int32',
};

function ortTensor(t: Tensor): ort.Tensor {
  const c = t.contiguous();
  const type = ORT_TYPES[t.type];
  if (!type) throw new Error(`no onnxruntime tensor for ${t.type}`);
  const dims = [...t.shape.lens];
  switch (t.type) {
    case 'float_type':
      return new ort.Tensor('float32', Float32Array.from(c.data as Float32Array), dims);
    case 'half_type':
      return new ort.Tensor('float16', Uint16Array.from(c.data as Uint16Array), dims);
    case 'bool_type':
      return new ort.Tensor('bool', Uint8Array.from(c.data as Uint8Array), dims);
    case 'int64_type':
      return new ort.Tensor('int64', BigInt64Array.from(c.data as BigInt64Array), dims);
    default:
      return new ort.Tensor(type, c.data as Int32Array, dims);
  }
}

/**
 * Runs a model file on onnxruntime-node's CPU EP and returns each output as float32.
 * NOTE: graphOptimizationLevel 'basic': at 'extended' ORT 1.30's QDQ propagation leaves a float8
 * Transpose, at 'all' it also builds a float8 MatMulIntegerToFloat; its CPU EP has no kernel for either
 * and the session fails to load (docs/export.md, "Running the export in onnxruntime").
 */
export async function runOrt(file: string, inputs: ReadonlyMap<string, Tensor>): Promise<Map<string, Float32Array>> {
  const session = await ort.InferenceSession.create(file, { graphOptimizationLevel: 'basic', executionProviders: ['cpu'] });
  const feeds: Record<string, ort.Tensor> = {};
  for (const name of session.inputNames) {
    const t = inputs.get(name);
    if (!t) throw new Error(`no value for input '${name}'`);
    feeds[name] = ortTensor(t);
  }
  const results = await session.run(feeds);
  const out = new Map<string, Float32Array>();
  for (const name of session.outputNames) {
    const r = results[name]!;
    if (r.type === 'float16') out.set(name, Float32Array.from(r.data as Uint16Array, (h) => halfToFloat(h)));
    else out.set(name, Float32Array.from(r.data as Float32Array));
  }
  await session.release();
  return out;
}

/** Elements outside |a − b| <= atol + rtol·|b| (ORT's check_model_correctness tolerance), and the max |a − b|. */
export function closeness(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol = 1e-2, atol = 0.05): { outside: number; maxAbs: number } {
  if (actual.length !== expected.length) throw new Error(`${actual.length} values against ${expected.length}`);
  let outside = 0;
  let maxAbs = 0;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i]! - expected[i]!);
    if (!(d <= atol + rtol * Math.abs(expected[i]!))) outside++;
    if (d > maxAbs || Number.isNaN(d)) maxAbs = Number.isNaN(d) ? NaN : d;
  }
  return { outside, maxAbs };
}
