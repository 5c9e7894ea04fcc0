import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeOp } from '../../src/ops/index.js';
import { Module } from '../../src/ir/module.js';
import { Shape } from '../../src/ir/shape.js';
import { evaluateModule } from '../../src/ref/evaluate.js';
import { assertClose, raw, rawTensor, runOp, tensor } from './helpers.js';

// x[i][j][k] = 10i + 3j + k over lens [2, 3, 4].
const lens = [2, 3, 4];
const at = (i: number, j: number, k: number) => 10 * i + 3 * j + k;
const xv: number[] = [];
for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) xv.push(at(i, j, k));

test('reductions keep the reduced axes with length 1', () => {
  const x = tensor('float_type', lens, xv);
  const sum1 = runOp('reduce_sum', { axes: [1] }, [x]);
  assert.deepEqual(sum1.shape.lens, [2, 1, 4]);
  const expected: number[] = [];
  for (let i = 0; i < 2; i++) for (let k = 0; k < 4; k++) expected.push(at(i, 0, k) + at(i, 1, k) + at(i, 2, k));
  assert.deepEqual(sum1.toNumbers(), expected);

  const max02 = runOp('reduce_max', { axes: [0, 2] }, [x]);
  assert.deepEqual(max02.shape.lens, [1, 3, 1]);
  assert.deepEqual(max02.toNumbers(), [0, 1, 2].map((j) => at(1, j, 3)));
  const minNeg = runOp('reduce_min', { axes: [-1] }, [x]);
  assert.deepEqual(minNeg.toNumbers(), [0, 1].flatMap((i) => [0, 1, 2].map((j) => at(i, j, 0))));
  const mean = runOp('reduce_mean', { axes: [0, 1, 2] }, [x]);
  assert.deepEqual(mean.shape.lens, [1, 1, 1]);
  assert.deepEqual(mean.toNumbers(), [xv.reduce((a, b) => a + b, 0) / 24]);
  const prod = runOp('reduce_prod', { axes: [1] }, [tensor('float_type', [2, 3], [1, 2, 3, 4, 5, 6])]);
  assert.deepEqual(prod.toNumbers(), [6, 120]);
});

test('reductions read a transposed view through its strides', () => {
  const m = new Module('m');
  const x = m.addParameter('x', new Shape('float_type', lens));
  const t = m.addInstruction(makeOp('transpose', { permutation: [2, 0, 1] }), [x]); // [4, 2, 3]
  const s = m.addInstruction(makeOp('reduce_sum', { axes: [2] }), [t]);
  m.addReturn([s]);
  const [r] = evaluateModule(m, new Map([['x', tensor('float_type', lens, xv)]]));
  assert.deepEqual(r!.shape.lens, [4, 2, 1]);
  const expected: number[] = [];
  for (let k = 0; k < 4; k++) for (let i = 0; i < 2; i++) expected.push(at(i, 0, k) + at(i, 1, k) + at(i, 2, k));
  assert.deepEqual(r!.toNumbers(), expected);
});

test('reducing a zero-length axis gives each reduction\'s identity; mean is NaN', () => {
  const e = tensor('float_type', [2, 0], []);
  const reduce = (name: string) => runOp(name, { axes: [1] }, [e]).toNumbers();
  assert.deepEqual(reduce('reduce_sum'), [0, 0]);
  assert.deepEqual(reduce('reduce_prod'), [1, 1]);
  assert.deepEqual(reduce('reduce_max'), [-Infinity, -Infinity]);
  assert.deepEqual(reduce('reduce_min'), [Infinity, Infinity]);
  assert.ok(reduce('reduce_mean').every(Number.isNaN));
  // Reducing another axis of an empty tensor gives an empty result.
  assert.deepEqual(runOp('reduce_sum', { axes: [0] }, [e]).shape.lens, [1, 0]);
  const ei = tensor('int8_type', [0], []);
  assert.deepEqual(runOp('reduce_max', { axes: [0] }, [ei]).toNumbers(), [-128]);
  assert.deepEqual(runOp('reduce_min', { axes: [0] }, [ei]).toNumbers(), [127]);
});

