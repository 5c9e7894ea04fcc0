import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeOp } from '../../src/ops/index.js';
import { Module } from '../../src/ir/module.js';
import { Program } from '../../src/ir/program.js';
import { Shape } from '../../src/ir/shape.js';
import { Tensor } from '../../src/ir/tensor.js';
import { evaluateModule, evaluateProgram, evaluateSubmodule, isConstant, tryEvaluateConstant } from '../../src/ref/evaluate.js';
import { compareNumericAware } from '../../src/ref/interpret.js';

test('a program evaluates to its @return values in order', () => {
  const p = new Program();
  const m = p.mainModule();
  const x = m.addParameter('x', new Shape('float_type', [2, 2]));
  const y = m.addParameter('y', new Shape('float_type', [2, 2]));
  const sum = m.addInstruction(makeOp('add'), [x, y]);
  const prod = m.addInstruction(makeOp('mul'), [x, y]);
  m.addReturn([prod, sum]);
  const params = new Map([
    ['x', Tensor.fromNumbers('float_type', [2, 2], [1, 2, 3, 4])],
    ['y', Tensor.fromNumbers('float_type', [2, 2], [10, 20, 30, 40])],
  ]);
  const [a, b] = evaluateProgram(p, params);
  assert.deepEqual(a!.toNumbers(), [10, 40, 90, 160]);
  assert.deepEqual(b!.toNumbers(), [11, 22, 33, 44]);
});

test('a module without @return yields its last instruction', () => {
  const m = new Module('m');
  const x = m.addParameter('x', new Shape('int32_type', [3]));
  m.addInstruction(makeOp('neg'), [x]);
  const [r] = evaluateModule(m, new Map([['x', Tensor.fromNumbers('int32_type', [3], [1, -2, 0])]]));
  assert.deepEqual(r!.toNumbers(), [-1, 2, 0]);
});

test('a value used twice, and also returned, survives its uses', () => {
  const m = new Module('m');
  const x = m.addParameter('x', new Shape('float_type', [2]));
  const e = m.addInstruction(makeOp('exp'), [x]);
  const s = m.addInstruction(makeOp('add'), [e, e]);
  m.addReturn([e, s]);
  const [ev, sv] = evaluateModule(m, new Map([['x', Tensor.fromNumbers('float_type', [2], [0, 1])]]));
  assert.deepEqual(ev!.toNumbers(), [1, Math.fround(Math.E)]);
  assert.deepEqual(sv!.toNumbers(), [2, 2 * Math.fround(Math.E)]);
});

test('a missing parameter is named with its expected shape', () => {
  const m = new Module('m');
  const x = m.addParameter('input_ids', new Shape('int64_type', [1, 8]));
  m.addReturn([x]);
  assert.throws(() => evaluateModule(m, new Map()), /missing parameter 'input_ids': expected int64_type, \{1, 8\}/);
});

test('a parameter of the wrong shape or type is named with expected and given shapes', () => {
  const m = new Module('m');
  const x = m.addParameter('x', new Shape('float_type', [2, 3]));
  m.addReturn([x]);
  const wrongLens = Tensor.fromNumbers('float_type', [3, 2], [1, 2, 3, 4, 5, 6]);
  assert.throws(() => evaluateModule(m, new Map([['x', wrongLens]])), /parameter 'x': expected float_type, \{2, 3\}, \{3, 1\}, given float_type, \{3, 2\}, \{2, 1\}/);
  const wrongType = Tensor.fromNumbers('half_type', [2, 3], [1, 2, 3, 4, 5, 6]);
  assert.throws(() => evaluateModule(m, new Map([['x', wrongType]])), /parameter 'x': expected float_type.*given half_type/);
});

