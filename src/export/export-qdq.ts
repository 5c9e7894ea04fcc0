// `export`: the compiled FP8 decisions written back into the original ONNX model as standard QDQ, so other
// runtimes (onnxruntime, TensorRT, MIGraphX) run what onnx-fp8 decided. Works on the model's protobuf
// messages, so everything not touched (metadata, value_info, functions, doc strings, unknown fields)
// is kept. Per decision (decisions.ts):
//   weight W read by node N       ->  W_quantized (fp8 initializer) -> DequantizeLinear -> N
//   activation T read by node N   ->  T -> QuantizeLinear -> DequantizeLinear -> N     (one pair per T and scale)
// scales are scalars of the tensor's type, zero points fp8 scalars 0; other consumers of T keep reading
// T, so attention regions the compiler skipped stay float. The default-domain opset is raised to 19
// when lower (opset.ts). Not here: writing files (the CLI does, through cli/output.ts).

import fs from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs/light.js';
import { compileModel, type CompileOptions, type CompileResult } from '../compiler.js';
import type { Diagnostic } from '../diagnostics.js';
import { ModelError } from '../errors.js';
import { Tensor } from '../ir/tensor.js';
import { decodeModel } from '../onnx/load.js';
import type { OnnxModel } from '../onnx/model.js';
import {
  AttributeType,
  DataLocation,
  ModelProtoType,
  longToNumber,
  type GraphMessage,
  type ModelMessage,
  type NodeMessage,
  type TensorMessage,
} from '../onnx/schema.js';
import { onnxFromElementType, tensorFromProto } from '../onnx/tensor.js';
import { rawBytes } from '../onnx/write.js';
import { recoverDecisions, type QdqDecision } from './decisions.js';
import { FP8_QDQ_OPSET, upgradeNodes } from './opset.js';

export interface ExportOptions extends CompileOptions {
  /**
   * Where the model will be written. A model that had external data keeps its large tensors external,
   * in `<output file name>.data` next to it; without an output path everything is written inline.
   */
  readonly outputPath?: string;
  /** Tensors of at least this many bytes go to the external data file (default 1024, as onnx's save). */
  readonly externalThreshold?: number;
}

export interface ExportResult {
  /** The ModelProto bytes. */
  readonly model: Uint8Array;
  /** The external data file to write next to the model (only for models that had external data). */
  readonly externalData?: { readonly path: string; readonly bytes: Uint8Array };
  readonly compiled: CompileResult;
  readonly decisions: readonly QdqDecision[];
  /** The compile's diagnostics, then the export's own. */
  readonly diagnostics: readonly Diagnostic[];
  readonly opset: { readonly from: number; readonly to: number };
  /** Nodes the export added. */
  readonly added: { readonly quantizeLinear: number; readonly dequantizeLinear: number; readonly weights: number; readonly activations: number };
}

/** The metadata_props key the export records its settings under. */
export const EXPORT_METADATA_KEY = 'onnx_fp8.export';

/** Exports the model in `file` (external data resolves next to it). */
export function exportQdqFile(file: string, options: ExportOptions): ExportResult {
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ModelError(code === 'ENOENT' ? 'file not found' : `cannot read the file (${code ?? String(e)})`, { file });
  }
  return exportQdqBytes(bytes, file, path.dirname(file), options);
}

