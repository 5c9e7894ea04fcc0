// ONNX Attention (opset 23, 24) expanded as its function body: 3-D inputs split into heads, past K/V
// concatenated (and returned as present), the attention bias built from attn_mask (bool → 0/−inf, padded
// with −inf to the total length), is_causal (bottom-right aligned) and nonpad_kv_seqlen (24), then the
// shared core (attention-core.ts). qk_matmul_output returns the scores at the stage its mode names.

import type { Instruction } from '../../ir/instruction.js';
import { Tensor } from '../../ir/tensor.js';
import type { ElementType } from '../../ir/types.js';
import { ModelError } from '../../errors.js';
import type { NodeContext } from '../context.js';
import { defineOnnxOp } from '../registry.js';
import { elementTypeFromOnnx } from '../tensor.js';
import { mergeHeads, scaledDotProductAttention, splitHeads } from './attention-core.js';

function int64(ctx: NodeContext, lens: number[], values: number[]): Instruction {
  return ctx.literal(Tensor.fromNumbers('int64_type', lens, values));
}

/** The −inf/0 bias of a causal mask: query i (offset by the cached length) sees keys j <= i + past. */
function causalBias(ctx: NodeContext, rows: number, cols: number, past: number, type: ElementType): Instruction {
  const values: number[] = [];
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) values.push(j > i + past ? -Infinity : 0);
  return ctx.literal(Tensor.fromNumbers(type, [rows, cols], values));
}

/** The causal bias when the cache is external: the offset is per batch, nonpad_kv_seqlen − Sq. */
function causalBiasPerBatch(ctx: NodeContext, nonpad: Instruction, rows: number, cols: number): Instruction {
  const batch = nonpad.shape.lens[0]!;
  const offset = ctx.add('sub', [nonpad, ctx.fill('int64_type', rows, nonpad.shape.lens)]);
  const offset4d = ctx.add('unsqueeze', [offset], { axes: [1, 2, 3] });
  const rowIndex = int64(
    ctx,
    [1, 1, rows, 1],
    Array.from({ length: rows }, (_, i) => i),
  );
  const lastVisible = ctx.elementwise('add', [rowIndex, offset4d]);
  const colIndex = int64(
    ctx,
    [1, 1, 1, cols],
    Array.from({ length: cols }, (_, j) => j),
  );
  const hidden = ctx.elementwise('less', [lastVisible, colIndex]);
  const lens = [batch, 1, rows, cols];
  return ctx.add('where', [ctx.broadcastTo(hidden, lens), ctx.fill('float_type', -Infinity, lens), ctx.fill('float_type', 0, lens)]);
}

/** [B, 1, 1, kvLen] float bias hiding keys at or past each batch's nonpad length. */
function paddingBias(ctx: NodeContext, nonpad: Instruction, kvLen: number): Instruction {
  const batch = nonpad.shape.lens[0]!;
  const positions = int64(
    ctx,
    [1, kvLen],
    Array.from({ length: kvLen }, (_, j) => j),
  );
  const valid = ctx.elementwise('less', [positions, ctx.add('unsqueeze', [nonpad], { axes: [1] })]);
  const lens = [batch, kvLen];
  const bias = ctx.add('where', [valid, ctx.fill('float_type', 0, lens), ctx.fill('float_type', -Infinity, lens)]);
  return ctx.add('unsqueeze', [bias], { axes: [1, 2] });
}

/** attn_mask as an additive bias: bool → 0 / −inf, and a short key axis padded with −inf. */
function maskBias(ctx: NodeContext, mask: Instruction, total: number): Instruction {
  let bias = mask;
  if (mask.shape.type === 'bool_type') {
    const lens = mask.shape.lens;
    bias = ctx.add('where', [mask, ctx.fill('float_type', 0, lens), ctx.fill('float_type', -Infinity, lens)]);
  }
  const axis = bias.shape.ndim - 1;
  const have = bias.shape.lens[axis]!;
  if (have > total) throw new ModelError(`attn_mask has ${have} keys but the total sequence length is ${total}`);
  if (have < total) {
    const padLens = bias.shape.lens.map((l, d) => (d === axis ? total - have : l));
    bias = ctx.add('concat', [bias, ctx.fill(bias.shape.type, -Infinity, padLens)], { axis });
  }
  return bias;
}

