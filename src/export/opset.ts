// Raising a model's default-domain opset (FP8 Q/DQ needs QuantizeLinear-19): every node is checked
// against the operator changes between its opset and the target, and rewritten where the meaning or
// the signature changed. Constants the rewrites need become Constant nodes (they work in graphs and
// function bodies alike). An operator this table does not know, or a change it cannot express, is a
// ModelError naming the node. Works on protobuf messages (schema.ts) so everything else is kept.
//   Softmax/LogSoftmax < 13 (2-D coercion)  -> Shape, Flatten, Softmax(axis=1), Reshape (unless axis is last)
//   ReduceSum < 13, Reduce* < 18, Squeeze/Unsqueeze < 13, Split < 13  -> axes / split attribute to input
//   Split >= 18 without sizes  -> num_outputs;  Clip < 11, Pad < 11, Slice < 10, Reshape < 5  -> inputs
//   legacy consumed_inputs (< 6), broadcast (< 7), is_test (< 7), Dropout ratio (< 12)  -> dropped

import { ModelError } from '../errors.js';
import { OnnxDataType } from '../onnx/model.js';
import { AttributeType, type AttributeMessage, type NodeMessage, type TensorMessage } from '../onnx/schema.js';
import { longToNumber } from '../onnx/schema.js';

/** The opset FP8 QuantizeLinear/DequantizeLinear need (float8 zero points, `saturate`). */
export const FP8_QDQ_OPSET = 19;

export interface UpgradeContext {
  /** A tensor or node name not used anywhere in the model yet, built from `base`. */
  unique(base: string): string;
  /** Rank of a node's output when the compiled program knows it (Softmax < 13 needs it). */
  outputRank(node: NodeMessage): number | undefined;
  readonly file: string;
}

/** Operators whose meaning is the same at every version up to the target, once the changes below are applied. */
const STABLE = new Set([
  'Abs', 'Add', 'And', 'Attention', 'Cast', 'CastLike', 'Ceil', 'Clip', 'Concat', 'Constant', 'ConstantOfShape', 'Conv', 'Cos',
  'DequantizeLinear', 'Div', 'Dropout', 'Equal', 'Erf', 'Exp', 'Expand', 'Flatten', 'Floor', 'Gather', 'Gelu', 'Gemm', 'Greater',
  'GreaterOrEqual', 'Identity', 'IsNaN', 'LayerNormalization', 'Less', 'LessOrEqual', 'Log', 'LogSoftmax', 'MatMul', 'Max', 'Mean',
  'Min', 'Mod', 'Mul', 'Neg', 'Not', 'Or', 'Pad', 'Pow', 'QuantizeLinear', 'Range', 'Reciprocal', 'ReduceL1', 'ReduceL2',
  'ReduceLogSum', 'ReduceLogSumExp', 'ReduceMax', 'ReduceMean', 'ReduceMin', 'ReduceProd', 'ReduceSum', 'ReduceSumSquare', 'Relu',
  'Reshape', 'RMSNormalization', 'Round', 'Shape', 'Sigmoid', 'Sign', 'SimplifiedLayerNormalization', 'Sin', 'Size', 'Slice',
  'Softmax', 'Split', 'Sqrt', 'Squeeze', 'Sub', 'Sum', 'Tanh', 'Tile', 'Transpose', 'Trilu', 'Unsqueeze', 'Where', 'Xor',
]);

/** A node rewritten: helper nodes before it, the node itself (same operator), helper nodes after it. */
interface Rewritten {
  readonly before: readonly NodeMessage[];
  readonly node: NodeMessage;
  readonly after: readonly NodeMessage[];
}

type Rewrite = (node: NodeMessage, ctx: RewriteContext) => Rewritten;

function only(node: NodeMessage): Rewritten {
  return { before: [], node, after: [] };
}

interface Change {
  /** The first version with the new form: applied when from < at <= target. */
  readonly at: number;
  readonly ops: readonly string[];
  readonly rewrite: Rewrite;
}

interface RewriteContext extends UpgradeContext {
  fail(node: NodeMessage, cause: string): never;
}

