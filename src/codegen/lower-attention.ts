// A `group[tag=attention]` (fuse-attention) as one launch of the fused attention kernel
// (attention-kernel.ts, kernels/attention.wgsl): its submodule is matched to the kernel's description,
//   dot(q, kᵀ) → [convert] → [mul | div by a constant]… → [tanh → mul by c (softcap)] → [mul by a tensor] →
//   [add(mask) | sub(·, mask) | where(bool mask, ·, fill)] → reduce_max / sub / exp / reduce_sum / div (rewrite-reduce's
//   softmax) → [convert | where(cond, 0, ·)] → dot(·, v) →
//   [convert] → [quantizelinear(constant scale)] → [layout (the output's memory order)]
// with q, k, v and the mask read through their views. Anything else returns the reason, which lowering
// records (LoweredProgram.fallbacks) before the group runs as its submodule's ops.

import type { Instruction } from '../ir/instruction.js';
import type { Module } from '../ir/module.js';
import { Shape } from '../ir/shape.js';
import { normalizeAxis } from '../ops/common.js';
import type { Tensor } from '../ir/tensor.js';
import { tryEvaluateConstant } from '../ref/evaluate.js';
import { submoduleParameters } from '../ref/interpret.js';
import { attentionLaunch, attentionUnsupported, type AttentionKernelDesc, type AttentionMask } from './attention-kernel.js';
import type { LoweringContext } from './lower-context.js';
import { constantValue } from './fused-program.js';
import type { ValueView } from './launch.js';
import { constantView, literalView } from './lower.js';
import { elementBytes } from './type-classes.js';
import { isViewOp, replayView } from './views.js';

/** Values computed from literals only (a causal mask built in the group), evaluated once per lowering. */
const foldedConstants = new WeakMap<LoweringContext, Map<Instruction, Tensor>>();

/** The value of a constant expression as a literal buffer, or undefined when `ins` reads a parameter. */
function foldedView(ctx: LoweringContext, ins: Instruction): ValueView | undefined {
  let known = foldedConstants.get(ctx);
  if (!known) foldedConstants.set(ctx, (known = new Map()));
  let value = known.get(ins);
  if (!value) {
    value = tryEvaluateConstant(ins);
    if (!value) return undefined;
    known.set(ins, value);
  }
  return elementBytes(value.type) === 0 ? undefined : constantView(ctx, value);
}

/** The view a path of view ops over a parameter, a literal or a constant expression reads, or undefined. */
function viewOf(ctx: LoweringContext, node: Instruction, bound: ReadonlyMap<Instruction, ValueView>): ValueView | undefined {
  const chain: Instruction[] = [];
  let cur = node;
  while (!bound.has(cur) && !cur.isLiteral() && isViewOp(cur)) {
    chain.push(cur);
    cur = cur.inputs[0]!;
  }
  let view: ValueView | undefined = bound.get(cur) ?? (cur.isLiteral() ? literalView(ctx, cur) : foldedView(ctx, cur));
  for (const v of chain.reverse()) view = view && replayView(v, view);
  return view;
}

/**
 * A rank-2 or rank-3 operand as rank 4 ([S, D] → [1, 1, S, D]; [B·H, S, D] → [1, B·H, S, D]): attention
 * is independent per leading index, so 3-D bmm attention (OPT, BLOOM) and 2-D Gemm attention run as
 * batch 1 with the leading axes as heads.
 */
function asRank4(view: ValueView): ValueView {
  const { lens, strides, type } = view.shape;
  if (lens.length >= 4 || lens.length < 2) return view;
  const pad = 4 - lens.length;
  return { ...view, shape: new Shape(type, [...new Array<number>(pad).fill(1), ...lens], [...new Array<number>(pad).fill(0), ...strides]) };
}

