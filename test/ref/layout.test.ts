import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeOp } from '../../src/ops/index.js';
import { Module } from '../../src/ir/module.js';
import { Shape } from '../../src/ir/shape.js';
import { evaluateModule } from '../../src/ref/evaluate.js';
import { raw, rawTensor, runOp, tensor } from './helpers.js';

const iota = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

test('views share the input storage and carry the IR shape, strides included', () => {
  const x = tensor('float_type', [2, 3], iota(6));
  const cases: [string, Record<string, readonly number[] | number>][] = [
    ['transpose', { permutation: [1, 0] }],
    ['multibroadcast', { out_lens: [4, 2, 3] }],
    ['broadcast', { axis: 1, out_lens: [5, 2, 3] }],
    ['unsqueeze', { axes: [0] }],
    ['step', { axes: [1], steps: [2] }],
    ['slice', { axes: [1], starts: [1], ends: [3] }],
    ['identity', {}],
  ];
  for (const [name, attrs] of cases) {
    const r = runOp(name, attrs, [x]);
    assert.equal(r.data, x.data, `${name} should alias its input`);
  }
  const t = runOp('transpose', { permutation: [1, 0] }, [x]);
  assert.deepEqual(t.shape.strides, [1, 3]);
  assert.deepEqual(t.toNumbers(), [0, 3, 1, 4, 2, 5]);
  const st = runOp('step', { axes: [1], steps: [2] }, [x]);
  assert.deepEqual(st.toNumbers(), [0, 2, 3, 5]);
  const sq = runOp('squeeze', { axes: [0] }, [tensor('float_type', [1, 3], [7, 8, 9])]);
  assert.deepEqual(sq.shape.lens, [3]);
  assert.deepEqual(sq.toNumbers(), [7, 8, 9]);
});

test('slice moves the offset by the start times the stride, on top of the input\'s own offset', () => {
  const m = new Module('m');
  const x = m.addParameter('x', new Shape('int32_type', [4, 5]));
  const a = m.addInstruction(makeOp('slice', { axes: [0, 1], starts: [1, 2], ends: [4, 5] }), [x]);
  const b = m.addInstruction(makeOp('slice', { axes: [0, 1], starts: [1, 1], ends: [3, 3] }), [a]);
  m.addReturn([a, b]);
  const [ra, rb] = evaluateModule(m, new Map([['x', tensor('int32_type', [4, 5], iota(20))]]));
  // x[r][c] = 5r + c. a = x[1:4, 2:5]; b = a[1:3, 1:3] = x[2:4, 3:5].
  assert.equal(ra!.offset, 1 * 5 + 2);
  assert.deepEqual(ra!.toNumbers(), [7, 8, 9, 12, 13, 14, 17, 18, 19]);
  assert.equal(rb!.offset, 7 + 5 + 1);
  assert.deepEqual(rb!.toNumbers(), [13, 14, 18, 19]);
});

test('reshape is a view of a standard input and a copy of a transposed one', () => {
  const m = new Module('m');
  const x = m.addParameter('x', new Shape('float_type', [2, 3]));
  const r1 = m.addInstruction(makeOp('reshape', { dims: [3, 2] }), [x]);
  const t = m.addInstruction(makeOp('transpose', { permutation: [1, 0] }), [x]);
  const r2 = m.addInstruction(makeOp('reshape', { dims: [6] }), [t]);
  m.addReturn([r1, r2]);
  const xv = tensor('float_type', [2, 3], iota(6));
  const [a, b] = evaluateModule(m, new Map([['x', xv]]));
  assert.equal(a!.data, xv.data);
  assert.deepEqual(a!.toNumbers(), iota(6));
  assert.notEqual(b!.data, xv.data);
  assert.deepEqual(b!.toNumbers(), [0, 3, 1, 4, 2, 5]);
  assert.ok(b!.shape.standard);
});

test('contiguous copies a broadcast view into standard layout', () => {
  const m = new Module('m');
  const x = m.addParameter('x', new Shape('half_type', [3]));
  const b = m.addInstruction(makeOp('multibroadcast', { out_lens: [2, 3] }), [x]);
  const c = m.addInstruction(makeOp('contiguous'), [b]);
  m.addReturn([c]);
  const xv = rawTensor('half_type', [3], new Uint16Array([0x3c00, 0x4000, 0x4200]));
  const [r] = evaluateModule(m, new Map([['x', xv]]));
  assert.deepEqual(r!.shape.strides, [3, 1]);
  assert.deepEqual(raw(r!), [0x3c00, 0x4000, 0x4200, 0x3c00, 0x4000, 0x4200]);
});