defineOnnxOp(
  'Attention',
  (ctx) => {
    const q0 = ctx.input(0);
    const k0 = ctx.input(1);
    const v0 = ctx.input(2);
    const mask = ctx.optionalInput(3);
    const pastKey = ctx.optionalInput(4);
    const pastValue = ctx.optionalInput(5);
    const nonpad = ctx.opset >= 24 ? ctx.optionalInput(6) : undefined;
    const type = q0.shape.type;
    const localWindow = ctx.int('local_window_size', -1);
    if (localWindow !== -1) throw new ModelError(`local_window_size ${localWindow} is not supported`);

    const is3d = q0.shape.ndim === 3;
    if (!is3d && q0.shape.ndim !== 4) throw new ModelError(`Q must have rank 3 or 4, got ${q0.shape.ndim}`);
    let q = q0;
    let k = k0;
    let v = v0;
    if (is3d) {
      const qHeads = ctx.int('q_num_heads');
      const kvHeads = ctx.int('kv_num_heads');
      q = splitHeads(ctx, q0, qHeads, 'Q');
      k = splitHeads(ctx, k0, kvHeads, 'K');
      v = splitHeads(ctx, v0, kvHeads, 'V');
    }
    if (pastKey) k = ctx.add('concat', [pastKey, k], { axis: 2 });
    if (pastValue) v = ctx.add('concat', [pastValue, v], { axis: 2 });

    const headSize = q.shape.lens[3]!;
    const rows = q.shape.lens[2]!;
    const total = k.shape.lens[2]!;
    const past = pastKey ? pastKey.shape.lens[2]! : 0;
    const scale = ctx.hasAttr('scale') ? Math.fround(ctx.float('scale')) : Math.fround(1 / Math.fround(Math.sqrt(headSize)));

    // Bias pieces, combined in float and cast to Q's type (the function body's AttnBiasT).
    const pieces: Instruction[] = [];
    let userMask = mask ? maskBias(ctx, mask, total) : undefined;
    if (ctx.int('is_causal', 0) !== 0) {
      if (nonpad && !pastKey) {
        if (userMask?.shape.ndim === 3) userMask = ctx.add('unsqueeze', [userMask], { axes: [1] });
        if (userMask) pieces.push(userMask);
        pieces.push(causalBiasPerBatch(ctx, nonpad, rows, total));
      } else {
        if (userMask) pieces.push(userMask);
        // Alone, the causal bias is a literal made directly in Q's type (so its rows can be checked at import).
        pieces.push(causalBias(ctx, rows, total, past, userMask || nonpad ? 'float_type' : type));
      }
    } else if (userMask) {
      pieces.push(userMask);
    }
    if (nonpad) pieces.push(paddingBias(ctx, nonpad, k0.shape.lens[k0.shape.ndim - 2]!));
    let bias: Instruction | undefined;
    if (pieces.length === 1) bias = ctx.convert(pieces[0]!, type);
    else if (pieces.length > 1) {
      const sum = pieces.map((p) => ctx.convert(p, 'float_type')).reduce((acc, p) => ctx.elementwise('add', [acc, p]));
      bias = ctx.convert(sum, type);
    }

    const r = scaledDotProductAttention(ctx, {
      q,
      k,
      v,
      scale,
      scaleMode: 'split',
      ...(bias ? { bias } : {}),
      softcap: ctx.float('softcap', 0),
      softmaxType: ctx.hasAttr('softmax_precision') ? elementTypeFromOnnx(ctx.int('softmax_precision')) : type,
      zeroMaskedRows: true,
    });

    const y = is3d ? mergeHeads(ctx, r.y) : r.y;
    let qk: Instruction | undefined;
    if (ctx.hasOutput(3)) {
      const mode = ctx.int('qk_matmul_output_mode', 0);
      const byMode = [r.scores, r.capped, r.biased, r.probs];
      qk = byMode[mode];
      if (!qk) throw new ModelError(`qk_matmul_output_mode ${mode} is not one of 0-3`);
    }
    return [y, ctx.hasOutput(1) ? k : undefined, ctx.hasOutput(2) ? v : undefined, qk];
  },
  { sinceVersion: 23 },
);