/** True when `ins` is a constant (a literal behind views and converts) whose every element is 0 / false. */
function constantZeros(ins: Instruction): boolean {
  let cur = ins;
  while (!cur.isLiteral() && (isViewOp(cur) || cur.op.name === 'convert')) cur = cur.inputs[0]!;
  return cur.isLiteral() && cur.literal!.toNumbers().every((v) => v === 0);
}

/** The only user of `ins` in its module (not the return), or undefined. */
function onlyUser(ins: Instruction): Instruction | undefined {
  return ins.outputs.length === 1 && !ins.outputs[0]!.isReturn() ? ins.outputs[0] : undefined;
}

/** A reshape that keeps the last two axes (rows of keys stay rows, in order): a no-op for the kernel. */
function keepsRows(reshape: Instruction): boolean {
  const a = reshape.inputs[0]!.shape.lens;
  const b = reshape.shape.lens;
  return reshape.op.name === 'reshape' && a.length >= 2 && b.length >= 2 && a.at(-1) === b.at(-1) && a.at(-2) === b.at(-2);
}

const lastAxis = (r: Instruction) => r.op.ints('axes').length === 1 && normalizeAxis(r.op.ints('axes')[0]!, r.inputs[0]!.shape.ndim) === r.inputs[0]!.shape.ndim - 1;

/** The softmax rewrite-reduce makes, from its input s: returns its output (the div), or undefined. */
function softmaxFrom(s: Instruction): Instruction | undefined {
  const users = s.outputs;
  const max = users.find((u) => u.op.name === 'reduce_max');
  const sub = users.find((u) => u.op.name === 'sub');
  if (users.length !== 2 || !max || !sub || !lastAxis(max) || sub.inputs[0] !== s) return undefined;
  const mbMax = sub.inputs[1]!;
  if (mbMax.op.name !== 'multibroadcast' || mbMax.inputs[0] !== max) return undefined;
  const exp = onlyUser(sub);
  if (!exp || exp.op.name !== 'exp') return undefined;
  const sum = exp.outputs.find((u) => u.op.name === 'reduce_sum');
  const div = exp.outputs.find((u) => u.op.name === 'div');
  if (exp.outputs.length !== 2 || !sum || !div || !lastAxis(sum) || div.inputs[0] !== exp) return undefined;
  const mbSum = div.inputs[1]!;
  return mbSum.op.name === 'multibroadcast' && mbSum.inputs[0] === sum ? div : undefined;
}