/** Exports model bytes; `file` names them in messages, `baseDir` is where their external data lives. */
export function exportQdqBytes(bytes: Uint8Array, file: string, baseDir: string | undefined, options: ExportOptions): ExportResult {
  const model = decodeModel(bytes, file, baseDir);
  // The decisions are read off the quantized program (quant_dots and their Q/DQ), before fusion.
  const compiled = compileModel(model, { ...options, fp8: options.fp8 ?? {}, stage: 'quantized' });
  const recovered = recoverDecisions(compiled.program, model);
  const diagnostics: Diagnostic[] = [...compiled.diagnostics];
  for (const u of recovered.unrepresentable) {
    diagnostics.push({ severity: 'warning', code: 'EXPORT_NOT_REPRESENTABLE', message: `a quantized GEMM of node '${u.node}' (${u.opType}) stays float in the export: ${u.reason}.`, onnxNode: u.node });
  }
  for (const a of recovered.alreadyQuantized) {
    diagnostics.push({ severity: 'info', code: 'EXPORT_ALREADY_QUANTIZED', message: `input ${a.input} of node '${a.node}' (${a.opType}) already comes out of the model's DequantizeLinear '${a.dequantizeLinear}': it is kept as it is, not wrapped again.`, onnxNode: a.node });
  }
  const message = decodeModelMessage(bytes, file);
  const graph = message.graph!;
  const names = new NameTable(message);
  const edits = planEdits(recovered.decisions, graph, names);

  const from = defaultOpset(message);
  const to = Math.max(from, FP8_QDQ_OPSET);
  if (from < to) {
    upgradeOpset(message, model, compiled, from, to, names);
    diagnostics.push({ severity: 'info', code: 'EXPORT_OPSET_RAISED', message: `the default-domain opset was raised from ${from} to ${to} (FP8 QuantizeLinear/DequantizeLinear need opset ${FP8_QDQ_OPSET}).` });
  }
  graph.node = placeNodes(graph, edits);
  graph.initializer = [...(graph.initializer ?? []), ...edits.initializers];
  removeUnusedWeights(graph, edits.replacedWeights);
  if (longToNumber(message.ir_version ?? 0) < 9) message.ir_version = 9; // float8 types: IR version 9

  const weights = recovered.decisions.filter((d) => d.kind === 'weight').length;
  const activations = recovered.decisions.length - weights;
  recordSettings(message, options, compiled, recovered.decisions.length);
  diagnostics.push({
    severity: 'info',
    code: 'EXPORT_QDQ',
    message: `${recovered.decisions.length} quantized node input(s) written as ONNX QDQ: ${weights} weight(s) stored as fp8 behind a DequantizeLinear, ${activations} activation input(s) behind a QuantizeLinear→DequantizeLinear pair (${edits.pairs} pair(s)).`,
  });

  const externalData = placeTensorData(message, { file, baseDir, outputPath: options.outputPath, threshold: options.externalThreshold ?? 1024 });
  return {
    model: ModelProtoType.encode(message as unknown as protobuf.Message).finish(),
    ...(externalData ? { externalData } : {}),
    compiled,
    decisions: recovered.decisions,
    diagnostics,
    opset: { from, to },
    added: { quantizeLinear: edits.pairs, dequantizeLinear: edits.pairs + edits.weightNodes, weights, activations },
  };
}

function decodeModelMessage(bytes: Uint8Array, file: string): ModelMessage {
  try {
    const reader = protobuf.Reader.create(bytes);
    reader.discardUnknown = false; // unknown fields (newer ONNX) are written back as they came
    return ModelProtoType.decode(reader) as unknown as ModelMessage;
  } catch (e) {
    throw new ModelError(`not an ONNX model: ${(e as Error).message}`, { file });
  }
}

function defaultOpset(message: ModelMessage): number {
  let v = 0;
  for (const o of message.opset_import ?? []) if ((o.domain ?? '') === '' || o.domain === 'ai.onnx') v = Math.max(v, longToNumber(o.version ?? 0));
  return v;
}

// ---- names ----

/** Every name the model uses (tensors and nodes, subgraphs included); hands out fresh ones. */
class NameTable {
  private readonly used = new Set<string>();

