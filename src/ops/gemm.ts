// GEMM-like ops: dot (float), quant_dot (fp8/int8 in, float/int32 out), convolution.
// dot and quant_dot need rank >= 2 and equal batch lens: the importer broadcasts MatMul's batch dims.

import { defineOp, ShapeError } from '../ir/op.js';
import type { Shape } from '../ir/shape.js';
import { isFloatType, isFp8Type, isIntegerType, type ElementType } from '../ir/types.js';
import { expectInputs, standard } from './common.js';

function gemmLens(a: Shape, b: Shape): number[] {
  if (a.ndim < 2 || b.ndim < 2) throw new ShapeError(`inputs must have rank >= 2, got ${a.ndim} and ${b.ndim}`);
  if (a.ndim !== b.ndim) throw new ShapeError(`inputs have different ranks ${a.ndim} and ${b.ndim}`);
  const batch = a.lens.slice(0, -2);
  if (b.lens.slice(0, -2).some((l, i) => l !== batch[i])) {
    throw new ShapeError(`batch dims differ: {${a.lens.join(', ')}} and {${b.lens.join(', ')}}`);
  }
  const k1 = a.lens[a.ndim - 1]!;
  const k2 = b.lens[b.ndim - 2]!;
  if (k1 !== k2) throw new ShapeError(`inner dims differ: {${a.lens.join(', ')}} · {${b.lens.join(', ')}} (${k1} vs ${k2})`);
  return [...batch, a.lens[a.ndim - 2]!, b.lens[b.ndim - 1]!];
}

defineOp({
  name: 'dot',
  attrs: [],
  computeShape(_op, inputs) {
    expectInputs(inputs, 2);
    const [a, b] = inputs as [Shape, Shape];
    if (a.type !== b.type) throw new ShapeError(`input 0 is ${a.type} but input 1 is ${b.type}`);
    if (!isFloatType(a.type) && !isIntegerType(a.type)) throw new ShapeError(`inputs are ${a.type}, expected a float or integer type`);
    return standard(a.type, gemmLens(a, b));
  },
});

/** quant_dot's output type: float for fp8 inputs, int32 for 8-bit integers (MIGraphX). */
export function quantDotOutputType(t: ElementType): ElementType {
  return isFp8Type(t) ? 'float_type' : 'int32_type';
}

defineOp({
  name: 'quant_dot',
  attrs: [],
  computeShape(_op, inputs) {
    expectInputs(inputs, 2);
    const [a, b] = inputs as [Shape, Shape];
    const ok = (t: ElementType) => isFp8Type(t) || t === 'int8_type' || t === 'uint8_type';
    if (!ok(a.type) || !ok(b.type)) throw new ShapeError(`inputs are ${a.type} and ${b.type}, expected fp8 or 8-bit integers`);
    if (isFp8Type(a.type) !== isFp8Type(b.type)) throw new ShapeError(`cannot mix ${a.type} and ${b.type}`);
    return standard(quantDotOutputType(a.type), gemmLens(a, b));
  },
});

defineOp({
  name: 'convolution',
  attrs: [
    { name: 'padding', kind: 'ints', default: [0, 0, 0, 0] },
    { name: 'stride', kind: 'ints', default: [1, 1] },
    { name: 'dilation', kind: 'ints', default: [1, 1] },
    { name: 'group', kind: 'int', default: 1 },
    { name: 'padding_mode', kind: 'int', default: 0 },
  ],
  computeShape(op, inputs) {
    expectInputs(inputs, 2);
    const [x, w] = inputs as [Shape, Shape];
    if (x.type !== w.type) throw new ShapeError(`input is ${x.type} but weights are ${w.type}`);
    if (x.ndim < 3 || w.ndim !== x.ndim) throw new ShapeError(`input rank ${x.ndim} and weight rank ${w.ndim} must match and be >= 3`);
    const k = x.ndim - 2;
    const pad = op.ints('padding');
    const stride = op.ints('stride');
    const dil = op.ints('dilation');
    const group = op.int('group');
    if (pad.length !== 2 * k || stride.length !== k || dil.length !== k) {
      throw new ShapeError(`padding/stride/dilation lengths ${pad.length}/${stride.length}/${dil.length} do not fit ${k} spatial dims`);
    }
    if (x.lens[1] !== w.lens[1]! * group) throw new ShapeError(`input has ${x.lens[1]} channels, weights expect ${w.lens[1]}×${group}`);
    if (w.lens[0]! % group !== 0) throw new ShapeError(`${w.lens[0]} output channels are not divisible by group ${group}`);
    const out = [x.lens[0]!, w.lens[0]!];
    for (let i = 0; i < k; i++) {
      const span = dil[i]! * (w.lens[i + 2]! - 1) + 1;
      const n = Math.floor((x.lens[i + 2]! + pad[i]! + pad[i + k]! - span) / stride[i]!) + 1;
      if (n < 1) throw new ShapeError(`spatial dim ${i} is empty (input ${x.lens[i + 2]}, kernel span ${span})`);
      out.push(n);
    }
    return standard(x.type, out);
  },
});