test('float reductions propagate NaN; half sums round once', () => {
  const x = tensor('float_type', [3], [1, NaN, 2]);
  assert.ok(Number.isNaN(runOp('reduce_max', { axes: [0] }, [x]).get(0)));
  assert.ok(Number.isNaN(runOp('reduce_sum', { axes: [0] }, [x]).get(0)));
  // 1 + 2^-11 + 2^-11 = 1 + 2^-10: exactly 0x3C01 when rounded once.
  const h = rawTensor('half_type', [3], new Uint16Array([0x3c00, 0x1000, 0x1000]));
  assert.deepEqual(raw(runOp('reduce_sum', { axes: [0] }, [h])), [0x3c01]);
});

test('integer reductions are exact and wrap; int mean truncates toward zero', () => {
  assert.deepEqual(runOp('reduce_sum', { axes: [0] }, [tensor('int8_type', [3], [100, 100, 100])]).toNumbers(), [Number(BigInt.asIntN(8, 300n))]);
  assert.deepEqual(runOp('reduce_prod', { axes: [0] }, [tensor('int32_type', [3], [65536, 65536, 3])]).toNumbers(), [0]);
  assert.deepEqual(runOp('reduce_mean', { axes: [0] }, [tensor('int32_type', [2], [-3, -4])]).toNumbers(), [-3]);
  const big = rawTensor('int64_type', [2], BigInt64Array.from([2n ** 62n, 2n ** 62n + 1n]));
  assert.deepEqual(raw(runOp('reduce_sum', { axes: [0] }, [big])), [BigInt.asIntN(64, 2n ** 63n + 1n)]);
  assert.deepEqual(raw(runOp('reduce_max', { axes: [0] }, [big])), [2n ** 62n + 1n]);
});

test('softmax and logsoftmax follow their formulas and stay finite for large inputs', () => {
  const rows = [
    [1, 2, 3],
    [1000, 1001, 1002],
    [-5, 0, 5],
  ];
  const x = tensor('float_type', [3, 3], rows.flat());
  const soft = runOp('softmax', { axis: 1 }, [x]).toNumbers();
  const logSoft = runOp('logsoftmax', { axis: -1 }, [x]).toNumbers();
  // softmax is shift-invariant (row 1 equals row 0): the reference shifts by the row's largest entry.
  const ref = (r: number[]) => {
    const top = Math.max(...r);
    const e = r.map((v) => Math.exp(v - top));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  };
  assertClose(soft, rows.flatMap(ref), 1e-6, 0, 'softmax');
  assertClose(logSoft, rows.flatMap(ref).map(Math.log), 1e-6, 1e-6, 'logsoftmax');
  const cols = runOp('softmax', { axis: 0 }, [x]).toNumbers();
  for (let j = 0; j < 3; j++) {
    const col = ref(rows.map((r) => r[j]!));
    assertClose([cols[j]!, cols[3 + j]!, cols[6 + j]!], col, 1e-6, 0, `softmax column ${j}`);
  }
});

test('a softmax row of −∞ gives NaN, as the formula does; one −∞ entry gives 0', () => {
  const x = tensor('float_type', [2, 2], [-Infinity, -Infinity, -Infinity, 0]);
  const r = runOp('softmax', { axis: 1 }, [x]).toNumbers();
  assert.ok(Number.isNaN(r[0]!) && Number.isNaN(r[1]!));
  assert.deepEqual(r.slice(2), [0, 1]);
  const l = runOp('logsoftmax', { axis: 1 }, [x]).toNumbers();
  assert.deepEqual(l.slice(2), [-Infinity, 0]);
});

test('half softmax is computed in float and rounded once to half', () => {
  // softmax([0, 0, 0]) = 1/3 each; the nearest half to 1/3 is 0x3555.
  const x = rawTensor('half_type', [3], new Uint16Array([0, 0, 0]));
  assert.deepEqual(raw(runOp('softmax', { axis: 0 }, [x])), [0x3555, 0x3555, 0x3555]);
});
