// The calibration pieces: max |x| over stored values and views, the scale rules, input sets from disk,
// and the interpreter's observe/targets hook that calibration runs on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelError } from '../../src/errors.js';
import type { Instruction } from '../../src/ir/instruction.js';
import { Shape } from '../../src/ir/shape.js';
import { Tensor } from '../../src/ir/tensor.js';
import { makeOp } from '../../src/ops/index.js';
import { encodeTensor } from '../../src/onnx/write.js';
import { absMax } from '../../src/quantize/amax.js';
import { readCalibrationSets } from '../../src/quantize/calibration-data.js';
import { chooseScale } from '../../src/quantize/scale.js';
import { evaluateModule } from '../../src/ref/evaluate.js';
import { program } from './helpers.js';

test('absMax: the largest magnitude, negatives included, through views; NaN when a NaN is present', () => {
  const t = Tensor.fromNumbers('float_type', [2, 3], [1, -7, 2, 3, -4, 5]);
  assert.equal(absMax(t), 7);
  // A transposed view (dense span), a slice (gaps) and a broadcast (stride 0) of it.
  assert.equal(absMax(t.view(new Shape('float_type', [3, 2], [1, 3]))), 7);
  assert.equal(absMax(t.view(new Shape('float_type', [2, 1], [3, 1]), 2)), 5);
  assert.equal(absMax(t.view(new Shape('float_type', [4, 3], [0, 1]))), 7);
  assert.equal(absMax(Tensor.fromNumbers('half_type', [4], [0.5, -65504, 3, 0])), 65504);
  assert.equal(absMax(Tensor.fromNumbers('half_type', [3], [0.5, -Infinity, 3])), Infinity);
  assert.ok(Number.isNaN(absMax(Tensor.fromNumbers('half_type', [3], [0.5, NaN, 3]))));
  assert.ok(Number.isNaN(absMax(Tensor.fromNumbers('float_type', [3], [NaN, 9, 3]))));
  assert.equal(absMax(Tensor.fromNumbers('double_type', [2], [-1e300, 2])), 1e300);
  assert.equal(absMax(Tensor.fromNumbers('bf16_type', [2], [-3, 2])), 3);
  assert.equal(absMax(Tensor.zeros(new Shape('float_type', [0]))), 0);
});

test('chooseScale: amax / format max in the tensor type; 0 → 1; missing or NaN → 1/64; clamps to the type', () => {
  assert.deepEqual(chooseScale(448, 'float_type', 'e4m3fn'), { scale: 1, note: 'calibrated' });
  assert.deepEqual(chooseScale(60, 'float_type', 'e4m3fnuz'), { scale: 0.25, note: 'calibrated' });
  assert.deepEqual(chooseScale(57344 * 4, 'double_type', 'e5m2'), { scale: 4, note: 'calibrated' });
  // 1/448 rounds to its nearest half, 0.0022315979 (0x1892), and to float 0.0022321429.
  assert.deepEqual(chooseScale(1, 'half_type', 'e4m3fn'), { scale: 0.002231597900390625, note: 'calibrated' });
  assert.deepEqual(chooseScale(1, 'float_type', 'e4m3fn'), { scale: Math.fround(1 / 448), note: 'calibrated' });
  assert.deepEqual(chooseScale(0, 'half_type', 'e4m3fn'), { scale: 1, note: 'zero' });
  assert.deepEqual(chooseScale(undefined, 'float_type', 'e4m3fn'), { scale: 0.015625, note: 'uncalibrated' });
  assert.deepEqual(chooseScale(NaN, 'float_type', 'e4m3fn'), { scale: 0.015625, note: 'nan' });
  assert.deepEqual(chooseScale(0.001, 'half_type', 'e4m3fn'), { scale: 2 ** -14, note: 'clamped-min' });
  assert.deepEqual(chooseScale(1e-40, 'float_type', 'e4m3fn'), { scale: 2 ** -126, note: 'clamped-min' });
  assert.deepEqual(chooseScale(Infinity, 'half_type', 'e4m3fn'), { scale: 65504, note: 'clamped-max' });
});

test('evaluateModule observe/targets: only what the targets read runs, each value is seen once', () => {
  const { m } = program();
  const x = m.addParameter('x', new Shape('float_type', [2]));
  const unused = m.addParameter('unused', new Shape('float_type', [2]));
  const a = m.addInstruction(makeOp('neg'), [x]);
  const b = m.addInstruction(makeOp('exp'), [a]);
  const c = m.addInstruction(makeOp('add'), [b, unused]);
  m.addReturn([c]);
  const seen: string[] = [];
  const observe = (ins: Instruction, v: Tensor) => seen.push(`${ins.op.name}=${v.toNumbers().map((n) => n.toFixed(3)).join(',')}`);
  // `unused` is not bound: binding it would be an error only if the run needed it.
  const out = evaluateModule(m, new Map([['x', Tensor.fromNumbers('float_type', [2], [0, 1])]]), { targets: [b], observe });
  assert.deepEqual(out, []);
  assert.deepEqual(seen, ['@param=0.000,1.000', 'neg=0.000,-1.000', 'exp=1.000,0.368']);
  // Without targets, the outputs come back and every computed value is observed.
  const all: string[] = [];
  const params = new Map([['x', Tensor.fromNumbers('float_type', [2], [0, 1])], ['unused', Tensor.fromNumbers('float_type', [2], [1, 1])]]);
  const [r] = evaluateModule(m, params, { observe: (ins) => all.push(ins.op.name) });
  assert.deepEqual(r!.toNumbers(), [2, Math.fround(1 + Math.exp(-1))]);
  assert.deepEqual(all.sort(), ['@param', '@param', 'add', 'exp', 'neg']);
});

test('calibration data: one set in DIR, several in DIR/*/ (in name order), and clear errors naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-fp8-calib-'));
  try {
    const inputs = [{ name: 'x', shape: new Shape('float_type', [2]) }];
    const write = (path: string, name: string, t: Tensor) => writeFileSync(path, encodeTensor(name, t));
    write(join(dir, 'input_0.pb'), 'x', Tensor.fromNumbers('float_type', [2], [1, 2]));
    assert.deepEqual(readCalibrationSets(dir, inputs).map((s) => s.get('x')!.toNumbers()), [[1, 2]]);

    const many = join(dir, 'many');
    for (const [d, v] of [['test_data_set_10', 10], ['test_data_set_2', 2], ['test_data_set_0', 0]] as const) {
      mkdirSync(join(many, d), { recursive: true });
      write(join(many, d, 'input_0.pb'), 'x', Tensor.fromNumbers('float_type', [2], [v, v]));
    }
    assert.deepEqual(readCalibrationSets(many, inputs).map((s) => s.get('x')!.get(0)), [0, 2, 10]);

    const bad = join(dir, 'bad');
    mkdirSync(bad);
    write(join(bad, 'input_0.pb'), 'x', Tensor.fromNumbers('float_type', [3], [1, 2, 3]));
    assert.throws(() => readCalibrationSets(bad, inputs), (e: unknown) => e instanceof ModelError && /bad\/input_0\.pb: tensor is float_type \{3\} but model input 'x' is float_type \{2\}/.test(e.message));
    assert.throws(() => readCalibrationSets(join(dir, 'missing'), inputs), (e: unknown) => e instanceof ModelError && /missing: calibration folder does not exist/.test(e.message));
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    assert.throws(() => readCalibrationSets(empty, inputs), /no input_N\.pb files/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
