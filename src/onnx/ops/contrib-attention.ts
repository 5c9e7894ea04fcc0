// com.microsoft Attention, MultiHeadAttention and GroupQueryAttention (onnxruntime contrib ops) expanded
// into the shared core with scores = (q·kᵀ)·scale, as MIGraphX's parse_attention. Masks become an
// additive bias (mask_filter_value, or −inf for GQA). Options outside the common set (rotary, packed
// inputs, shared KV buffers, quantized caches, extra outputs) are rejected with a ModelError.

import type { Instruction } from '../../ir/instruction.js';
import { Tensor } from '../../ir/tensor.js';
import type { ElementType } from '../../ir/types.js';
import { ModelError } from '../../errors.js';
import type { NodeContext } from '../context.js';
import { defineOnnxOp } from '../registry.js';
import { sliceAxis } from './layout.js';
import { matmul } from './matmul.js';
import { mergeHeads, scaledDotProductAttention, splitHeads } from './attention-core.js';

const MS = { domain: 'com.microsoft' };

/** Rejects inputs the lowering does not implement. */
function rejectInputs(ctx: NodeContext, unsupported: Readonly<Record<number, string>>): void {
  for (const [i, name] of Object.entries(unsupported)) {
    if (ctx.hasInput(Number(i))) throw new ModelError(`input ${name} is not supported`);
  }
}

function rejectIntAttr(ctx: NodeContext, name: string, allowed: number): void {
  const v = ctx.int(name, allowed);
  if (v !== allowed) throw new ModelError(`attribute ${name}=${v} is not supported`);
}

function positions(ctx: NodeContext, type: ElementType, lens: number[], count: number): Instruction {
  return ctx.literal(
    Tensor.fromNumbers(
      type,
      lens,
      Array.from({ length: count }, (_, j) => j),
    ),
  );
}

/** bool [rows, total]: key j is hidden from query i when j > i + past. */
function causalHidden(ctx: NodeContext, rows: number, total: number, past: number): Instruction {
  const hidden: number[] = [];
  for (let i = 0; i < rows; i++) for (let j = 0; j < total; j++) hidden.push(j > i + past ? 1 : 0);
  return ctx.literal(Tensor.fromNumbers('bool_type', [rows, total], hidden));
}

/** bool [B, 1, 1, total]: key j is hidden when j >= length[b] (lengths: [B] integers). */
function lengthHidden(ctx: NodeContext, lengths: Instruction, total: number): Instruction {
  const visible = ctx.elementwise('less', [positions(ctx, lengths.shape.type, [1, total], total), ctx.add('unsqueeze', [lengths], { axes: [1] })]);
  return ctx.add('unsqueeze', [ctx.add('not', [visible])], { axes: [1, 2] });
}

/** onnxruntime's key padding mask formats → bool hidden, broadcastable to [B, N, S, total]. */
function keyMaskHidden(ctx: NodeContext, mask: Instruction, batch: number, rows: number, total: number): Instruction {
  const lens = mask.shape.lens;
  if (lens.length === 1 && lens[0] === batch) return lengthHidden(ctx, mask, total);
  const isZero = () => ctx.elementwise('equal', [mask, ctx.fill(mask.shape.type, 0, [])]);
  if (lens.length === 2 && lens[0] === batch && lens[1] === total) return ctx.add('unsqueeze', [isZero()], { axes: [1, 2] });
  if (lens.length === 3 && lens[0] === batch && lens[1] === rows && lens[2] === total) return ctx.add('unsqueeze', [isZero()], { axes: [1] });
  throw new ModelError(`mask shape {${lens.join(', ')}} is not supported (expected (B), (B, ${total}) or (B, ${rows}, ${total}))`);
}