export function lowerAttentionGroup(ctx: LoweringContext, ins: Instruction, inputs: readonly ValueView[], target: ValueView | undefined): ValueView | string {
  const sub: Module = ins.moduleInputs[0]!;
  const bound = new Map<Instruction, ValueView>();
  submoduleParameters(sub).forEach((p, k) => bound.set(p, inputs[k]!));
  const dots = sub.instructions().filter((i) => i.op.name === 'dot');
  if (sub.instructions().some((i) => i.op.name === 'quant_dot')) return 'its dots are quantized (quant_dot)';
  if (dots.length !== 2) return `${dots.length} dots, not 2`;
  const [gemm1, gemm2] = dots as [Instruction, Instruction];
  const q = viewOf(ctx, gemm1.inputs[0]!, bound);
  const k = viewOf(ctx, gemm1.inputs[1]!, bound);
  const v = viewOf(ctx, gemm2.inputs[1]!, bound);
  if (!q || !k || !v) return 'q, k or v is computed inside the group, not a view of an input';
  const rank = gemm1.shape.ndim;
  if (rank < 2 || rank > 4 || [q, k, v].some((x) => x.shape.ndim !== rank) || gemm2.shape.ndim !== rank) return `q, k, v of ranks ${q.shape.ndim}, ${k.shape.ndim}, ${v.shape.ndim} (2, 3 or 4, all the same)`;

  // Scores: gemm1 → converts, constant scales, [softcap: tanh → mul by c], one mask → the softmax input.
  let scale = 1;
  let softcap: number | undefined;
  let factor: ValueView | undefined;
  let mask: AttentionMask | undefined;
  // Masks and conditions are read in the scores' layout: not after a reshape (a 3-D softmax around
  // 4-D attention) changed their leading axes.
  const asScores = (x: Instruction) => x.shape.lens.length === gemm1.shape.lens.length && x.shape.lens.every((l, d) => l === gemm1.shape.lens[d]);
  let cur = gemm1;
  while (!cur.outputs.some((u) => u.op.name === 'reduce_max')) {
    const u = onlyUser(cur);
    if (!u) return `the scores (${cur.op.name}) have ${cur.outputs.length} users`;
    const other = u.inputs[0] === cur ? u.inputs[1] : u.inputs[0];
    if (u.op.name === 'convert') {
      if (u.shape.type !== 'float_type' && u.shape.type !== 'half_type') return `the scores are converted to ${u.shape.type}`;
    } else if ((u.op.name === 'mul' || u.op.name === 'div') && u.inputs.length === 2 && constantValue(other) !== undefined) {
      const c = constantValue(other)!;
      if (u.op.name === 'div' && u.inputs[1] !== other) return 'a constant divided by the scores';
      if (mask || softcap !== undefined) return `the scores are scaled after the ${mask ? 'mask' : 'softcap'}`;
      scale = u.op.name === 'mul' ? scale * c : scale / c;
    } else if (u.op.name === 'mul' && !factor && !mask) {
      // scores · m (m a tensor: GPT-2's w · b): the kernel's score factor.
      const view = viewOf(ctx, other!, bound);
      if (!view || !asScores(cur)) return 'the scores are multiplied by a tensor computed inside the group';
      factor = asRank4(view);
    } else if (u.op.name === 'tanh' && softcap === undefined && !mask && !factor) {
      // c · tanh(s / c): the division is already in `scale`; the kernel's softcap c takes the mul.
      const capMul = onlyUser(u);
      const c = capMul?.op.name === 'mul' ? constantValue(capMul.inputs[0] === u ? capMul.inputs[1] : capMul.inputs[0]) : undefined;
      if (!capMul || c === undefined || !(c > 0)) return 'tanh on the scores without a multiplication by a positive constant after it (softcap)';
      softcap = c;
      scale *= c;
      cur = capMul;
      continue;
    } else if (keepsRows(u)) {
      // a view of the same rows
    } else if ((u.op.name === 'add' || u.op.name === 'sub' || u.op.name === 'where') && !mask && !asScores(cur)) {
      return 'a mask after a reshape of the scores';
    } else if ((u.op.name === 'add' || (u.op.name === 'sub' && u.inputs[0] === cur)) && !mask) {
      const view = viewOf(ctx, other!, bound);
      if (!view) return 'the additive mask is computed inside the group from its inputs';
      mask = { kind: 'additive', view: asRank4(view), ...(u.op.name === 'sub' ? { subtract: true } : {}) };
    } else if (u.op.name === 'where' && !mask && u.inputs[0] !== cur) {
      // where(cond, scores, fill) keeps where cond is true; where(cond, fill, scores) where it is false.
      const keepWhen = u.inputs[1] === cur;
      const fill = constantValue(u.inputs[keepWhen ? 2 : 1]);
      const view = viewOf(ctx, u.inputs[0]!, bound);
      if (fill === undefined || !view || view.shape.type !== 'bool_type') return 'where on the scores with a fill that is not a constant or a condition that is not a bool input';
      mask = { kind: 'bool', view: asRank4(view), keepWhen, fill };
    } else {
      if (mask && (u.op.name === 'add' || u.op.name === 'sub' || u.op.name === 'where')) return 'two masks on the scores';
      if (u.op.name === 'mul') return factor ? 'the scores are multiplied by two tensors' : 'the scores are multiplied by a tensor after the mask';
      return `${u.op.name} on the scores`;
    }
    cur = u;
  }
  // The softmax's input has two users (reduce_max, sub); walking stopped at it.
  const probs = softmaxFrom(cur);
  if (!probs) return 'the softmax is not the max / sub / exp / sum / div of the last axis';
  // Converts, and the ONNX Attention expansion's where(fully-masked row, 0, p): a no-op when the
  // condition is a constant false, else probabilities the kernel leaves out of O.
  let p = probs;
  let zeroProbs: AttentionKernelDesc['zeroProbs'];
  while (p !== gemm2.inputs[0]) {
    const u = onlyUser(p);
    if (!u) return 'the probabilities have several users';
    if (u.op.name === 'where' && u.inputs[0] !== p) {
      const zeroWhen = u.inputs[2] === p;
      const zeros = u.inputs[zeroWhen ? 1 : 2]!;
      if (!constantZeros(zeros)) return 'where on the probabilities with a value other than 0';
      const cond = u.inputs[0]!;
      if (!(zeroWhen && constantZeros(cond))) {
        if (!asScores(p)) return 'where(cond, 0, P) on reshaped probabilities';
        const view = viewOf(ctx, cond, bound);
        if (!view || view.shape.type !== 'bool_type') return 'where(cond, 0, P) with a condition that is not a bool input';
        if (zeroProbs) return 'two where(cond, 0, P) on the probabilities';
        zeroProbs = { view: asRank4(view), zeroWhen };
      }
    } else if (u.op.name !== 'convert' && !keepsRows(u)) {
      return `${u.op.name} on the probabilities`;
    }
    p = u;
  }
  if (gemm2.inputs[1] === p) return 'the probabilities are the second dot\'s right operand';

  // Output: gemm2 → [convert] → [quantizelinear] → [layout] (the output written in another memory order).
  const result = sub.outputInstructions()[0]!;
  let quantize: { scale: number } | undefined;
  let saturate = true;
  let o = gemm2;
  while (o !== result) {
    const u = onlyUser(o);
    if (!u) return 'the output has several users';
    if (u.op.name === 'convert' && !quantize) {
      // the output type is the last convert's
    } else if (u.op.name === 'layout' && u === result) {
      // the output's strides are the layout's
    } else if (u.op.name === 'quantizelinear' && !quantize) {
      const s = constantValue(u.inputs[1]);
      if (s === undefined || constantValue(u.inputs[2]) !== 0) return 'the quantizelinear epilogue has a non-constant scale or a non-zero zero point';
      quantize = { scale: s };
      saturate = u.op.bool('saturate');
    } else {
      return `${u.op.name} after the second dot`;
    }
    o = u;
  }
  const laidOut = result.op.name === 'layout';
  const out = result.shape.standard || laidOut ? result.shape : result.shape.asStandard();
  const fits = laidOut
    ? target?.shape.equals(out)
    : target && target.shape.type === out.type && target.shape.standard && target.shape.ndim === out.ndim && target.shape.lens.every((l, d) => l === out.lens[d]);
  const probe: ValueView = fits ? target! : { buffer: -1, shape: out, offset: 0 };
  const desc: AttentionKernelDesc = {
    q: asRank4(q),
    k: asRank4(k),
    kLayout: 'bhds',
    v: asRank4(v),
    output: asRank4(probe),
    scale,
    ...(softcap !== undefined ? { softcap } : {}),
    ...(factor ? { scoreFactor: factor } : {}),
    ...(mask ? { mask } : {}),
    ...(zeroProbs ? { zeroProbs } : {}),
    ...(quantize ? { quantize } : {}),
    saturate,
    label: ctx.describe(),
  };
  const problem = attentionUnsupported(desc, ctx.caps);
  if (problem !== undefined) return problem;
  const output = fits ? target! : ctx.newLaidOut(out);
  ctx.addLaunch(attentionLaunch({ ...desc, output: asRank4(output) }, ctx.caps));
  return output;
}