  constructor(message: ModelMessage) {
    const visitGraph = (g: GraphMessage): void => {
      for (const n of g.node ?? []) {
        this.add(n.name);
        for (const x of [...(n.input ?? []), ...(n.output ?? [])]) this.add(x);
        for (const a of n.attribute ?? []) {
          if (a.g) visitGraph(a.g);
          for (const sub of a.graphs ?? []) visitGraph(sub);
        }
      }
      for (const t of g.initializer ?? []) this.add(t.name);
      for (const t of g.sparse_initializer ?? []) this.add(t.values?.name);
      for (const v of [...(g.input ?? []), ...(g.output ?? []), ...(g.value_info ?? [])]) this.add(v.name);
    };
    if (message.graph) visitGraph(message.graph);
    for (const f of message.functions ?? []) for (const n of f.node ?? []) this.add(n.name);
  }

  private add(name: string | undefined): void {
    if (name) this.used.add(name);
  }

  /** `base`, or `base_1`, `base_2`, … : the first one nobody uses; it is taken from now on. */
  unique(base: string): string {
    let name = base;
    for (let k = 1; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }
}

// ---- the Q/DQ nodes ----

interface Edits {
  /** Nodes to place first (weights' DequantizeLinear, pairs on graph inputs and initializers). */
  readonly front: NodeMessage[];
  /** Pairs to place right after the node producing their tensor. */
  readonly after: Map<string, NodeMessage[]>;
  readonly initializers: TensorMessage[];
  /** Float weights now read through their DequantizeLinear (removed when nothing else reads them). */
  readonly replacedWeights: Set<string>;
  pairs: number;
  weightNodes: number;
}

function tensorMessage(name: string, t: Tensor): TensorMessage {
  return { name, dims: [...t.shape.lens], data_type: onnxFromElementType(t.type), raw_data: rawBytes(t) };
}

/** A rank-0 TensorProto (ONNX's per-tensor scale and zero point) holding the one value of `t`. */
function scalarMessage(name: string, t: Tensor): TensorMessage {
  return { ...tensorMessage(name, t), dims: [] };
}

/** Creates the Q/DQ nodes and initializers for `decisions` and rewires the consuming nodes' inputs. */
function planEdits(decisions: readonly QdqDecision[], graph: GraphMessage, names: NameTable): Edits {
  const edits: Edits = { front: [], after: new Map(), initializers: [], replacedWeights: new Set(), pairs: 0, weightNodes: 0 };
  const producers = new Set<string>();
  for (const n of graph.node ?? []) for (const o of n.output ?? []) if (o) producers.add(o);
  // One Q→DQ pair (or one fp8 weight) per tensor and scale, shared by every consumer that uses it.
  const groups = new Map<string, { tensor: string; dequantized: string }>();
  for (const d of decisions) {
    const key = `${d.tensor}\u0000${d.scale.type}\u0000${d.scale.get(0)}\u0000${d.fp8Type}`;
    let group = groups.get(key);
    if (!group) {
      const t = d.tensor;
      const scale = names.unique(`${t}_scale`);
      const zero = names.unique(`${t}_zero_point`);
      edits.initializers.push(scalarMessage(scale, d.scale), scalarMessage(zero, Tensor.scalar(d.fp8Type, 0)));
      const dequantized = names.unique(`${t}_DequantizeLinear_Output`);
      if (d.kind === 'weight') {
        const stored = names.unique(`${t}_quantized`);
        edits.initializers.push(tensorMessage(stored, d.quantized!));
        edits.front.push(qdqNode('DequantizeLinear', names.unique(`${t}_DequantizeLinear`), [stored, scale, zero], dequantized));
        edits.replacedWeights.add(t);
        edits.weightNodes++;
      } else {
        const quantized = names.unique(`${t}_QuantizeLinear_Output`);
        const pair = [
          qdqNode('QuantizeLinear', names.unique(`${t}_QuantizeLinear`), [t, scale, zero], quantized),
          qdqNode('DequantizeLinear', names.unique(`${t}_DequantizeLinear`), [quantized, scale, zero], dequantized),
        ];
        if (producers.has(t)) edits.after.set(t, [...(edits.after.get(t) ?? []), ...pair]);
        else edits.front.push(...pair);
        edits.pairs++;
      }
      group = { tensor: t, dequantized };
      groups.set(key, group);
    }
    const node = graph.node![d.nodeIndex]!;
    node.input![d.input] = group.dequantized;
  }
  return edits;
}

function qdqNode(op: 'QuantizeLinear' | 'DequantizeLinear', name: string, inputs: string[], output: string): NodeMessage {
  return { name, op_type: op, input: inputs, output: [output], attribute: [] };
}

/** The node list with the new nodes in place: front ones first, pairs right after their tensor's producer. */
function placeNodes(graph: GraphMessage, edits: Edits): NodeMessage[] {
  const out: NodeMessage[] = [...edits.front];
  for (const n of graph.node ?? []) {
    out.push(n);
    for (const o of n.output ?? []) {
      const pair = edits.after.get(o);
      if (pair) out.push(...pair);
    }
  }
  return out;
}

/** Names read anywhere in a graph (its nodes, their subgraphs) and its outputs. */
function readNames(g: GraphMessage, into = new Set<string>()): Set<string> {
  for (const n of g.node ?? []) {
    for (const x of n.input ?? []) if (x) into.add(x);
    for (const a of n.attribute ?? []) {
      if (a.g) readNames(a.g, into);
      for (const sub of a.graphs ?? []) readNames(sub, into);
    }
  }
  for (const o of g.output ?? []) if (o.name) into.add(o.name);
  return into;
}

function removeUnusedWeights(graph: GraphMessage, replaced: ReadonlySet<string>): void {
  if (replaced.size === 0) return;
  const read = readNames(graph);
  const dropped = new Set([...replaced].filter((w) => !read.has(w)));
  graph.initializer = (graph.initializer ?? []).filter((t) => !dropped.has(t.name ?? ''));
  graph.value_info = (graph.value_info ?? []).filter((v) => !dropped.has(v.name ?? ''));
  // IR < 4 models list initializers as graph inputs too; without its initializer it would become a required input.
  graph.input = (graph.input ?? []).filter((v) => !dropped.has(v.name ?? ''));
}

// ---- opset ----

function upgradeOpset(message: ModelMessage, model: OnnxModel, compiled: CompileResult, from: number, to: number, names: NameTable): void {
  // The rank of a node's output, from the last instruction the node's lowering produced (its result).
  const ranks = new Map<number, number>();
  for (const ins of compiled.program.mainModule()) {
    if (ins.origin && ins.origin.caller === undefined) ranks.set(ins.origin.index, ins.shape.ndim);
  }
  const graphNodes = message.graph!.node ?? [];
  const index = new Map(graphNodes.map((n, i) => [n, i]));
  message.graph!.node = upgradeNodes(graphNodes, from, to, {
    unique: (b) => names.unique(b),
    outputRank: (n) => {
      const i = index.get(n);
      return i === undefined ? undefined : ranks.get(i);
    },
    file: model.file,
  });
  for (const f of message.functions ?? []) {
    const imports = f.opset_import ?? [];
    const own = imports.find((o) => (o.domain ?? '') === '' || o.domain === 'ai.onnx');
    const version = own ? longToNumber(own.version ?? 0) : from;
    if (version >= to) continue;
    f.node = upgradeNodes(f.node ?? [], version, to, { unique: (b) => names.unique(b), outputRank: () => undefined, file: model.file });
    if (own) own.version = to;
  }
  const own = (message.opset_import ?? []).filter((o) => (o.domain ?? '') === '' || o.domain === 'ai.onnx');
  if (own.length === 0) message.opset_import = [...(message.opset_import ?? []), { domain: '', version: to }];
  for (const o of own) o.version = to;
}

// ---- settings ----

function recordSettings(message: ModelMessage, options: ExportOptions, compiled: CompileResult, decisions: number): void {
  const fp8 = options.fp8 ?? {};
  const calibration = options.calibrationDir !== undefined ? `folder ${path.basename(options.calibrationDir)}` : `random inputs, seed ${fp8.seed ?? 0}`;
  const value = JSON.stringify({
    attentionQdq: fp8.attentionQdq ?? 'skip',
    format: fp8.format ?? 'e4m3fn',
    ...(fp8.quantizeOps ? { quantizeOps: fp8.quantizeOps } : {}),
    calibration,
    inputs: compiled.inputs.map((i) => ({ name: i.name, lens: i.shape.lens })),
    quantizedInputs: decisions,
  });
  const props = (message.metadata_props ?? []).filter((p) => p.key !== EXPORT_METADATA_KEY);
  message.metadata_props = [...props, { key: EXPORT_METADATA_KEY, value }];
}

// ---- external data ----

interface Placement {
  readonly file: string;
  readonly baseDir: string | undefined;
  readonly outputPath: string | undefined;
  readonly threshold: number;
}

function isExternal(t: TensorMessage): boolean {
  return (t.data_location ?? DataLocation.DEFAULT) === DataLocation.EXTERNAL;
}

/** The TensorProtos of a graph that hold data: initializers (may be external) and attribute tensors (kept inline). */
function dataTensors(g: GraphMessage, out = { initializers: [] as TensorMessage[], attributes: [] as TensorMessage[] }): typeof out {
  out.initializers.push(...(g.initializer ?? []));
  for (const s of g.sparse_initializer ?? []) {
    if (s.values) out.initializers.push(s.values);
    if (s.indices) out.initializers.push(s.indices);
  }
  for (const n of g.node ?? []) {
    for (const a of n.attribute ?? []) {
      if (a.type === AttributeType.TENSOR && a.t) out.attributes.push(a.t);
      out.attributes.push(...(a.tensors ?? []));
      if (a.g) dataTensors(a.g, out);
      for (const sub of a.graphs ?? []) dataTensors(sub, out);
    }
  }
  return out;
}

/**
 * A model read with external data is written with its large initializers in `<output>.data` next to
 * the output (locations relative to the output's folder) and everything else inline; without an output
 * path, everything inline. Models without external data are left as they are.
 */
function placeTensorData(message: ModelMessage, p: Placement): ExportResult['externalData'] {
  const { initializers, attributes } = dataTensors(message.graph!);
  if (![...initializers, ...attributes].some(isExternal)) return undefined;
  const location = p.outputPath ? `${path.basename(p.outputPath)}.data` : undefined;
  const chunks: Uint8Array[] = [];
  let size = 0;
  const attributeSet = new Set(attributes);
  for (const t of [...initializers, ...attributes]) {
    let bytes: Uint8Array | undefined;
    if (isExternal(t)) bytes = rawBytes(tensorFromProto(t, { file: p.file, baseDir: p.baseDir }).value());
    else if (t.raw_data && t.raw_data.length > 0) bytes = t.raw_data;
    if (!bytes) continue; // typed fields (small by nature) stay as they are
    delete t.external_data;
    delete t.data_location;
    if (!location || bytes.length < p.threshold || attributeSet.has(t)) {
      t.raw_data = bytes;
      continue;
    }
    // 4 KiB alignment lets runtimes map large tensors straight from the file.
    const offset = Math.ceil(size / 4096) * 4096;
    if (offset > size) chunks.push(new Uint8Array(offset - size));
    chunks.push(bytes);
    size = offset + bytes.length;
    delete t.raw_data;
    t.data_location = DataLocation.EXTERNAL;
    t.external_data = [
      { key: 'location', value: location },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(bytes.length) },
    ];
  }
  if (!location || chunks.length === 0) return undefined;
  return { path: path.join(path.dirname(p.outputPath!), location), bytes: concat(chunks, size) };
}

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
