// Operators whose values are known at compile time because shapes are static: Constant, Shape, Size,
// Range, ConstantOfShape. They become literals (ConstantOfShape: a broadcast scalar literal, which the
// importer folds to a full literal when it is small), so Shape → Gather → Concat → Reshape folds.

import { Shape } from '../../ir/shape.js';
import { Tensor } from '../../ir/tensor.js';
import { ModelError } from '../../errors.js';
import { defineOnnxOp } from '../registry.js';

defineOnnxOp('Constant', (ctx) => {
  const tensor = ctx.tensor('value');
  if (tensor) return ctx.literal(tensor.value());
  if (ctx.hasAttr('value_float')) return ctx.literal(Tensor.fromNumbers('float_type', [], [ctx.float('value_float')]));
  if (ctx.hasAttr('value_floats')) {
    const v = ctx.floats('value_floats');
    return ctx.literal(Tensor.fromNumbers('float_type', [v.length], v));
  }
  if (ctx.hasAttr('value_int')) return ctx.literal(Tensor.fromNumbers('int64_type', [], [ctx.int('value_int')]));
  if (ctx.hasAttr('value_ints')) {
    const v = ctx.ints('value_ints');
    return ctx.literal(Tensor.fromNumbers('int64_type', [v.length], v));
  }
  const other = [...ctx.node.attributes.keys()].join(', ');
  throw new ModelError(other ? `constant attribute ${other} is not supported (string and sparse constants)` : 'has no value attribute');
});

defineOnnxOp('Shape', (ctx) => {
  const lens = ctx.input(0).shape.lens;
  const rank = lens.length;
  const bound = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  const start = bound(ctx.int('start', 0));
  const end = bound(ctx.int('end', rank));
  const dims = lens.slice(start, Math.max(start, end));
  return ctx.literal(Tensor.fromNumbers('int64_type', [dims.length], dims));
});

defineOnnxOp('Size', (ctx) => ctx.literal(Tensor.fromNumbers('int64_type', [], [ctx.input(0).shape.elements()])));

defineOnnxOp('Range', (ctx) => {
  const scalarOf = (i: number, what: string) => {
    const t = ctx.constant(i, what);
    if (t.shape.elements() !== 1) throw new ModelError(`${what} must be a scalar`);
    return t.get(0);
  };
  const type = ctx.input(0).shape.type;
  const start = scalarOf(0, 'start');
  const limit = scalarOf(1, 'limit');
  const delta = scalarOf(2, 'delta');
  if (delta === 0) throw new ModelError('delta is 0');
  const n = Math.max(Math.ceil((limit - start) / delta), 0);
  return ctx.literal(Tensor.fromNumbers(type, [n], Array.from({ length: n }, (_, k) => start + k * delta)));
});

defineOnnxOp('ConstantOfShape', (ctx) => {
  const lens = ctx.constantInts(0, 'the output shape');
  if (lens.some((l) => l < 0)) throw new ModelError(`shape {${lens.join(', ')}} has a negative dim`);
  const value = ctx.tensor('value')?.value();
  if (value && value.shape.elements() !== 1) throw new ModelError('value must hold one element');
  const type = value?.type ?? 'float_type';
  const v = value ? value.get(0) : 0;
  if (lens.length === 0) return ctx.literal(Tensor.fromNumbers(type, [], [v]));
  if (lens.some((l) => l === 0)) return ctx.literal(Tensor.zeros(new Shape(type, lens)));
  return ctx.fill(type, v, lens);
});
