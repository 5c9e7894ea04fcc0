// The attention finder's building blocks on hand-built IR: axis tracking through layout ops, the causal
// offset of a mask, softmax recognition (op, decomposed with and without the max shift), and the region
// between two dots (MIGraphX find_instructions_between).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeOp } from '../../src/ops/index.js';
import { Module } from '../../src/ir/module.js';
import { Shape } from '../../src/ir/shape.js';
import { Tensor } from '../../src/ir/tensor.js';
import { mapAxisForward, reshapeAxis } from '../../src/attention/axes.js';
import { causalOffset, isCausalMask, isScalarLike } from '../../src/attention/masks.js';
import { recognizeSoftmax } from '../../src/attention/softmax.js';
import { instructionsBetween } from '../../src/attention/region.js';

const f32 = (...lens: number[]) => new Shape('float_type', lens);

test('reshapeAxis keeps an axis whose length and leading product survive, loses merged ones', () => {
  assert.equal(reshapeAxis([1, 2, 4, 6], [2, 4, 6], 3), 2);
  assert.equal(reshapeAxis([2, 4, 6], [1, 2, 4, 6], 2), 3);
  assert.equal(reshapeAxis([1, 2, 4, 6], [8, 6], 3), 1);
  assert.equal(reshapeAxis([1, 2, 4, 6], [2, 24], 3), undefined, 'keys merged with queries');
  assert.equal(reshapeAxis([1, 2, 4, 6], [1, 2, 4, 2, 3], 3), undefined, 'keys split');
  // Length-1 key axis next to other length-1 axes: the one at the same distance from the end.
  assert.equal(reshapeAxis([1, 1, 1, 1], [1, 1, 1], 3), 2);
  assert.equal(reshapeAxis([4, 1], [1, 4, 1], 1), 2);
});

test('mapAxisForward through transpose, squeeze, unsqueeze, multibroadcast, pointwise', () => {
  const m = new Module('main');
  const x = m.addParameter('x', f32(1, 2, 4, 6));
  const t = m.addInstruction(makeOp('transpose', { permutation: [0, 1, 3, 2] }), [x]);
  assert.equal(mapAxisForward(t, 0, 3), 2);
  assert.equal(mapAxisForward(t, 0, 2), 3);
  const s = m.addInstruction(makeOp('squeeze', { axes: [0] }), [x]);
  assert.equal(mapAxisForward(s, 0, 3), 2);
  assert.equal(mapAxisForward(s, 0, 0), undefined);
  const u = m.addInstruction(makeOp('unsqueeze', { axes: [0, 3] }), [x]);
  assert.equal(mapAxisForward(u, 0, 3), 5);
  assert.equal(mapAxisForward(u, 0, 2), 4);
  const one = m.addParameter('one', f32(1, 2, 4, 1));
  const b = m.addInstruction(makeOp('multibroadcast', { out_lens: [3, 1, 2, 4, 6] }), [one]);
  assert.equal(mapAxisForward(b, 0, 2), 3);
  assert.equal(mapAxisForward(b, 0, 3), undefined, 'a length-1 axis spread over 6 is not the same axis');
  const e = m.addInstruction(makeOp('exp'), [x]);
  assert.equal(mapAxisForward(e, 0, 3), 3);
  const r = m.addInstruction(makeOp('reduce_sum', { axes: [3] }), [x]);
  assert.equal(mapAxisForward(r, 0, 3), undefined, 'reductions are not on the walk');
});

test('causalOffset finds the diagonal offset, including bottom-right alignment with a cache', () => {
  const visible = (rows: number, cols: number, p: number) =>
    Tensor.fromNumbers(
      'float_type',
      [1, rows, cols],
      Array.from({ length: rows * cols }, (_, e) => (e % cols <= Math.floor(e / cols) + p ? 0 : -Infinity)),
    );
  const hidden = (v: number) => v <= -1000;
  assert.equal(causalOffset(visible(4, 4, 0), 1, 2, hidden), 0);
  assert.equal(causalOffset(visible(2, 5, 3), 1, 2, hidden), 3, 'two new queries after three cached keys');
  // Nothing hidden: not a mask at all. A padding mask (same keys hidden on every row): not causal.
  assert.equal(causalOffset(Tensor.fromNumbers('float_type', [2, 2], [0, 0, 0, 0]), 0, 1, hidden), undefined);
  assert.equal(causalOffset(Tensor.fromNumbers('float_type', [2, 3], [0, 0, -1e9, 0, 0, -1e9]), 0, 1, hidden), undefined);
  // Anti-causal (upper triangle visible) and holes in a row are not causal either.
  assert.equal(causalOffset(Tensor.fromNumbers('float_type', [2, 2], [0, 0, -1e9, 0]), 0, 1, hidden), undefined);
  assert.equal(causalOffset(Tensor.fromNumbers('float_type', [2, 3], [0, -1e9, 0, 0, 0, 0]), 0, 1, hidden), undefined);
});