const REDUCE_18 = ['ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceMax', 'ReduceMean', 'ReduceMin', 'ReduceProd', 'ReduceSumSquare'];
const LEGACY_BROADCAST = ['Add', 'Sub', 'Mul', 'Div', 'Pow', 'And', 'Or', 'Xor', 'Equal', 'Greater', 'Less', 'Gemm'];
const CONSUMED_INPUTS = ['Abs', 'Add', 'Ceil', 'Clip', 'Div', 'Dropout', 'Exp', 'Floor', 'Log', 'Max', 'Mean', 'Min', 'Mul', 'Neg', 'Reciprocal', 'Relu', 'Sigmoid', 'Sqrt', 'Sub', 'Sum', 'Tanh'];

/** The changes, in version order (several can apply to one node). */
const CHANGES: readonly Change[] = [
  { at: 4, ops: ['Concat'], rewrite: (n) => only(attribute(n, 'axis') ? n : withAttributes(n, [...(n.attribute ?? []), intAttribute('axis', 1)])) },
  { at: 5, ops: ['Reshape'], rewrite: (n, ctx) => attributeToInput(n, ctx, 'shape', 1) },
  { at: 6, ops: CONSUMED_INPUTS, rewrite: (n) => only(dropAttributes(n, ['consumed_inputs'])) },
  { at: 6, ops: ['Tile'], rewrite: (n, ctx) => ctx.fail(n, 'Tile before opset 6 (tiles and axis inputs) has no later equivalent onnx-fp8 can write') },
  { at: 7, ops: LEGACY_BROADCAST, rewrite: legacyBroadcast },
  { at: 7, ops: ['Dropout'], rewrite: (n) => only(dropAttributes(n, ['is_test'])) },
  { at: 10, ops: ['Slice'], rewrite: sliceInputs },
  { at: 11, ops: ['Clip'], rewrite: clipInputs },
  { at: 11, ops: ['Pad'], rewrite: padInputs },
  // Inference-mode Dropout is the identity at every version; the ratio only moved to an input.
  { at: 12, ops: ['Dropout'], rewrite: (n) => only(dropAttributes(n, ['ratio'])) },
  { at: 13, ops: ['Softmax', 'LogSoftmax'], rewrite: softmaxAxis },
  { at: 13, ops: ['ReduceSum', 'Squeeze', 'Unsqueeze'], rewrite: (n, ctx) => attributeToInput(n, ctx, 'axes', 1) },
  { at: 13, ops: ['Split'], rewrite: (n, ctx) => attributeToInput(n, ctx, 'split', 1) },
  { at: 18, ops: REDUCE_18, rewrite: (n, ctx) => attributeToInput(n, ctx, 'axes', 1) },
  { at: 18, ops: ['Split'], rewrite: splitOutputs },
];

/**
 * `nodes` (default-domain ones at version `from`; other domains pass through) rewritten for version `to`.
 * Returns a new list; nodes that need no change are the same objects.
 */
export function upgradeNodes(nodes: readonly NodeMessage[], from: number, to: number, ctx: UpgradeContext): NodeMessage[] {
  const rc: RewriteContext = {
    file: ctx.file,
    unique: (b) => ctx.unique(b),
    outputRank: (n) => ctx.outputRank(n),
    fail(node, cause) {
      throw new ModelError(`cannot raise the opset from ${from} to ${to}: ${cause}`, { file: ctx.file, node: node.name || undefined, opType: node.op_type });
    },
  };
  const out: NodeMessage[] = [];
  for (const original of nodes) {
    if (from >= to || isOtherDomain(original)) {
      out.push(original);
      continue;
    }
    const op = original.op_type ?? '';
    if (!STABLE.has(op)) rc.fail(original, `operator ${op} is not in onnx-fp8's table of operator changes`);
    const before: NodeMessage[] = [];
    const after: NodeMessage[] = [];
    let node = original;
    for (const change of CHANGES) {
      if (!(from < change.at && change.at <= to) || !change.ops.includes(op)) continue;
      const r = change.rewrite(node, rc);
      before.push(...r.before);
      after.unshift(...r.after);
      node = r.node;
    }
    out.push(...before, node, ...after);
  }
  return out;
}

function isOtherDomain(n: NodeMessage): boolean {
  const d = n.domain ?? '';
  return d !== '' && d !== 'ai.onnx';
}

// ---- attributes ----

