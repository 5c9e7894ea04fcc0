// Type changes: convert, quantizelinear, dequantizelinear. Scales and zero points arrive broadcast to
// the input's lens (the importer inserts multibroadcast / broadcast). `saturate` (ONNX Cast and
// QuantizeLinear, float8 only) prints only when off, so the usual text matches MIGraphX's.

import { defineOp, formatAttr, ShapeError, type Op } from '../ir/op.js';
import type { Shape } from '../ir/shape.js';
import { isFloatType } from '../ir/types.js';
import { expectInputs, expectSameLens, standard } from './common.js';

function printWithSaturate(op: Op, first: string): string {
  const spec = op.def.attrs.find((a) => a.name === first)!;
  const main = `${first}=${formatAttr(spec.kind, op.attrs[first] ?? null)}`;
  return op.bool('saturate') ? `${op.name}[${main}]` : `${op.name}[${main},saturate=0]`;
}

defineOp({
  name: 'convert',
  pointwise: true,
  attrs: [
    { name: 'target_type', kind: 'type' },
    { name: 'saturate', kind: 'bool', default: true },
  ],
  computeShape(op, inputs) {
    expectInputs(inputs, 1);
    return standard(op.type('target_type'), inputs[0]!.lens);
  },
  print: (op) => printWithSaturate(op, 'target_type'),
});

defineOp({
  name: 'quantizelinear',
  pointwise: true,
  attrs: [
    { name: 'out_type', kind: 'optionalType', default: null },
    { name: 'saturate', kind: 'bool', default: true },
  ],
  computeShape(op, inputs) {
    expectInputs(inputs, 2, 3);
    expectSameLens(inputs);
    const [x, scale, zp] = inputs as [Shape, Shape, Shape | undefined];
    if (!isFloatType(x.type) && x.type !== 'int32_type') throw new ShapeError(`input is ${x.type}, expected a float type`);
    if (!isFloatType(scale.type)) throw new ShapeError(`scale is ${scale.type}, expected a float type`);
    const out = zp ? zp.type : (op.optionalType('out_type') ?? 'uint8_type');
    return standard(out, x.lens);
  },
  print: (op) => printWithSaturate(op, 'out_type'),
});

defineOp({
  name: 'dequantizelinear',
  pointwise: true,
  attrs: [],
  computeShape(_op, inputs) {
    expectInputs(inputs, 2, 3);
    expectSameLens(inputs);
    const [x, scale, zp] = inputs as [Shape, Shape, Shape | undefined];
    if (!isFloatType(scale.type)) throw new ShapeError(`scale is ${scale.type}, expected a float type`);
    if (zp && zp.type !== x.type) throw new ShapeError(`zero point is ${zp.type} but input is ${x.type}`);
    return standard(scale.type, x.lens);
  },
});