/** where(hidden, value, 0) in `type`, plus an optional additive attention_bias. */
function attentionBias(ctx: NodeContext, hidden: Instruction[], value: number, type: ElementType, extra: Instruction | undefined): Instruction | undefined {
  let bias: Instruction | undefined;
  if (hidden.length > 0) {
    const any = hidden.reduce((acc, h) => ctx.elementwise('logical_or', [acc, h]));
    const lens = any.shape.lens;
    bias = ctx.add('where', [any, ctx.fill(type, value, lens), ctx.fill(type, 0, lens)]);
  }
  if (extra) bias = bias ? ctx.elementwise('add', [bias, extra]) : extra;
  return bias;
}

function scaleFor(ctx: NodeContext, headSize: number): number {
  return ctx.hasAttr('scale') && ctx.float('scale') !== 0 ? ctx.float('scale') : 1 / Math.sqrt(headSize);
}

defineOnnxOp(
  'Attention',
  (ctx) => {
    rejectIntAttr(ctx, 'do_rotary', 0);
    rejectIntAttr(ctx, 'past_present_share_buffer', 0);
    rejectInputs(ctx, { 6: 'past_sequence_length' });
    const input = ctx.input(0);
    const weights = ctx.input(1);
    const heads = ctx.int('num_heads');
    if (input.shape.ndim !== 3) throw new ModelError(`input must have rank 3, got ${input.shape.ndim}`);
    const [batch, rows] = input.shape.lens as [number, number, number];
    const width = weights.shape.lens[1]!;
    const sizes = ctx.ints('qkv_hidden_sizes', [width / 3, width / 3, width / 3]);
    if (sizes.length !== 3 || sizes[0]! + sizes[1]! + sizes[2]! !== width || !sizes.every(Number.isInteger)) {
      throw new ModelError(`qkv_hidden_sizes {${sizes.join(', ')}} do not split the weights' ${width} columns`);
    }

    let projected = matmul(ctx, input, weights);
    const bias = ctx.optionalInput(2);
    if (bias) projected = ctx.elementwise('add', [projected, bias]);
    const [qSize, kSize] = sizes as [number, number, number];
    const q = splitHeads(ctx, sliceAxis(ctx, projected, 2, 0, qSize), heads, 'Q');
    let k = splitHeads(ctx, sliceAxis(ctx, projected, 2, qSize, qSize + kSize), heads, 'K');
    let v = splitHeads(ctx, sliceAxis(ctx, projected, 2, qSize + kSize, width), heads, 'V');

    const pastState = ctx.optionalInput(4);
    const past = pastState ? pastState.shape.lens[3]! : 0;
    if (pastState) {
      const half = (i: number) => ctx.add('squeeze', [sliceAxis(ctx, pastState, 0, i, i + 1)], { axes: [0] });
      k = ctx.add('concat', [half(0), k], { axis: 2 });
      v = ctx.add('concat', [half(1), v], { axis: 2 });
    }
    const total = k.shape.lens[2]!;
    const hidden: Instruction[] = [];
    const mask = ctx.optionalInput(3);
    if (mask) hidden.push(keyMaskHidden(ctx, mask, batch, rows, total));
    if (ctx.int('unidirectional', 0) !== 0) hidden.push(causalHidden(ctx, rows, total, past));
    const type = input.shape.type;
    const attnBias = attentionBias(ctx, hidden, ctx.float('mask_filter_value', -10000), type, ctx.optionalInput(5));

    const r = scaledDotProductAttention(ctx, {
      q,
      k,
      v,
      scale: scaleFor(ctx, q.shape.lens[3]!),
      scaleMode: 'after',
      ...(attnBias ? { bias: attnBias } : {}),
      softcap: 0,
      zeroMaskedRows: false,
    });
    let present: Instruction | undefined;
    if (ctx.hasOutput(1)) {
      present = ctx.add('concat', [ctx.add('unsqueeze', [k], { axes: [0] }), ctx.add('unsqueeze', [v], { axes: [0] })], { axis: 0 });
    }
    return [mergeHeads(ctx, r.y), present];
  },
  MS,
);