function attribute(n: NodeMessage, name: string): AttributeMessage | undefined {
  return (n.attribute ?? []).find((a) => a.name === name);
}

function withAttributes(n: NodeMessage, attributes: AttributeMessage[]): NodeMessage {
  return { ...n, attribute: attributes };
}

function dropAttributes(n: NodeMessage, names: readonly string[]): NodeMessage {
  if (!(n.attribute ?? []).some((a) => names.includes(a.name ?? ''))) return n;
  return withAttributes(n, (n.attribute ?? []).filter((a) => !names.includes(a.name ?? '')));
}

function intAttribute(name: string, value: number): AttributeMessage {
  return { name, type: AttributeType.INT, i: value };
}

function intsOf(n: NodeMessage, a: AttributeMessage, ctx: RewriteContext): number[] {
  if (a.type !== AttributeType.INTS) ctx.fail(n, `attribute '${a.name}' is not a list of ints`);
  return (a.ints ?? []).map((v) => longToNumber(v));
}

function floatOf(n: NodeMessage, a: AttributeMessage, ctx: RewriteContext): number {
  if (a.type !== AttributeType.FLOAT) ctx.fail(n, `attribute '${a.name}' is not a float`);
  return a.f ?? 0;
}

// ---- constants ----

/** An int64 1-D tensor (little-endian raw_data). */
export function int64Tensor(values: readonly number[]): TensorMessage {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return { dims: [values.length], data_type: OnnxDataType.INT64, raw_data: raw };
}

function floatScalar(value: number): TensorMessage {
  const raw = new Uint8Array(4);
  new DataView(raw.buffer).setFloat32(0, value, true);
  return { dims: [], data_type: OnnxDataType.FLOAT, raw_data: raw };
}

/** A Constant node holding `value`; returns the node and its output name. */
function constantNode(ctx: RewriteContext, base: string, value: TensorMessage): { node: NodeMessage; output: string } {
  const output = ctx.unique(base);
  return { node: { name: ctx.unique(`${base}_Constant`), op_type: 'Constant', input: [], output: [output], attribute: [{ name: 'value', type: AttributeType.TENSOR, t: value }] }, output };
}

function baseName(n: NodeMessage): string {
  return n.name || `${n.op_type}_${n.output?.[0] ?? ''}`;
}

/** Moves an ints attribute to input `slot` (as a Constant); nothing when the attribute is absent. */
function attributeToInput(n: NodeMessage, ctx: RewriteContext, name: string, slot: number): Rewritten {
  const a = attribute(n, name);
  if (!a) return only(n);
  const inputs = [...(n.input ?? [])];
  if (inputs.length > slot && inputs[slot] !== '') ctx.fail(n, `has both a '${name}' attribute and input ${slot}`);
  const c = constantNode(ctx, `${baseName(n)}_${name}`, int64Tensor(intsOf(n, a, ctx)));
  while (inputs.length < slot) inputs.push('');
  inputs[slot] = c.output;
  return { before: [c.node], node: { ...dropAttributes(n, [name]), input: inputs }, after: [] };
}

/** A float constant cast to the type of `like` (CastLike, opset 15): for inputs that must match x's type. */
function floatLike(n: NodeMessage, ctx: RewriteContext, what: string, value: number, like: string): { nodes: NodeMessage[]; output: string } {
  const c = constantNode(ctx, `${baseName(n)}_${what}_float`, floatScalar(value));
  const output = ctx.unique(`${baseName(n)}_${what}`);
  const cast: NodeMessage = { name: ctx.unique(`${baseName(n)}_${what}_CastLike`), op_type: 'CastLike', input: [c.output, like], output: [output], attribute: [] };
  return { nodes: [c.node, cast], output };
}

// ---- the rewrites ----

function legacyBroadcast(n: NodeMessage, ctx: RewriteContext): Rewritten {
  const b = attribute(n, 'broadcast');
  const axis = attribute(n, 'axis');
  if (b && longToNumber(b.i ?? 0) !== 0 && axis) ctx.fail(n, "legacy broadcasting with an 'axis' attribute (before opset 7) has no numpy-style equivalent");
  return only(dropAttributes(n, ['broadcast', 'axis']));
}