test('isCausalMask reads a broadcast mask through its views and how the op applies it', () => {
  const m = new Module('main');
  const lower = m.addLiteral(Tensor.fromNumbers('bool_type', [3, 3], [1, 0, 0, 1, 1, 0, 1, 1, 1]));
  const wide = m.addInstruction(makeOp('multibroadcast', { out_lens: [2, 4, 3, 3] }), [lower]);
  assert.equal(isCausalMask(wide, 'keep-where-true', 2, 3), true);
  assert.equal(isCausalMask(wide, 'hide-where-true', 2, 3), false, 'hiding the lower triangle is anti-causal');
  assert.equal(isCausalMask(wide, 'keep-where-true', 3, 2), false, 'axes swapped: the transpose is not causal');
  const row = m.addLiteral(Tensor.fromNumbers('bool_type', [1, 3], [1, 1, 0]));
  const rows = m.addInstruction(makeOp('multibroadcast', { out_lens: [2, 4, 3, 3] }), [row]);
  assert.equal(isCausalMask(rows, 'keep-where-true', 2, 3), false, 'the query axis is broadcast: a padding mask');
  const p = m.addParameter('p', new Shape('bool_type', [3, 3]));
  assert.equal(isCausalMask(p, 'keep-where-true', 0, 1), false, 'a model input is never known to be causal');
});

test('isScalarLike: one value behind broadcasts, computed or not; a real tensor is not', () => {
  const m = new Module('main');
  const s = m.addParameter('s', f32(1));
  const sq = m.addInstruction(makeOp('sqrt'), [s]);
  const b = m.addInstruction(makeOp('multibroadcast', { out_lens: [2, 4, 4] }), [sq]);
  assert.equal(isScalarLike(b), true);
  const full = m.addLiteral(Tensor.fromNumbers('float_type', [2, 2], [0.5, 0.5, 0.5, 0.5]));
  assert.equal(isScalarLike(full), true, 'a uniform literal');
  assert.equal(isScalarLike(m.addParameter('t', f32(2, 4, 4))), false);
});

/** x → softmax pieces, decomposed as rewrite-reduce or an exporter writes them. */
function decomposed(withMax: boolean, maxAxis = 2, maxReads?: 'other') {
  const m = new Module('main');
  const x = m.addParameter('x', f32(2, 3, 4));
  const other = m.addParameter('other', f32(2, 3, 4));
  let shifted = x;
  if (withMax) {
    const max = m.addInstruction(makeOp('reduce_max', { axes: [maxAxis] }), [maxReads ? other : x]);
    const mb = m.addInstruction(makeOp('multibroadcast', { out_lens: [2, 3, 4] }), [max]);
    shifted = m.addInstruction(makeOp('sub'), [x, mb]);
  }
  const e = m.addInstruction(makeOp('exp'), [shifted]);
  const sum = m.addInstruction(makeOp('reduce_sum', { axes: [2] }), [e]);
  const sb = m.addInstruction(makeOp('multibroadcast', { out_lens: [2, 3, 4] }), [sum]);
  const div = m.addInstruction(makeOp('div'), [e, sb]);
  return { m, x, div };
}

test('recognizeSoftmax: the op, the decomposed form with and without the max shift, and malformed ones', () => {
  const m = new Module('main');
  const x = m.addParameter('x', f32(2, 3, 4));
  const sm = m.addInstruction(makeOp('softmax', { axis: -1 }), [x]);
  const op = recognizeSoftmax(sm);
  assert.ok(op.kind === 'softmax');
  assert.deepEqual([op.match.axis, op.match.input, op.match.decomposed], [2, x, false]);

  const full = decomposed(true);
  const r = recognizeSoftmax(full.div);
  assert.ok(r.kind === 'softmax');
  assert.deepEqual([r.match.axis, r.match.input, r.match.decomposed, r.match.pieces.length], [2, full.x, true, 7]);

  const naive = decomposed(false);
  const n = recognizeSoftmax(naive.div);
  assert.ok(n.kind === 'softmax');
  assert.deepEqual([n.match.input, n.match.pieces.length], [naive.x, 4]);

  const axes = recognizeSoftmax(decomposed(true, 1).div);
  assert.ok(axes.kind === 'malformed');
  assert.match(axes.malformed.reason, /reduce_max runs over axes \{1\} but reduce_sum over \{2\}/);
  const reads = recognizeSoftmax(decomposed(true, 2, 'other').div);
  assert.ok(reads.kind === 'malformed');
  assert.match(reads.malformed.reason, /reduce_max does not read the tensor/);

  assert.equal(recognizeSoftmax(x).kind, 'none');
});

test('instructionsBetween: descendants of gemm1 that are ancestors of gemm2, inclusive, in module order', () => {
  const m = new Module('main');
  const q = m.addParameter('q', f32(4, 8));
  const k = m.addParameter('k', f32(8, 4));
  const v = m.addParameter('v', f32(4, 8));
  const mask = m.addParameter('mask', f32(4, 4));
  const g1 = m.addInstruction(makeOp('dot'), [q, k]);
  const add = m.addInstruction(makeOp('add'), [g1, mask]);
  const side = m.addInstruction(makeOp('exp'), [g1]); // a descendant of gemm1 that does not reach gemm2
  const sm = m.addInstruction(makeOp('softmax', { axis: 1 }), [add]);
  const vt = m.addInstruction(makeOp('relu'), [v]); // an ancestor of gemm2 that does not descend from gemm1
  const g2 = m.addInstruction(makeOp('dot'), [sm, vt]);
  const after = m.addInstruction(makeOp('relu'), [g2]);
  m.addReturn([after, side]);
  assert.deepEqual(instructionsBetween(g1, g2, m.indexMap()), [g1, add, sm, g2]);
  assert.deepEqual(instructionsBetween(g2, g1, m.indexMap()), [], 'gemm1 is not an ancestor of gemm2');
});
