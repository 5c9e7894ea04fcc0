// QuantizeLinear / DequantizeLinear → `quantizelinear` / `dequantizelinear` with scale and zero point
// spread to x's lens: per-tensor by multibroadcast, per-axis by broadcast[axis], blocked (block_size) by
// unsqueeze → multibroadcast → reshape (→ slice for a short last block), as MIGraphX's builders do.
// The zero point's type (else output_dtype, else uint8) is the quantized type.

import type { Instruction } from '../../ir/instruction.js';
import { isLowPrecisionFloat } from '../../ir/types.js';
import { normalizeAxis } from '../../ops/common.js';
import { ModelError } from '../../errors.js';
import type { NodeContext } from '../context.js';
import { defineOnnxOp } from '../registry.js';
import { elementTypeFromOnnx } from '../tensor.js';
import { sliceAxis } from './layout.js';

/** Spreads a scale or zero point over `x`'s lens according to its granularity. */
function spread(ctx: NodeContext, s: Instruction, x: Instruction, blockSize: number): Instruction {
  const lens = x.shape.lens;
  if (blockSize === 0 && s.shape.elements() === 1 && s.shape.ndim <= 1) return ctx.broadcastTo(s, lens);
  const axis = normalizeAxis(ctx.int('axis', 1), x.shape.ndim);
  if (blockSize === 0) {
    if (s.shape.ndim !== 1 || s.shape.lens[0] !== lens[axis]) {
      throw new ModelError(`per-axis scale {${s.shape.lens.join(', ')}} does not match axis ${axis} of {${lens.join(', ')}}`);
    }
    return ctx.add('broadcast', [s], { axis, out_lens: [...lens] });
  }
  if (blockSize < 0) throw new ModelError(`block_size ${blockSize} must be positive`);
  const blocks = Math.ceil(lens[axis]! / blockSize);
  const fits = s.shape.ndim === lens.length && s.shape.lens.every((l, d) => (d === axis ? l === blocks : l === lens[d]));
  if (!fits) throw new ModelError(`blocked scale {${s.shape.lens.join(', ')}} does not fit {${lens.join(', ')}} with block_size ${blockSize} on axis ${axis}`);
  const withBlockAxis = ctx.add('unsqueeze', [s], { axes: [axis + 1] });
  const blockLens = [...s.shape.lens.slice(0, axis + 1), blockSize, ...s.shape.lens.slice(axis + 1)];
  const repeated = ctx.broadcastTo(withBlockAxis, blockLens);
  const fullLens = lens.map((l, d) => (d === axis ? blocks * blockSize : l));
  const flat = ctx.add('reshape', [repeated], { dims: fullLens });
  return sliceAxis(ctx, flat, axis, 0, lens[axis]!);
}

defineOnnxOp(
  'QuantizeLinear',
  (ctx) => {
    const x = ctx.input(0);
    const scale = ctx.input(1);
    const zp = ctx.optionalInput(2);
    const blockSize = ctx.int('block_size', 0);
    const dtype = ctx.int('output_dtype', 0);
    const outType = dtype !== 0 ? elementTypeFromOnnx(dtype) : null;
    if (zp && outType && zp.shape.type !== outType) throw new ModelError(`output_dtype ${outType} differs from the zero point's ${zp.shape.type}`);
    // The division runs in the scale's type unless `precision` names another (opset 25).
    const precision = ctx.int('precision', 0);
    const computeType = precision !== 0 ? elementTypeFromOnnx(precision) : scale.shape.type;
    const xc = ctx.convert(x, computeType);
    const inputs = [xc, spread(ctx, ctx.convert(scale, computeType), x, blockSize)];
    if (zp) inputs.push(spread(ctx, zp, x, blockSize));
    const quantized = zp?.shape.type ?? outType ?? 'uint8_type';
    const saturate = isLowPrecisionFloat(quantized) ? ctx.int('saturate', 1) !== 0 : true;
    return ctx.add('quantizelinear', inputs, { out_type: zp ? null : outType, saturate });
  },
  { sinceVersion: 10 },
);

defineOnnxOp(
  'DequantizeLinear',
  (ctx) => {
    const x = ctx.input(0);
    const zp = ctx.optionalInput(2);
    const blockSize = ctx.int('block_size', 0);
    const dtype = ctx.int('output_dtype', 0);
    // The output (and multiplication) type is the scale's unless output_dtype names another.
    const scale = dtype !== 0 ? ctx.convert(ctx.input(1), elementTypeFromOnnx(dtype)) : ctx.input(1);
    const inputs = [x, spread(ctx, scale, x, blockSize)];
    if (zp) inputs.push(spread(ctx, zp, x, blockSize));
    return ctx.add('dequantizelinear', inputs);
  },
  { sinceVersion: 10 },
);