function sliceInputs(n: NodeMessage, ctx: RewriteContext): Rewritten {
  const helpers: NodeMessage[] = [];
  const inputs = [n.input?.[0] ?? ''];
  for (const name of ['starts', 'ends', 'axes']) {
    const a = attribute(n, name);
    if (!a) {
      if (name !== 'axes') ctx.fail(n, `has no '${name}' attribute`);
      continue;
    }
    const c = constantNode(ctx, `${baseName(n)}_${name}`, int64Tensor(intsOf(n, a, ctx)));
    helpers.push(c.node);
    inputs.push(c.output);
  }
  return { before: helpers, node: { ...dropAttributes(n, ['starts', 'ends', 'axes']), input: inputs }, after: [] };
}

function clipInputs(n: NodeMessage, ctx: RewriteContext): Rewritten {
  const x = n.input?.[0] ?? '';
  const helpers: NodeMessage[] = [];
  const inputs = [x, '', ''];
  (['min', 'max'] as const).forEach((name, k) => {
    const a = attribute(n, name);
    if (!a) return;
    const c = floatLike(n, ctx, name, floatOf(n, a, ctx), x);
    helpers.push(...c.nodes);
    inputs[k + 1] = c.output;
  });
  while (inputs.length > 1 && inputs[inputs.length - 1] === '') inputs.pop();
  return { before: helpers, node: { ...dropAttributes(n, ['min', 'max']), input: inputs }, after: [] };
}

function padInputs(n: NodeMessage, ctx: RewriteContext): Rewritten {
  const x = n.input?.[0] ?? '';
  const pads = attribute(n, 'pads') ?? attribute(n, 'paddings');
  if (!pads) ctx.fail(n, "has no 'pads' attribute");
  const p = constantNode(ctx, `${baseName(n)}_pads`, int64Tensor(intsOf(n, pads, ctx)));
  const helpers = [p.node];
  const inputs = [x, p.output];
  const value = attribute(n, 'value');
  if (value && floatOf(n, value, ctx) !== 0) {
    const v = floatLike(n, ctx, 'constant_value', floatOf(n, value, ctx), x);
    helpers.push(...v.nodes);
    inputs.push(v.output);
  }
  return { before: helpers, node: { ...dropAttributes(n, ['pads', 'paddings', 'value']), input: inputs }, after: [] };
}

/**
 * Softmax < 13 normalizes over everything from `axis` on (2-D coercion, default axis 1); from 13 over one
 * axis (default -1). Equal when the axis is the last one; otherwise flatten, normalize rows, reshape back.
 */
function softmaxAxis(n: NodeMessage, ctx: RewriteContext): Rewritten {
  const a = attribute(n, 'axis');
  const axis = a ? longToNumber(a.i ?? 0) : 1;
  const rank = ctx.outputRank(n);
  const isLast = axis === -1 || (rank !== undefined && axis === rank - 1);
  const others = (n.attribute ?? []).filter((x) => x.name !== 'axis');
  if (isLast) return only(withAttributes(n, [...others, intAttribute('axis', -1)]));
  const x = n.input?.[0] ?? '';
  const y = n.output?.[0] ?? '';
  const base = baseName(n);
  const shape = ctx.unique(`${base}_input_shape`);
  const flat = ctx.unique(`${base}_flat`);
  const rows = ctx.unique(`${base}_rows`);
  return {
    before: [
      { name: ctx.unique(`${base}_Shape`), op_type: 'Shape', input: [x], output: [shape], attribute: [] },
      { name: ctx.unique(`${base}_Flatten`), op_type: 'Flatten', input: [x], output: [flat], attribute: [intAttribute('axis', axis)] },
    ],
    node: { ...n, input: [flat], output: [rows], attribute: [...others, intAttribute('axis', 1)] },
    after: [{ name: ctx.unique(`${base}_Reshape`), op_type: 'Reshape', input: [rows, shape], output: [y], attribute: [] }],
  };
}

function splitOutputs(n: NodeMessage): Rewritten {
  const hasSizes = (n.input?.length ?? 0) > 1 && n.input![1] !== '';
  if (hasSizes || attribute(n, 'num_outputs')) return only(n);
  return only(withAttributes(n, [...(n.attribute ?? []), intAttribute('num_outputs', n.output?.length ?? 0)]));
}
