import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allOpNames, defineOp, getOpDef, makeOp } from '../../src/ir/op.js';
import { Shape } from '../../src/ir/shape.js';
import { Tensor } from '../../src/ir/tensor.js';
import '../../src/ops/index.js';
import { computeOp, defineCompute } from '../../src/ref/evaluate.js';
import { hasCompute } from '../../src/ref/registry.js';

test('every registered op except the builtins has a reference compute', () => {
  const names = allOpNames().filter((n) => !getOpDef(n).builtin);
  assert.ok(names.length > 40, `only ${names.length} ops registered`);
  const missing = names.filter((n) => !hasCompute(n));
  assert.deepEqual(missing, []);
});

test('computing an op without a compute throws an error naming it', () => {
  defineOp({ name: 'test_ref_no_compute', attrs: [], computeShape: (_op, inputs) => inputs[0]! });
  const x = Tensor.fromNumbers('float_type', [1], [1]);
  assert.throws(() => computeOp(makeOp('test_ref_no_compute'), [x], x.shape), /no compute for op 'test_ref_no_compute'/);
});

test('a compute returning the wrong shape is reported with both shapes', () => {
  defineOp({ name: 'test_ref_bad_shape', attrs: [], computeShape: (_op, inputs) => inputs[0]! });
  defineCompute('test_ref_bad_shape', () => Tensor.fromNumbers('float_type', [2], [1, 2]));
  const x = Tensor.fromNumbers('float_type', [1], [1]);
  assert.throws(() => computeOp(makeOp('test_ref_bad_shape'), [x], x.shape), /returned float_type, \{2\}.*float_type, \{1\}/);
});

test('defining a compute twice is refused', () => {
  assert.throws(() => defineCompute('add', () => Tensor.zeros(new Shape('float_type', [1]))), /defined twice/);
});
