// The scaled-dot-product core shared by ONNX Attention (opset 23/24) and the com.microsoft attention
// contrib ops: repeat KV heads for GQA, QKᵀ, optional softcap, bias add, softmax (optionally in another
// precision), optional zeroing of fully masked rows, then ·V. The chain stays dot → softmax → dot so the
// attention finder can match it. Inputs are already [batch, heads, seq, head_size].

import type { Instruction } from '../../ir/instruction.js';
import type { ElementType } from '../../ir/types.js';
import { ModelError } from '../../errors.js';
import type { NodeContext } from '../context.js';

export interface SdpaInputs {
  /** [B, Hq, Sq, D] */
  readonly q: Instruction;
  /** [B, Hkv, T, D] (past already concatenated) */
  readonly k: Instruction;
  /** [B, Hkv, T, Dv] */
  readonly v: Instruction;
  readonly scale: number;
  /**
   * 'split': q and kᵀ are each multiplied by √scale before the dot (ONNX Attention's function body);
   * 'after': the dot's result is multiplied by scale (MIGraphX's contrib Attention parser).
   */
  readonly scaleMode: 'split' | 'after';
  /** Additive bias in q's type, broadcastable to [B, Hq, Sq, T]. */
  readonly bias?: Instruction;
  /** tanh soft cap applied to the scores before the bias; 0 = none. */
  readonly softcap: number;
  /** Type the softmax runs in (q's type when undefined). */
  readonly softmaxType?: ElementType;
  /** Zero the probabilities of rows whose bias is −inf everywhere (ONNX's safe softmax). */
  readonly zeroMaskedRows: boolean;
}

export interface SdpaResult {
  /** [B, Hq, Sq, Dv] */
  readonly y: Instruction;
  /** The scaled QKᵀ scores. */
  readonly scores: Instruction;
  /** Scores after the soft cap (the scores when there is none). */
  readonly capped: Instruction;
  /** Capped scores plus bias. */
  readonly biased: Instruction;
  /** Softmax output in q's type (after zeroing masked rows). */
  readonly probs: Instruction;
}

/** [B, S, H·D] → [B, H, S, D] */
export function splitHeads(ctx: NodeContext, x: Instruction, heads: number, what: string): Instruction {
  if (x.shape.ndim !== 3) throw new ModelError(`${what} must have rank 3, got ${x.shape.ndim}`);
  const [b, s, hidden] = x.shape.lens as [number, number, number];
  if (hidden % heads !== 0) throw new ModelError(`${what} hidden size ${hidden} is not a multiple of ${heads} heads`);
  const split = ctx.add('reshape', [x], { dims: [b, s, heads, hidden / heads] });
  return ctx.add('transpose', [split], { permutation: [0, 2, 1, 3] });
}

/** [B, H, S, D] → [B, S, H·D] */
export function mergeHeads(ctx: NodeContext, x: Instruction): Instruction {
  const [b, h, s, d] = x.shape.lens as [number, number, number, number];
  const t = ctx.add('transpose', [x], { permutation: [0, 2, 1, 3] });
  return ctx.add('reshape', [t], { dims: [b, s, h * d] });
}

/** KV heads repeated to the query head count ([B, Hkv, T, D] → [B, Hkv·r, T, D], each head r times). */
export function repeatKvHeads(ctx: NodeContext, x: Instruction, queryHeads: number): Instruction {
  const [b, heads, t, d] = x.shape.lens as [number, number, number, number];
  if (heads === queryHeads) return x;
  if (queryHeads % heads !== 0) throw new ModelError(`${queryHeads} query heads are not a multiple of ${heads} key/value heads`);
  const r = queryHeads / heads;
  const spread = ctx.broadcastTo(ctx.add('unsqueeze', [x], { axes: [2] }), [b, heads, r, t, d]);
  return ctx.add('reshape', [spread], { dims: [b, queryHeads, t, d] });
}

export function scaledDotProductAttention(ctx: NodeContext, a: SdpaInputs): SdpaResult {
  const type = a.q.shape.type;
  const queryHeads = a.q.shape.lens[1]!;
  const k = repeatKvHeads(ctx, a.k, queryHeads);
  const v = repeatKvHeads(ctx, a.v, queryHeads);
  let q = a.q;
  let kT = ctx.add('transpose', [k], { permutation: [0, 1, 3, 2] });
  if (a.scaleMode === 'split') {
    const root = ctx.scalar(type, Math.fround(Math.sqrt(a.scale)));
    q = ctx.add('mul', [q, ctx.broadcastTo(root, q.shape.lens)]);
    kT = ctx.add('mul', [kT, ctx.broadcastTo(root, kT.shape.lens)]);
  }
  let scores = ctx.add('dot', [q, kT]);
  if (a.scaleMode === 'after') scores = ctx.add('mul', [scores, ctx.fill(type, a.scale, scores.shape.lens)]);
  const lens = scores.shape.lens;

  let capped = scores;
  if (a.softcap !== 0) {
    const divided = ctx.add('div', [scores, ctx.fill(type, a.softcap, lens)]);
    capped = ctx.add('mul', [ctx.add('tanh', [divided]), ctx.fill(type, a.softcap, lens)]);
  }
  const biased = a.bias ? ctx.add('add', [capped, ctx.broadcastTo(a.bias, lens)]) : capped;

  const softmaxType = a.softmaxType ?? type;
  const softmax = ctx.add('softmax', [ctx.convert(biased, softmaxType)], { axis: 3 });
  let probs = ctx.convert(softmax, type);
  if (a.bias && a.zeroMaskedRows) probs = zeroFullyMaskedRows(ctx, probs, a.bias);

  const y = ctx.add('dot', [probs, v]);
  return { y, scores, capped, biased, probs };
}

/** where(max(bias over keys) == −inf, 0, probs): a row that may attend nothing gets zeros, not NaN. */
function zeroFullyMaskedRows(ctx: NodeContext, probs: Instruction, bias: Instruction): Instruction {
  if (bias.isLiteral() && !hasFullyMaskedRow(bias)) return probs;
  const type = probs.shape.type;
  const rowMax = ctx.add('reduce_max', [bias], { axes: [bias.shape.ndim - 1] });
  const masked = ctx.add('equal', [rowMax, ctx.fill(bias.shape.type, -Infinity, rowMax.shape.lens)]);
  const [cond, zero, p] = ctx.broadcastAll([masked, ctx.fill(type, 0, []), probs]) as [Instruction, Instruction, Instruction];
  return ctx.add('where', [cond, zero, p]);
}

function hasFullyMaskedRow(bias: Instruction): boolean {
  const t = bias.literal!;
  const lens = bias.shape.lens;
  const rowLen = lens[lens.length - 1] ?? 1;
  const n = t.shape.elements();
  for (let row = 0; row < n; row += rowLen) {
    let all = rowLen > 0;
    for (let j = 0; j < rowLen && all; j++) all = t.get(row + j) === -Infinity;
    if (all) return true;
  }
  return false;
}
