// A `group[tag=attention]` (fuse-attention) as one launch of the fused attention kernel
// (attention-kernel.ts, kernels/attention.wgsl): its submodule is matched to the kernel's description,
//   dot(q, kᵀ) → [convert] → [mul | div by a constant]… → [add(mask) | where(mask, ·, fill)] →
//   reduce_max / sub / exp / reduce_sum / div (rewrite-reduce's softmax) → [convert | where(false, 0, ·)] → dot(·, v) →
//   [convert] → [quantizelinear(constant scale)]
// with q, k, v and the mask read through their views. Anything else (a causal mask built from constants,
// a softcap, a second output) returns undefined and the group runs as its submodule's ops.

import type { Instruction } from '../ir/instruction.js';
import type { Module } from '../ir/module.js';
import { normalizeAxis } from '../ops/common.js';
import { submoduleParameters } from '../ref/interpret.js';
import { attentionLaunch, attentionUnsupported, type AttentionKernelDesc, type AttentionMask } from './attention-kernel.js';
import type { LoweringContext } from './lower-context.js';
import { constantValue } from './fused-program.js';
import type { ValueView } from './launch.js';
import { literalView } from './lower.js';
import { isViewOp, replayView } from './views.js';

/** The view a path of view ops over a parameter or literal reads, or undefined. */
function viewOf(ctx: LoweringContext, node: Instruction, bound: ReadonlyMap<Instruction, ValueView>): ValueView | undefined {
  const chain: Instruction[] = [];
  let cur = node;
  while (!bound.has(cur) && !cur.isLiteral() && isViewOp(cur)) {
    chain.push(cur);
    cur = cur.inputs[0]!;
  }
  let view: ValueView | undefined = bound.get(cur) ?? (cur.isLiteral() ? literalView(ctx, cur) : undefined);
  for (const v of chain.reverse()) view = view && replayView(v, view);
  return view;
}

/** True when `ins` is a constant (a literal behind views) whose every element is 0 / false. */
function constantZeros(ins: Instruction): boolean {
  let cur = ins;
  while (!cur.isLiteral() && isViewOp(cur)) cur = cur.inputs[0]!;
  return cur.isLiteral() && cur.literal!.toNumbers().every((v) => v === 0);
}

/** The only user of `ins` in its module (not the return), or undefined. */
function onlyUser(ins: Instruction): Instruction | undefined {
  return ins.outputs.length === 1 && !ins.outputs[0]!.isReturn() ? ins.outputs[0] : undefined;
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

export function lowerAttentionGroup(ctx: LoweringContext, ins: Instruction, inputs: readonly ValueView[], target: ValueView | undefined): ValueView | undefined {
  const sub: Module = ins.moduleInputs[0]!;
  const bound = new Map<Instruction, ValueView>();
  submoduleParameters(sub).forEach((p, k) => bound.set(p, inputs[k]!));
  const dots = sub.instructions().filter((i) => i.op.name === 'dot');
  if (dots.length !== 2 || sub.instructions().some((i) => i.op.name === 'quant_dot')) return undefined;
  const [gemm1, gemm2] = dots as [Instruction, Instruction];
  const q = viewOf(ctx, gemm1.inputs[0]!, bound);
  const k = viewOf(ctx, gemm1.inputs[1]!, bound);
  const v = viewOf(ctx, gemm2.inputs[1]!, bound);
  if (!q || !k || !v) return undefined;

  // Scores: gemm1 → converts, constant scales, one mask → the softmax input.
  let scale = 1;
  let mask: AttentionMask | undefined;
  let cur = gemm1;
  while (!cur.outputs.some((u) => u.op.name === 'reduce_max')) {
    const u = onlyUser(cur);
    if (!u) return undefined;
    if (u.op.name === 'convert') {
      if (u.shape.type !== 'float_type' && u.shape.type !== 'half_type') return undefined;
    } else if ((u.op.name === 'mul' || u.op.name === 'div') && u.inputs.length === 2) {
      const other = u.inputs[0] === cur ? u.inputs[1]! : u.inputs[0]!;
      const c = constantValue(other);
      if (c === undefined || (u.op.name === 'div' && u.inputs[1] !== other)) return undefined;
      scale = u.op.name === 'mul' ? scale * c : scale / c;
    } else if (u.op.name === 'add' && !mask) {
      const other = u.inputs[0] === cur ? u.inputs[1]! : u.inputs[0]!;
      const view = viewOf(ctx, other, bound);
      if (!view) return undefined;
      mask = { kind: 'additive', view };
    } else {
      return undefined;
    }
    cur = u;
  }
  // The softmax's input has two users (reduce_max, sub); walking stopped at it.
  const probs = softmaxFrom(cur);
  if (!probs) return undefined;
  // Converts, and the ONNX Attention expansion's where(fully-masked row, 0, p) when no row is (a
  // constant false condition, as without a boolean mask).
  let p = probs;
  while (p !== gemm2.inputs[0]) {
    const u = onlyUser(p);
    const noop = u?.op.name === 'where' && u.inputs[2] === p && u.inputs[1] !== p && constantZeros(u.inputs[0]!);
    if (!u || (u.op.name !== 'convert' && !noop)) return undefined;
    p = u;
  }
  if (gemm2.inputs[1] === p) return undefined;

  // Output: gemm2 → [convert] → [quantizelinear].
  const result = sub.outputInstructions()[0]!;
  let quantize: { scale: number } | undefined;
  let saturate = true;
  let o = gemm2;
  while (o !== result) {
    const u = onlyUser(o);
    if (!u) return undefined;
    if (u.op.name === 'convert' && !quantize) {
      // the output type is the last convert's
    } else if (u.op.name === 'quantizelinear' && !quantize) {
      const s = constantValue(u.inputs[1]);
      if (s === undefined || constantValue(u.inputs[2]) !== 0) return undefined;
      quantize = { scale: s };
      saturate = u.op.bool('saturate');
    } else {
      return undefined;
    }
    o = u;
  }
  const out = result.shape.standard ? result.shape : result.shape.asStandard();
  const fits = target && target.shape.type === out.type && target.shape.standard && target.shape.ndim === out.ndim && target.shape.lens.every((l, d) => l === out.lens[d]);
  const probe: ValueView = fits ? target! : { buffer: -1, shape: out, offset: 0 };
  const desc: AttentionKernelDesc = {
    q,
    k,
    kLayout: 'bhds',
    v,
    output: probe,
    scale,
    ...(mask ? { mask } : {}),
    ...(quantize ? { quantize } : {}),
    saturate,
    label: ctx.describe(),
  };
  if (attentionUnsupported(desc, ctx.caps) !== undefined) return undefined;
  const output = fits ? target! : ctx.newValue(out);
  ctx.addLaunch(attentionLaunch({ ...desc, output }, ctx.caps));
  return output;
}
