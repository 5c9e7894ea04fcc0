// Elementwise ONNX operators: unary math, binary arithmetic with numpy broadcasting (each input gets a
// multibroadcast to the common lens), comparisons and logic (bool results), variadic Sum/Min/Max/Mean,
// Pow with mixed types, Mod, Where, Clip; Identity and inference Dropout pass their input through.
// Same-type rules are ONNX's; only Pow converts.

import type { Instruction } from '../../ir/instruction.js';
import { isFloatType, isIntegerType, isSignedInteger, typeSize, type ElementType } from '../../ir/types.js';
import { ModelError } from '../../errors.js';
import type { NodeContext } from '../context.js';
import { defineOnnxOp } from '../registry.js';

const UNARY: Readonly<Record<string, string>> = {
  Abs: 'abs',
  Ceil: 'ceil',
  Cos: 'cos',
  Erf: 'erf',
  Exp: 'exp',
  Floor: 'floor',
  IsNaN: 'isnan',
  Log: 'log',
  Neg: 'neg',
  Not: 'not',
  Reciprocal: 'recip',
  Relu: 'relu',
  Round: 'nearbyint',
  Sigmoid: 'sigmoid',
  Sign: 'sign',
  Sin: 'sin',
  Sqrt: 'sqrt',
  Tanh: 'tanh',
};

for (const [onnx, ir] of Object.entries(UNARY)) {
  defineOnnxOp(onnx, (ctx) => ctx.add(ir, [ctx.input(0)]));
}

const BINARY: Readonly<Record<string, string>> = {
  Add: 'add',
  Sub: 'sub',
  Mul: 'mul',
  Div: 'div',
  And: 'logical_and',
  Or: 'logical_or',
  Xor: 'logical_xor',
  Equal: 'equal',
  Less: 'less',
  Greater: 'greater',
};

for (const [onnx, ir] of Object.entries(BINARY)) {
  defineOnnxOp(onnx, (ctx) => ctx.elementwise(ir, [ctx.input(0), ctx.input(1)]));
}

// NOTE: not(greater) would make x <= NaN true; or(less, equal) keeps NaN comparisons false.
defineOnnxOp('LessOrEqual', (ctx) => orEqual(ctx, 'less'));
defineOnnxOp('GreaterOrEqual', (ctx) => orEqual(ctx, 'greater'));

function orEqual(ctx: NodeContext, strict: 'less' | 'greater'): Instruction {
  const [a, b] = ctx.broadcastAll([ctx.input(0), ctx.input(1)]) as [Instruction, Instruction];
  return ctx.add('logical_or', [ctx.add(strict, [a, b]), ctx.add('equal', [a, b])]);
}

/** Sum / Min / Max / Mean over any number of inputs: a left fold of broadcast binary ops. */
function variadic(ctx: NodeContext, op: string): Instruction {
  const inputs = ctx.node.inputs.map((_, i) => ctx.input(i));
  if (inputs.length === 0) throw new ModelError('needs at least one input');
  return inputs.slice(1).reduce((acc, x) => ctx.elementwise(op, [acc, x]), inputs[0]!);
}

defineOnnxOp('Sum', (ctx) => variadic(ctx, 'add'));
defineOnnxOp('Min', (ctx) => variadic(ctx, 'min'));
defineOnnxOp('Max', (ctx) => variadic(ctx, 'max'));
defineOnnxOp('Mean', (ctx) => {
  const sum = variadic(ctx, 'add');
  const n = ctx.node.inputs.length;
  return n === 1 ? sum : ctx.add('div', [sum, ctx.fill(sum.shape.type, n, sum.shape.lens)]);
});

defineOnnxOp('Mod', (ctx) => {
  const fmod = ctx.int('fmod', 0) === 1;
  const a = ctx.input(0);
  if (!fmod && isFloatType(a.shape.type)) throw new ModelError('fmod=0 is only defined for integer inputs');
  return ctx.elementwise(fmod ? 'fmod' : 'mod', [a, ctx.input(1)]);
});

/**
 * The order Pow promotes in (MIGraphX parse_pow): integers by width, then half/bf16, float, double.
 * Both operands go to the higher type; the result converts back to the base type (ONNX: output is T).
 */
function powRank(t: ElementType): number {
  if (isIntegerType(t)) return typeSize(t) * 2 + (isSignedInteger(t) ? 0 : 1);
  if (t === 'half_type' || t === 'bf16_type') return 100;
  if (t === 'float_type') return 101;
  if (t === 'double_type') return 102;
  throw new ModelError(`Pow does not support ${t}`);
}

defineOnnxOp('Pow', (ctx) => {
  const base = ctx.input(0);
  const exponent = ctx.input(1);
  const t = base.shape.type;
  if (t === exponent.shape.type) return ctx.elementwise('pow', [base, exponent]);
  const common = powRank(exponent.shape.type) > powRank(t) ? exponent.shape.type : t;
  const pow = ctx.elementwise('pow', [ctx.convert(base, common), ctx.convert(exponent, common)]);
  return ctx.convert(pow, t);
});

defineOnnxOp('Where', (ctx) => ctx.add('where', ctx.broadcastAll([ctx.input(0), ctx.input(1), ctx.input(2)])));

defineOnnxOp('Clip', (ctx) => {
  const x = ctx.input(0);
  const t = x.shape.type;
  let lo: Instruction | undefined;
  let hi: Instruction | undefined;
  if (ctx.opset < 11) {
    if (ctx.hasAttr('min')) lo = ctx.fill(t, ctx.float('min'), x.shape.lens);
    if (ctx.hasAttr('max')) hi = ctx.fill(t, ctx.float('max'), x.shape.lens);
  } else {
    lo = ctx.optionalInput(1);
    hi = ctx.optionalInput(2);
  }
  const lens = x.shape.lens;
  if (lo && hi) return ctx.add('clip', [x, ctx.broadcastTo(lo, lens), ctx.broadcastTo(hi, lens)]);
  if (lo) return ctx.add('max', [x, ctx.broadcastTo(lo, lens)]);
  if (hi) return ctx.add('min', [x, ctx.broadcastTo(hi, lens)]);
  return x;
});

defineOnnxOp('Identity', (ctx) => ctx.input(0));

/** Inference-mode Dropout is the identity; training mode (a true training_mode input) is not supported. */
defineOnnxOp('Dropout', (ctx) => {
  if (ctx.hasInput(2) && ctx.constant(2, 'training_mode').get(0) !== 0) throw new ModelError('training_mode=true is not supported');
  if (ctx.hasOutput(1)) throw new ModelError('output mask is not supported');
  return ctx.input(0);
});
