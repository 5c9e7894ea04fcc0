import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Shape } from '../../src/ir/shape.js';

test('standard strides are row-major and print as MIGraphX prints them', () => {
  const s = new Shape('half_type', [1, 16, 1024, 128]);
  assert.deepEqual(s.strides, [2097152, 131072, 128, 1]);
  assert.equal(s.toString(), 'half_type, {1, 16, 1024, 128}, {2097152, 131072, 128, 1}');
  assert.equal(s.bytes(), 2 * 16 * 1024 * 128);
  assert.ok(s.standard && s.packed() && !s.transposed() && !s.broadcasted());
});

test('scalar is {1},{0}; a one-element tensor is {1},{1}; rank 0 holds one element', () => {
  const sc = Shape.scalar('float_type');
  assert.equal(sc.toString(), 'float_type, {1}, {0}');
  assert.ok(sc.scalar() && sc.broadcasted());
  const one = new Shape('float_type', [1]);
  assert.ok(!one.scalar());
  assert.equal(new Shape('float_type', []).elements(), 1);
  assert.equal(new Shape('float_type', []).bytes(), 4);
});

test('transposed shapes are packed but not standard; size-1 axes are ignored for standard', () => {
  const t = new Shape('float_type', [2, 3], [1, 2]);
  assert.ok(t.transposed());
  assert.ok(t.packed());
  assert.ok(!t.standard);
  // {1, 4} with strides {1, 1}: the length-1 axis does not count, so this is standard.
  assert.ok(new Shape('float_type', [1, 4], [1, 1]).standard);
});

test('broadcast shapes: element space and bytes count the underlying storage only', () => {
  const b = new Shape('float_type', [4, 3], [0, 1]);
  assert.equal(b.elements(), 12);
  assert.equal(b.elementSpace(), 3);
  assert.equal(b.bytes(), 12);
  assert.ok(b.broadcasted() && !b.standard && !b.scalar());
});

test('a strided slice skips: no unit stride', () => {
  const s = new Shape('float_type', [2, 2], [8, 2]);
  assert.ok(s.skips());
  assert.ok(!s.packed());
});

test('fromPermutation lays memory out in the permutation order', () => {
  const s = Shape.fromPermutation('float_type', [2, 3, 4], [0, 2, 1]);
  // Axis 1 (len 3) is innermost, then axis 2 (len 4), then axis 0.
  assert.deepEqual(s.strides, [12, 1, 3]);
});

test('tuple shapes print their members in brackets', () => {
  const t = Shape.tuple([new Shape('float_type', [2]), new Shape('int64_type', [2])]);
  assert.equal(t.toString(), '[float_type, {2}, {1}, int64_type, {2}, {1}]');
});

test('bad dimensions are rejected', () => {
  assert.throws(() => new Shape('float_type', [2, -1]), /invalid dimension -1/);
  assert.throws(() => new Shape('float_type', [2, 3], [1]), /2 lens but 1 strides/);
});
