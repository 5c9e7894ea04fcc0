// The compiler's FP8 decisions, read back as ONNX edits: which input of which ONNX node was quantized,
// with which scale. The decisions that survive simplify-qdq are the operands of the quant_dots; each
// leads (through the layout ops simplify-qdq moved onto the fp8 side) to a quantizelinear quantize-fp8
// inserted. Those carry meta.quantization and the consuming node as origin; the model's own Q/DQ do
// not, so a QDQ model is never wrapped again. The q reads the captured tensor x; followed up through the
// consuming node's own view ops (the multibroadcast, transpose or unsqueeze its lowering added), x is
// one of the node's ONNX inputs, found by name: a graph input (@param), a node output (origin.output,
// through Identity/Dropout), or an initializer (a literal with no origin, matched by dims and values).
// A GEMM is exported whole or not at all: when one operand is a tensor that exists only inside a node's
// lowering (Gemm's alpha·A, the core of a fused Attention op) or inside a local function, the GEMM stays
// float and is reported, never guessed. An operand the model itself dequantized (the importer folds a
// DequantizeLinear of a constant into a float literal, which FP8 captures again) is left alone.

import '../ops/index.js';
import type { Instruction, OnnxOrigin } from '../ir/instruction.js';
import { makeOp } from '../ir/op.js';
import { Program } from '../ir/program.js';
import { Tensor } from '../ir/tensor.js';
import type { ElementType } from '../ir/types.js';
import type { OnnxModel, OnnxNode } from '../onnx/model.js';
import { tryEvaluateConstant } from '../ref/evaluate.js';

/** One quantized input of one ONNX node. */
export interface QdqDecision {
  /** Index of the consuming node in graph.node. */
  readonly nodeIndex: number;
  readonly node: string;
  readonly opType: string;
  /** Which of the node's inputs. */
  readonly input: number;
  /** The tensor the node reads there in the original model. */
  readonly tensor: string;
  /** The scale the program uses: a scalar of the tensor's float type. */
  readonly scale: Tensor;
  /** The fp8 element type (the zero point's type). */
  readonly fp8Type: ElementType;
  /** `weight`: an initializer, stored quantized behind a DequantizeLinear; `activation`: a Q→DQ pair. */
  readonly kind: 'weight' | 'activation';
  /** For weights: the fp8 values, laid out as the initializer, exactly as the program computes them. */
  readonly quantized?: Tensor;
}

/** A quantized operand the ONNX graph has no tensor for. */
export interface Unrepresentable {
  readonly node: string;
  readonly opType: string;
  readonly reason: string;
}

/** A quantized operand that is, in the ONNX model, already the output of the model's own DequantizeLinear. */
export interface AlreadyQuantized {
  readonly node: string;
  readonly opType: string;
  readonly input: number;
  readonly tensor: string;
  readonly dequantizeLinear: string;
}

export interface RecoveredDecisions {
  /** Sorted by node index, then input. */
  readonly decisions: readonly QdqDecision[];
  readonly unrepresentable: readonly Unrepresentable[];
  /** Operands left alone because the model quantized them itself (never wrapped twice). */
  readonly alreadyQuantized: readonly AlreadyQuantized[];
}

const LAYOUT = new Set(['transpose', 'broadcast', 'multibroadcast', 'reshape', 'contiguous']);
/** View ops a node's lowering puts between its ONNX input and the dot. */
const VIEWS = new Set([...LAYOUT, 'unsqueeze', 'squeeze']);

function sameNode(a: OnnxOrigin, b: OnnxOrigin): boolean {
  return a.index === b.index && a.caller === b.caller;
}

/** The quantizelinear an operand of a quant_dot comes from, or undefined (a literal fp8 weight, …). */
function quantizeOf(operand: Instruction): Instruction | undefined {
  let i = operand;
  while (LAYOUT.has(i.op.name) && i.inputs.length === 1) i = i.inputs[0]!;
  return i.op.name === 'quantizelinear' ? i : undefined;
}

function underBroadcasts(ins: Instruction): Instruction {
  let i = ins;
  while ((i.op.name === 'broadcast' || i.op.name === 'multibroadcast') && i.inputs.length === 1) i = i.inputs[0]!;
  return i;
}

