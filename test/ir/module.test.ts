import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeOp } from '../../src/ops/index.js';
import { Module } from '../../src/ir/module.js';
import { Shape } from '../../src/ir/shape.js';
import { moduleToString } from '../../src/ir/printer.js';

const f32 = (...lens: number[]) => new Shape('float_type', lens);

test('replaceInstruction rewrites in place and recomputes the shapes downstream', () => {
  const m = new Module('main');
  const x = m.addParameter('x', f32(2, 3));
  const t = m.addInstruction(makeOp('transpose', { permutation: [0, 1] }), [x]);
  const r = m.addInstruction(makeOp('relu'), [t]);
  m.addReturn([r]);
  m.replaceInstruction(t, makeOp('transpose', { permutation: [1, 0] }), [x]);
  assert.deepEqual(r.shape.lens, [3, 2]);
  m.validate();
});

test('replaceAllUses redirects users but not the replacement itself', () => {
  const m = new Module('main');
  const x = m.addParameter('x', f32(4));
  const a = m.addInstruction(makeOp('exp'), [x]);
  const ret = m.addReturn([a]);
  const b = m.insertInstruction(ret, makeOp('neg'), [a]);
  m.replaceAllUses(a, b);
  assert.deepEqual(ret.inputs, [b]);
  assert.deepEqual(b.inputs, [a]);
  assert.deepEqual(a.outputs, [b]);
  m.validate();
});

test('removeInstruction refuses an instruction that is still used', () => {
  const m = new Module('main');
  const x = m.addParameter('x', f32(4));
  const a = m.addInstruction(makeOp('exp'), [x]);
  m.addReturn([a]);
  assert.throws(() => m.removeInstruction(a), /still used by 1/);
});

test('sort places every instruction after its inputs, deterministically', () => {
  const m = new Module('main');
  const x = m.addParameter('x', f32(4));
  const y = m.addParameter('y', f32(4));
  const ret = m.addReturn([]);
  const s = m.insertInstruction(ret, makeOp('add'), [x, y]);
  const e = m.insertInstruction(s, makeOp('exp'), [x]);
  // Move the add before the exp's position so the order is broken, then make the add read the exp.
  m.replaceInstruction(s, makeOp('add'), [e, y]);
  m.moveInstruction(s, e);
  assert.throws(() => m.validate(), /comes after it/);
  m.replaceReturn([s]);
  m.sort();
  m.validate();
  assert.equal(
    moduleToString(m),
    ['x = @param:x -> float_type, {4}, {1}', '@1 = exp(x) -> float_type, {4}, {1}', 'y = @param:y -> float_type, {4}, {1}', '@3 = add(@1,y) -> float_type, {4}, {1}', '@4 = @return(@3)', ''].join('\n'),
  );
});

test('ops reject bad inputs with a message naming the op', () => {
  const m = new Module('main');
  const a = m.addParameter('a', f32(2, 3));
  const b = m.addParameter('b', f32(4, 5));
  assert.throws(() => m.addInstruction(makeOp('dot'), [a, b]), /dot: inner dims differ/);
  assert.throws(() => m.addInstruction(makeOp('add'), [a, b]), /add: input 1 has lens \{4, 5\}/);
  assert.throws(() => makeOp('transpose', { perm: [0] }), /has no attribute 'perm'/);
  assert.throws(() => m.addInstruction(makeOp('transpose', { permutation: [0, 0] }), [a]), /not a permutation/);
  assert.throws(() => m.addInstruction(makeOp('layout', { permutation: [1, 0, 2] }), [a]), /layout\[permutation=\{1, 0, 2\}\]: permutation \{1, 0, 2\} is not a permutation of rank 2/);
  // layout keeps the lens and lays memory out in the permutation's order.
  assert.equal(m.addInstruction(makeOp('layout', { permutation: [1, 0] }), [a]).shape.toString(), 'float_type, {2, 3}, {1, 2}');
});

test('validate catches a shape that no longer matches its op', () => {
  const m = new Module('main');
  const x = m.addParameter('x', f32(2));
  const e = m.addInstruction(makeOp('exp'), [x]);
  m.addReturn([e]);
  e.shape = f32(3);
  assert.throws(() => m.validate(), /has shape float_type, \{3\}/);
});

test('replaceAllUses keeps one outputs entry per use (mul(x, x) after replacing both inputs, and a user that already read the replacement)', () => {
  const m = new Module('main');
  const x = m.addParameter('x', f32(4));
  const a = m.addInstruction(makeOp('exp'), [x]);
  const b = m.addInstruction(makeOp('neg'), [x]);
  const twice = m.addInstruction(makeOp('mul'), [a, a]);
  const mixed = m.addInstruction(makeOp('add'), [b, x]);
  m.addReturn([twice, mixed]);
  m.replaceAllUses(a, x);
  m.replaceAllUses(b, x);
  assert.deepEqual(twice.inputs, [x, x]);
  assert.deepEqual(mixed.inputs, [x, x]);
  const uses = (user: typeof x) => x.outputs.filter((u) => u === user).length;
  assert.equal(uses(twice), 2);
  assert.equal(uses(mixed), 2);
  assert.deepEqual(a.outputs, []);
  assert.deepEqual(b.outputs, []);
});