/** MultiHeadAttention's key or value: 3-D [B, T, hidden] gets split; 4-D BNSH is used as is. */
function headsOf(ctx: NodeContext, x: Instruction, heads: number, bias: Instruction | undefined, what: string): Instruction {
  if (x.shape.ndim === 4) {
    if (bias) throw new ModelError(`a bias with 4-D (BNSH) ${what} is not supported`);
    return x;
  }
  return splitHeads(ctx, bias ? ctx.elementwise('add', [x, bias]) : x, heads, what);
}

defineOnnxOp(
  'MultiHeadAttention',
  (ctx) => {
    rejectInputs(ctx, { 8: 'past_sequence_length', 9: 'cache_indirection' });
    if (ctx.hasOutput(3)) throw new ModelError('output qk is not supported');
    const query = ctx.input(0);
    if (query.shape.ndim !== 3) throw new ModelError(`packed QKV query (rank ${query.shape.ndim}) is not supported`);
    const key = ctx.optionalInput(1);
    const value = ctx.optionalInput(2);
    if (!key || !value) throw new ModelError('packed QKV (query without key and value) is not supported');
    if (key.shape.ndim === 5) throw new ModelError('packed KV keys are not supported');
    const heads = ctx.int('num_heads');
    const [batch, rows, qHidden] = query.shape.lens as [number, number, number];

    const bias = ctx.optionalInput(3);
    let qBias: Instruction | undefined;
    let kBias: Instruction | undefined;
    let vBias: Instruction | undefined;
    if (bias) {
      const kHidden = key.shape.ndim === 3 ? key.shape.lens[2]! : qHidden;
      const width = bias.shape.lens[0]!;
      qBias = sliceAxis(ctx, bias, 0, 0, qHidden);
      kBias = sliceAxis(ctx, bias, 0, qHidden, qHidden + kHidden);
      vBias = sliceAxis(ctx, bias, 0, qHidden + kHidden, width);
    }
    const q = splitHeads(ctx, qBias ? ctx.elementwise('add', [query, qBias]) : query, heads, 'query');
    let k = headsOf(ctx, key, heads, key.shape.ndim === 3 ? kBias : undefined, 'key');
    let v = headsOf(ctx, value, heads, value.shape.ndim === 3 ? vBias : undefined, 'value');

    const pastKey = ctx.optionalInput(6);
    const pastValue = ctx.optionalInput(7);
    const past = pastKey ? pastKey.shape.lens[2]! : 0;
    if (pastKey) k = ctx.add('concat', [pastKey, k], { axis: 2 });
    if (pastValue) v = ctx.add('concat', [pastValue, v], { axis: 2 });
    const total = k.shape.lens[2]!;

    const hidden: Instruction[] = [];
    const mask = ctx.optionalInput(4);
    if (mask) hidden.push(keyMaskHidden(ctx, mask, batch, rows, total));
    if (ctx.int('unidirectional', 0) !== 0) hidden.push(causalHidden(ctx, rows, total, past));
    const type = query.shape.type;
    const attnBias = attentionBias(ctx, hidden, ctx.float('mask_filter_value', -10000), type, ctx.optionalInput(5));

    const r = scaledDotProductAttention(ctx, {
      q,
      k,
      v,
      scale: scaleFor(ctx, q.shape.lens[3]!),
      scaleMode: 'after',
      ...(attnBias ? { bias: attnBias } : {}),
      softcap: 0,
      zeroMaskedRows: false,
    });
    return [mergeHeads(ctx, r.y), ctx.hasOutput(1) ? k : undefined, ctx.hasOutput(2) ? v : undefined];
  },
  MS,
);