/** `w` quantized with `scale` to `fp8Type` by the reference interpreter's quantizelinear (what the program does). */
export function quantizeTensor(w: Tensor, scale: Tensor, fp8Type: ElementType): Tensor {
  const m = new Program().mainModule();
  const lens = [...w.shape.lens];
  const x = m.addLiteral(w);
  const s = m.addInstruction(makeOp('multibroadcast', { out_lens: lens }), [m.addLiteral(scale)]);
  const z = m.addInstruction(makeOp('multibroadcast', { out_lens: lens }), [m.addLiteral(Tensor.scalar(fp8Type, 0))]);
  const q = m.addInstruction(makeOp('quantizelinear'), [x, s, z]);
  return tryEvaluateConstant(q)!.contiguous();
}

function sameValues(a: Tensor, b: Tensor): boolean {
  if (a.type !== b.type || a.shape.lens.join() !== b.shape.lens.join()) return false;
  const n = a.shape.elements();
  for (let i = 0; i < n; i++) {
    const x = a.rawAt(i);
    const y = b.rawAt(i);
    if (x !== y) return false;
  }
  return true;
}

/** ONNX nodes that only move data, between a model's DequantizeLinear and its consumer (MIGraphX's skip_post_dq_ops). */
const LAYOUT_NODES = new Set(['Identity', 'Transpose', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Expand', 'Cast']);

/** Names in the top-level graph: producers, and aliases through nodes the importer lowers to their input. */
class GraphNames {
  private readonly producer = new Map<string, OnnxNode>();

  constructor(private readonly model: OnnxModel) {
    for (const n of model.graph.nodes) for (const o of n.outputs) if (o !== '') this.producer.set(o, n);
  }

  /** `name` followed back through Identity (and single-output Dropout) nodes. */
  resolve(name: string): string {
    const seen = new Set<string>();
    let current = name;
    for (;;) {
      const p = this.producer.get(current);
      if (!p || p.domain !== '' || seen.has(current)) return current;
      const passThrough = p.opType === 'Identity' || (p.opType === 'Dropout' && p.outputs.filter((o) => o !== '').length === 1);
      if (!passThrough || (p.inputs[0] ?? '') === '') return current;
      seen.add(current);
      current = p.inputs[0]!;
    }
  }

  /**
   * The model's own DequantizeLinear behind `name` (through layout nodes), or undefined. The importer
   * folds a DequantizeLinear of a constant into a float literal, which FP8 then captures like any
   * weight; at the ONNX level that tensor is already quantized and is left alone.
   */
  dequantizedBy(name: string): string | undefined {
    const seen = new Set<string>();
    let current = name;
    while (!seen.has(current)) {
      seen.add(current);
      const p = this.producer.get(current);
      if (!p || p.domain !== '') return undefined;
      if (p.opType === 'DequantizeLinear') return p.name;
      if (!LAYOUT_NODES.has(p.opType) || (p.inputs[0] ?? '') === '') return undefined;
      current = p.inputs[0]!;
    }
    return undefined;
  }

  /** An initializer: a constant, as the importer treats it, even when also listed as a graph input (IR < 4 style). */
  isInitializer(name: string): boolean {
    return this.model.graph.initializers.has(name);
  }

  /** The outer tensor name of a value computed inside an inlined local function (origin.caller set). */
  callerOutput(origin: OnnxOrigin): string | undefined {
    const call = this.model.graph.nodes[origin.index];
    if (!call || call.name !== origin.caller) return undefined;
    const fn = this.model.functions.find((f) => f.name === call.opType && f.domain === call.domain);
    const k = fn ? fn.outputs.indexOf(origin.output) : -1;
    return k >= 0 ? call.outputs[k] : undefined;
  }
}

type Match = { readonly input: number } | { readonly reason: string };

/** Which input of `node` holds the value of `x` (`operand`: x's position in the dot, the tie-break). */
function matchInput(node: OnnxNode, x: Instruction, operand: number, names: GraphNames, model: OnnxModel): Match {
  const candidates = node.inputs.map((name, k) => ({ name, k })).filter((c) => c.name !== '');
  let target: string | undefined;
  if (x.isParam()) target = x.paramName();
  else if (x.origin) target = x.origin.caller !== undefined ? names.callerOutput(x.origin) : x.origin.output;
  let matches: number[];
  if (target !== undefined) {
    const t = target;
    matches = candidates.filter((c) => c.name === t || names.resolve(c.name) === names.resolve(t)).map((c) => c.k);
  } else if (x.isLiteral()) {
    const value = x.literal!;
    matches = candidates
      .filter((c) => {
        const init = model.graph.initializers.get(names.resolve(c.name));
        return init !== undefined && init.dims.join() === value.shape.lens.join();
      })
      .map((c) => c.k);
    if (matches.length > 1) matches = matches.filter((k) => sameValues(model.graph.initializers.get(names.resolve(node.inputs[k]!))!.value(), value));
  } else {
    return { reason: `the quantized tensor (${x.op.name}) has no ONNX name` };
  }
  if (matches.length === 0) return { reason: `no input of the node holds the quantized tensor${target ? ` '${target}'` : ''}` };
  return { input: matches.includes(operand) ? operand : matches[0]! };
}

/**
 * The decision behind one quant_dot operand: undefined when it is not ours (the model's own Q/DQ, a
 * literal fp8 weight), else the ONNX input and scale, or why ONNX cannot express it.
 */
function decide(operand: Instruction, position: number, model: OnnxModel, names: GraphNames): QdqDecision | Unrepresentable | AlreadyQuantized | undefined {
  const q = quantizeOf(operand);
  // Only the pairs quantize-fp8 inserted: the model's own Q/DQ stay as they are (no double wrap).
  if (!q || !q.meta.quantization || !q.origin) return undefined;
  const consumer = q.origin;
  const fail = (reason: string): Unrepresentable => ({ node: consumer.node, opType: consumer.opType, reason });
  if (consumer.caller !== undefined) return fail(`it is inside local function call '${consumer.caller}'`);
  const node = model.graph.nodes[consumer.index];
  if (!node || node.name !== consumer.node) return fail('the node is not in the model graph');
  let x = q.inputs[0]!;
  while (x.origin && sameNode(x.origin, consumer) && VIEWS.has(x.op.name) && x.inputs.length === 1) x = x.inputs[0]!;
  if (x.origin && sameNode(x.origin, consumer)) return fail(`operand ${position} is computed inside the node (${x.op.name}), not one of its inputs`);
  const match = matchInput(node, x, position, names, model);
  if ('reason' in match) return fail(match.reason);
  const tensor = node.inputs[match.input]!;
  const dq = names.dequantizedBy(tensor);
  if (dq !== undefined) return { node: node.name, opType: node.opType, input: match.input, tensor, dequantizeLinear: dq };
  const scaleIns = underBroadcasts(q.inputs[1]!);
  if (!scaleIns.literal || scaleIns.shape.elements() !== 1) return fail(`the scale of operand ${position} is not a constant scalar`);
  const scale = Tensor.scalar(scaleIns.shape.type, scaleIns.literal.get(0));
  const fp8Type = q.shape.type;
  const weight = names.isInitializer(tensor);
  return {
    nodeIndex: consumer.index,
    node: node.name,
    opType: node.opType,
    input: match.input,
    tensor,
    scale,
    fp8Type,
    kind: weight ? 'weight' : 'activation',
    ...(weight ? { quantized: quantizeTensor(model.graph.initializers.get(tensor)!.value(), scale, fp8Type) } : {}),
  };
}

/** The decisions of a compiled FP8 program, as edits to `model` (the model it was compiled from). */
export function recoverDecisions(program: Program, model: OnnxModel): RecoveredDecisions {
  const m = program.mainModule();
  const names = new GraphNames(model);
  const decisions = new Map<string, QdqDecision>();
  const unrepresentable: Unrepresentable[] = [];
  const alreadyQuantized: AlreadyQuantized[] = [];
  for (const ins of m) {
    if (ins.op.name !== 'quant_dot') continue;
    // A GEMM is exported whole or not at all: both operands as Q/DQ, or both left float.
    const found: QdqDecision[] = [];
    let failure: Unrepresentable | undefined;
    ins.inputs.forEach((operand, position) => {
      if (failure) return;
      const d = decide(operand, position, model, names);
      if (d === undefined) return;
      if ('reason' in d) failure = d;
      else if ('dequantizeLinear' in d) alreadyQuantized.push(d);
      else found.push(d);
    });
    if (failure) {
      unrepresentable.push(failure);
      continue;
    }
    for (const d of found) {
      const key = `${d.nodeIndex}:${d.input}`;
      if (!decisions.has(key)) decisions.set(key, d);
    }
  }
  const sorted = [...decisions.values()].sort((a, b) => a.nodeIndex - b.nodeIndex || a.input - b.input);
  return { decisions: sorted, unrepresentable, alreadyQuantized };
}