test('a parameter given as a transposed view is laid out as declared before views read it', () => {
  const m = new Module('m');
  const x = m.addParameter('x', new Shape('float_type', [2, 3]));
  const t = m.addInstruction(makeOp('transpose', { permutation: [1, 0] }), [x]);
  const c = m.addInstruction(makeOp('contiguous'), [t]);
  m.addReturn([c]);
  // The given view reads storage [1..6] with strides {1, 2}: x[i][j] = 1 + i + 2j = [[1, 3, 5], [2, 4, 6]].
  // transpose gives xᵀ[j][i] = [[1, 2], [3, 4], [5, 6]].
  const base = Tensor.fromNumbers('float_type', [6], [1, 2, 3, 4, 5, 6]);
  const given = base.view(new Shape('float_type', [2, 3], [1, 2]));
  const [r] = evaluateModule(m, new Map([['x', given]]));
  assert.deepEqual(r!.toNumbers(), [1, 2, 3, 4, 5, 6]);
});

test('tryEvaluateConstant folds literal-only chains and refuses anything fed by a parameter', () => {
  const m = new Module('m');
  const x = m.addParameter('x', new Shape('float_type', [2]));
  const a = m.addLiteral(Tensor.fromNumbers('float_type', [2], [1, 2]));
  const b = m.addLiteral(Tensor.fromNumbers('float_type', [2], [3, 5]));
  const ab = m.addInstruction(makeOp('mul'), [a, b]);
  const abx = m.addInstruction(makeOp('add'), [ab, x]);
  m.addReturn([abx]);
  assert.equal(isConstant(ab), true);
  assert.equal(isConstant(abx), false);
  assert.equal(isConstant(x), false);
  assert.deepEqual(tryEvaluateConstant(ab)!.toNumbers(), [3, 10]);
  assert.equal(tryEvaluateConstant(abx), undefined);
  assert.equal(tryEvaluateConstant(x), undefined);
  assert.deepEqual(tryEvaluateConstant(a)!.toNumbers(), [1, 2]);
});

test('tryEvaluateConstant on a 20000-long chain with shared inputs is linear and does not overflow the stack', () => {
  const m = new Module('m');
  const one = m.addLiteral(Tensor.fromNumbers('int32_type', [1], [1]));
  let cur = m.addLiteral(Tensor.fromNumbers('int32_type', [1], [0]));
  // Each step reads the previous value twice: a naive recursive walk would be exponential.
  const steps = 20000;
  for (let i = 0; i < steps; i++) {
    const doubled = m.addInstruction(makeOp('add'), [cur, cur]);
    const halved = m.addInstruction(makeOp('div'), [doubled, m.addInstruction(makeOp('add'), [one, one])]);
    cur = m.addInstruction(makeOp('add'), [halved, one]);
  }
  const t0 = performance.now();
  const v = tryEvaluateConstant(cur);
  const ms = performance.now() - t0;
  assert.deepEqual(v!.toNumbers(), [steps]);
  assert.ok(isConstant(cur));
  assert.ok(ms < 5000, `took ${ms} ms`);
});

test('submodule parameters bind by name in numeric order (x2 before x10)', () => {
  assert.ok(compareNumericAware('x2', 'x10') < 0);
  assert.ok(compareNumericAware('x10', 'x9') > 0);
  assert.ok(compareNumericAware('x1', 'y0') < 0);
  const sm = new Module('pointwise0');
  const params: ReturnType<Module['addParameter']>[] = [];
  for (let i = 0; i < 11; i++) params[i] = sm.addParameter(`x${i}`, new Shape('float_type', [1]));
  // x10 - x2: a wrong (lexicographic) order would bind other values.
  const d = sm.addInstruction(makeOp('sub'), [params[10]!, params[2]!]);
  sm.addReturn([d]);
  const args = Array.from({ length: 11 }, (_, i) => Tensor.fromNumbers('float_type', [1], [i * i]));
  const [r] = evaluateSubmodule(sm, args);
  assert.deepEqual(r!.toNumbers(), [100 - 4]);
  assert.throws(() => evaluateSubmodule(sm, args.slice(1)), /11 parameters .* got 10 arguments/);
});