defineOnnxOp(
  'GroupQueryAttention',
  (ctx) => {
    rejectIntAttr(ctx, 'do_rotary', 0);
    rejectIntAttr(ctx, 'local_window_size', -1);
    rejectIntAttr(ctx, 'smooth_softmax', 0);
    rejectIntAttr(ctx, 'qk_output', 0);
    rejectIntAttr(ctx, 'sliding_window_cache', 0);
    for (const name of ['k_quant_type', 'v_quant_type']) {
      const mode = ctx.string(name, 'NONE');
      if (mode !== 'NONE') throw new ModelError(`attribute ${name}=${mode} is not supported`);
    }
    rejectInputs(ctx, { 7: 'cos_cache', 8: 'sin_cache', 11: 'head_sink', 12: 'k_scale', 13: 'v_scale', 14: 'q_norm_weight', 15: 'k_norm_weight' });
    const heads = ctx.int('num_heads');
    const kvHeads = ctx.int('kv_num_heads');
    let query = ctx.input(0);
    let key = ctx.optionalInput(1);
    let value = ctx.optionalInput(2);
    if (query.shape.ndim !== 3) throw new ModelError(`query must have rank 3, got ${query.shape.ndim}`);
    if (!key || !value) {
      // Packed QKV: [B, S, (N + 2·Nkv)·H].
      const width = query.shape.lens[2]!;
      const headSize = width / (heads + 2 * kvHeads);
      if (!Number.isInteger(headSize)) throw new ModelError(`packed QKV width ${width} does not split into ${heads}+2·${kvHeads} heads`);
      const packed = query;
      query = sliceAxis(ctx, packed, 2, 0, heads * headSize);
      key = sliceAxis(ctx, packed, 2, heads * headSize, (heads + kvHeads) * headSize);
      value = sliceAxis(ctx, packed, 2, (heads + kvHeads) * headSize, width);
    }
    const rows = query.shape.lens[1]!;
    const q = splitHeads(ctx, query, heads, 'query');
    let k = splitHeads(ctx, key, kvHeads, 'key');
    let v = splitHeads(ctx, value, kvHeads, 'value');
    const pastKey = ctx.optionalInput(3);
    const pastValue = ctx.optionalInput(4);
    if (pastKey) k = ctx.add('concat', [pastKey, k], { axis: 2 });
    if (pastValue) v = ctx.add('concat', [pastValue, v], { axis: 2 });
    const total = k.shape.lens[2]!;

    // Per batch, seqlens_k + 1 keys are valid; with a past cache the queries sit at the end of them.
    const seqlens = ctx.input(5);
    const lengths = ctx.add('add', [seqlens, ctx.fill(seqlens.shape.type, 1, seqlens.shape.lens)]);
    const hidden = [lengthHidden(ctx, lengths, total)];
    if (ctx.int('causal', 1) !== 0) {
      if (!pastKey) hidden.push(causalHidden(ctx, rows, total, 0));
      else {
        const offset = ctx.add('sub', [lengths, ctx.fill(seqlens.shape.type, rows, seqlens.shape.lens)]);
        const rowIndex = positions(ctx, seqlens.shape.type, [1, 1, rows, 1], rows);
        const lastVisible = ctx.elementwise('add', [rowIndex, ctx.add('unsqueeze', [offset], { axes: [1, 2, 3] })]);
        hidden.push(ctx.elementwise('less', [lastVisible, positions(ctx, seqlens.shape.type, [1, 1, 1, total], total)]));
      }
    }
    const type = query.shape.type;
    const attnBias = attentionBias(ctx, hidden, -Infinity, type, ctx.optionalInput(10));

    const r = scaledDotProductAttention(ctx, {
      q,
      k,
      v,
      scale: scaleFor(ctx, q.shape.lens[3]!),
      scaleMode: 'after',
      ...(attnBias ? { bias: attnBias } : {}),
      softcap: ctx.float('softcap', 0),
      zeroMaskedRows: true,
    });
    return [mergeHeads(ctx, r.y), ctx.hasOutput(1) ? k : undefined, ctx.hasOutput(2) ? v : undefined];
  },
  MS,
);
