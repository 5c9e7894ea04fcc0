// com.microsoft layer fusions, expanded: SkipLayerNormalization (input + skip + bias → LayerNorm over the
// last axis), EmbedLayerNormalization (gathers + sum → LayerNorm, mask_index = valid words per row),
// SkipSimplifiedLayerNormalization (the same with RMS normalization), FastGelu / BiasGelu / Gelu /
// QuickGelu. Normalization runs in float like onnxruntime's kernels.

import type { Instruction } from '../../ir/instruction.js';
import { Tensor } from '../../ir/tensor.js';
import { ModelError } from '../../errors.js';
import { defineOnnxOp } from '../registry.js';
import { geluErf, geluTanh } from './activation.js';
import { sliceAxis } from './layout.js';
import { layerNorm, rmsNorm } from './normalization.js';

const MS = { domain: 'com.microsoft' };

/** onnxruntime's default epsilon for its fused layer norms (kDefault*LayerNormEpsilon). */
const FUSED_LAYER_NORM_EPSILON = 1e-12;

defineOnnxOp(
  'SkipLayerNormalization',
  (ctx) => {
    const input = ctx.input(0);
    let sum = ctx.elementwise('add', [input, ctx.input(1)]);
    const bias = ctx.optionalInput(4);
    if (bias) sum = ctx.elementwise('add', [sum, bias]);
    const r = layerNorm(ctx, sum, ctx.input(2), ctx.optionalInput(3), sum.shape.ndim - 1, ctx.float('epsilon', FUSED_LAYER_NORM_EPSILON), 'float_type');
    return [r.y, ctx.hasOutput(1) ? r.mean : undefined, ctx.hasOutput(2) ? r.invStdDev : undefined, sum];
  },
  MS,
);

defineOnnxOp(
  'SkipSimplifiedLayerNormalization',
  (ctx) => {
    let sum = ctx.elementwise('add', [ctx.input(0), ctx.input(1)]);
    const bias = ctx.optionalInput(3);
    if (bias) sum = ctx.elementwise('add', [sum, bias]);
    const r = rmsNorm(ctx, sum, ctx.input(2), sum.shape.ndim - 1, ctx.float('epsilon', FUSED_LAYER_NORM_EPSILON), 'float_type');
    if (ctx.hasOutput(1)) throw new ModelError('output mean is not supported (training only)');
    return [r.y, undefined, ctx.hasOutput(2) ? r.invStdDev : undefined, sum];
  },
  MS,
);

defineOnnxOp(
  'EmbedLayerNormalization',
  (ctx) => {
    const ids = ctx.input(0);
    if (ids.shape.ndim !== 2) throw new ModelError(`input_ids must be 2-D, got rank ${ids.shape.ndim}`);
    const [batch, rows] = ids.shape.lens as [number, number];
    const gatherRows = (table: Instruction, indices: Instruction) => ctx.add('gather', [table, indices], { axis: 0 });

    let sum = gatherRows(ctx.input(2), ids);
    const positionIds = ctx.optionalInput(8);
    const positionTable = ctx.input(3);
    const position = positionIds ? gatherRows(positionTable, positionIds) : sliceAxis(ctx, positionTable, 0, 0, rows);
    sum = ctx.elementwise('add', [sum, position]);
    const segmentIds = ctx.optionalInput(1);
    const segmentTable = ctx.optionalInput(4);
    if (segmentIds && segmentTable) sum = ctx.elementwise('add', [sum, gatherRows(segmentTable, segmentIds)]);

    const r = layerNorm(ctx, sum, ctx.input(5), ctx.input(6), 2, ctx.float('epsilon', FUSED_LAYER_NORM_EPSILON), 'float_type');
    let maskIndex: Instruction | undefined;
    if (ctx.hasOutput(1)) {
      const mask = ctx.optionalInput(7);
      maskIndex = mask
        ? ctx.add('squeeze', [ctx.add('reduce_sum', [ctx.convert(mask, 'int32_type')], { axes: [1] })], { axes: [1] })
        : ctx.literal(Tensor.fromNumbers('int32_type', [batch], new Array<number>(batch).fill(0)));
    }
    return [r.y, maskIndex, sum];
  },
  MS,
);

defineOnnxOp(
  'FastGelu',
  (ctx) => {
    const bias = ctx.optionalInput(1);
    const x = bias ? ctx.elementwise('add', [ctx.input(0), bias]) : ctx.input(0);
    return geluTanh(ctx, x, true);
  },
  MS,
);

defineOnnxOp('BiasGelu', (ctx) => geluErf(ctx, ctx.elementwise('add', [ctx.input(0), ctx.input(1)])), MS);
defineOnnxOp('Gelu', (ctx) => geluErf(ctx, ctx.input(0)), MS);

defineOnnxOp(
  'QuickGelu',
  (ctx) => {
    const x = ctx.input(0);
    const scaled = ctx.add('mul', [x, ctx.fill(x.shape.type, ctx.float('alpha', 1.702), x.shape.lens)]);
    return ctx.add('mul', [x, ctx.add('sigmoid', [scaled])]);
  },
  MS,
);
