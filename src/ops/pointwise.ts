// Elementwise ops (MIGraphX spelling). Inputs have equal lens (the importer inserts multibroadcast);
// outputs are standard. Arithmetic needs equal input types; comparisons return bool_type.

import { defineOp, ShapeError, type OpDef } from '../ir/op.js';
import type { Shape } from '../ir/shape.js';
import { isFloatType, isIntegerType, type ElementType } from '../ir/types.js';
import { expectInputs, expectSameLens, expectSameType, standard } from './common.js';

function arithmetic(t: ElementType): boolean {
  return isFloatType(t) || isIntegerType(t);
}

function unary(name: string, ok: (t: ElementType) => boolean = arithmetic, what = 'a number type'): OpDef {
  return defineOp({
    name,
    pointwise: true,
    attrs: [],
    computeShape(_op, inputs) {
      expectInputs(inputs, 1);
      const s = inputs[0]!;
      if (!ok(s.type)) throw new ShapeError(`input is ${s.type}, expected ${what}`);
      return standard(s.type, s.lens);
    },
  });
}

function binary(name: string, result: (s: Shape) => ElementType = (s) => s.type, ok: (t: ElementType) => boolean = arithmetic, what = 'a number type'): OpDef {
  return defineOp({
    name,
    pointwise: true,
    attrs: [],
    computeShape(_op, inputs) {
      expectInputs(inputs, 2);
      expectSameLens(inputs);
      expectSameType(inputs);
      const s = inputs[0]!;
      if (!ok(s.type)) throw new ShapeError(`inputs are ${s.type}, expected ${what}`);
      return standard(result(s), s.lens);
    },
  });
}

const float = (t: ElementType) => isFloatType(t);
const isBool = (t: ElementType) => t === 'bool_type';
const anyType = (t: ElementType) => arithmetic(t) || t === 'bool_type';

for (const n of ['abs', 'neg', 'sign', 'relu']) unary(n);
for (const n of ['sqrt', 'rsqrt', 'exp', 'log', 'erf', 'tanh', 'sigmoid', 'recip', 'floor', 'ceil', 'nearbyint', 'sin', 'cos']) {
  unary(n, float, 'a float type');
}
unary('not', (t) => t === 'bool_type' || isIntegerType(t), 'bool or an integer type');

defineOp({
  name: 'isnan',
  pointwise: true,
  attrs: [],
  computeShape(_op, inputs) {
    expectInputs(inputs, 1);
    return standard('bool_type', inputs[0]!.lens);
  },
});

for (const n of ['add', 'sub', 'mul', 'div', 'pow', 'min', 'max', 'mod', 'fmod']) binary(n);
for (const n of ['equal', 'less', 'greater']) binary(n, () => 'bool_type', anyType, 'a number or bool type');
for (const n of ['logical_and', 'logical_or', 'logical_xor']) binary(n, () => 'bool_type', isBool, 'bool_type');

defineOp({
  name: 'where',
  pointwise: true,
  attrs: [],
  computeShape(_op, inputs) {
    expectInputs(inputs, 3);
    expectSameLens(inputs);
    const [c, x, y] = inputs as [Shape, Shape, Shape];
    if (c.type !== 'bool_type') throw new ShapeError(`condition is ${c.type}, expected bool_type`);
    if (x.type !== y.type) throw new ShapeError(`input 1 is ${x.type} but input 2 is ${y.type}`);
    return standard(x.type, x.lens);
  },
});

defineOp({
  name: 'clip',
  pointwise: true,
  attrs: [],
  computeShape(_op, inputs) {
    expectInputs(inputs, 3);
    expectSameLens(inputs);
    expectSameType(inputs);
    return standard(inputs[0]!.type, inputs[0]!.lens);
  },
});