test('reverse flips the named axes', () => {
  const x = tensor('int8_type', [2, 3], iota(6));
  assert.deepEqual(runOp('reverse', { axes: [1] }, [x]).toNumbers(), [2, 1, 0, 5, 4, 3]);
  assert.deepEqual(runOp('reverse', { axes: [0, 1] }, [x]).toNumbers(), [5, 4, 3, 2, 1, 0]);
  assert.deepEqual(runOp('reverse', { axes: [-2] }, [x]).toNumbers(), [3, 4, 5, 0, 1, 2]);
});

test('concat joins along an inner axis and handles empty inputs', () => {
  const a = tensor('float_type', [2, 2], [1, 2, 3, 4]);
  const b = tensor('float_type', [2, 1], [9, 8]);
  const e = tensor('float_type', [2, 0], []);
  const r = runOp('concat', { axis: 1 }, [a, e, b]);
  assert.deepEqual(r.shape.lens, [2, 3]);
  assert.deepEqual(r.toNumbers(), [1, 2, 9, 3, 4, 8]);
  const r0 = runOp('concat', { axis: 0 }, [a, tensor('float_type', [1, 2], [5, 6])]);
  assert.deepEqual(r0.toNumbers(), [1, 2, 3, 4, 5, 6]);
  const big = runOp('concat', { axis: 0 }, [rawTensor('uint64_type', [1], BigUint64Array.from([2n ** 64n - 1n])), rawTensor('uint64_type', [1], BigUint64Array.from([3n]))]);
  assert.deepEqual(raw(big), [2n ** 64n - 1n, 3n]);
});

test('gather wraps negative indices and names the op and index when out of range', () => {
  const data = tensor('float_type', [3, 2], [10, 11, 20, 21, 30, 31]);
  const idx = tensor('int64_type', [2, 2], [0, -1, 2, -3]);
  const r = runOp('gather', { axis: 0 }, [data, idx]);
  assert.deepEqual(r.shape.lens, [2, 2, 2]);
  assert.deepEqual(r.toNumbers(), [10, 11, 30, 31, 30, 31, 10, 11]);
  const cols = runOp('gather', { axis: 1 }, [data, tensor('int32_type', [], [-1])]);
  assert.deepEqual(cols.shape.lens, [3]);
  assert.deepEqual(cols.toNumbers(), [11, 21, 31]);
  assert.throws(() => runOp('gather', { axis: 0 }, [data, tensor('int32_type', [1], [3])]), /gather: index 3 is out of range.*length 3/);
  assert.throws(() => runOp('gather', { axis: 0 }, [data, tensor('int32_type', [1], [-4])]), /gather: index -4/);
});

test('views and copies of empty tensors stay empty', () => {
  const e = tensor('float_type', [3, 0], []);
  const s = runOp('slice', { axes: [0], starts: [3], ends: [3] }, [e]);
  assert.deepEqual(s.shape.lens, [0, 0]);
  assert.equal(runOp('contiguous', {}, [runOp('transpose', { permutation: [1, 0] }, [e])]).shape.elements(), 0);
  const full = tensor('float_type', [2, 3], iota(6));
  const tail = runOp('slice', { axes: [1], starts: [3], ends: [3] }, [full]);
  assert.deepEqual(tail.shape.lens, [2, 0]);
  assert.deepEqual(runOp('gather', { axis: 0 }, [full, tensor('int32_type', [0], [])]).shape.lens, [0, 3]);
});

test('a rank-0 tensor passes through reshape and unsqueeze', () => {
  const s = tensor('float_type', [], [4]);
  const u = runOp('unsqueeze', { axes: [0] }, [s]);
  assert.deepEqual(u.shape.lens, [1]);
  assert.deepEqual(u.toNumbers(), [4]);
  const r = runOp('reshape', { dims: [1, 1] }, [s]);
  assert.deepEqual(r.toNumbers(), [4]);
});
