// quantize-fp8: calibration on the reference interpreter, then Q/DQ pairs with scale = amax / fp8 max,
// the MIGraphX way (test/quantization.cpp dot_float, reference/migraphx.md §9 behaviour 11, with an fp8
// zero point): expected modules are built by hand and compared as sorted text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Instruction } from '../../src/ir/instruction.js';
import type { Module } from '../../src/ir/module.js';
import { moduleToString } from '../../src/ir/printer.js';
import { Shape } from '../../src/ir/shape.js';
import { Tensor } from '../../src/ir/tensor.js';
import type { ElementType } from '../../src/ir/types.js';
import { makeOp } from '../../src/ops/index.js';
import { captureArguments } from '../../src/passes/capture-arguments.js';
import { quantizeFp8, type QuantizeFp8Options } from '../../src/passes/quantize-fp8.js';
import { simplifyQdq } from '../../src/passes/simplify-qdq.js';
import { addQuantizeOp, addScaleMul, assertSameSorted, opsNamed, program, run } from './helpers.js';

const float = (...lens: number[]) => new Shape('float_type', lens);
const op = (m: Module, name: string, inputs: Instruction[], attrs = {}) => m.addInstruction(makeOp(name, attrs), inputs);

/** A tensor of `lens` whose largest magnitude is exactly `amax` (at the last element, negative). */
function withAmax(type: ElementType, lens: number[], amax: number): Tensor {
  const n = lens.reduce((a, b) => a * b, 1);
  const values = Array.from({ length: n }, (_, i) => ((i % 7) - 3) * (amax / 8));
  values[n - 1] = -amax;
  return Tensor.fromNumbers(type, lens, values);
}

const capture = captureArguments({ quantizeOps: ['dot'], attention: 'skip' });
const options = (sets: Map<string, Tensor>[], extra: Partial<QuantizeFp8Options> = {}): QuantizeFp8Options => ({ format: 'e4m3fn', calibrationSets: sets, seed: 0, ...extra });

/** dot(a, b) returned, a [2, 16] and b [16, 8] float parameters. */
function dotProgram() {
  const { p, m } = program();
  const a = m.addParameter('a', float(2, 16));
  const b = m.addParameter('b', float(16, 8));
  m.addReturn([op(m, 'dot', [a, b])]);
  return { p, m };
}

test('dot_float (fp8): each input becomes dq(q(x, mb(amax/448), mb(fp8 0))), then quant_dot with scale sa·sb', () => {
  // max |a| = 3.5 = 448·2^-7 and max |b| = 0.875 = 448·2^-9: scales 2^-7 and 2^-9, exact in float.
  const { p, m } = dotProgram();
  const sets = [new Map([['a', withAmax('float_type', [2, 16], 3.5)], ['b', withAmax('float_type', [16, 8], 0.875)]])];
  run(p, capture, quantizeFp8(options(sets)));

  const quantized = () => {
    const e = program().m;
    const a = e.addParameter('a', float(2, 16));
    const b = e.addParameter('b', float(16, 8));
    const za = e.addLiteral(Tensor.scalar('fp8e4m3fn_type', 0));
    const sa = e.addLiteral(Tensor.scalar('float_type', 2 ** -7));
    const zb = e.addLiteral(Tensor.scalar('fp8e4m3fn_type', 0));
    const sb = e.addLiteral(Tensor.scalar('float_type', 2 ** -9));
    return { e, a, b, za, sa, zb, sb };
  };
  const { e, a, b, za, sa, zb, sb } = quantized();
  // As MIGraphX's quantize_8bits_pass builds it: the q and dq share one broadcast scale and zero point.
  const pair = (x: Instruction, s: Instruction, z: Instruction) => {
    const sm = op(e, 'multibroadcast', [s], { out_lens: [...x.shape.lens] });
    const zm = op(e, 'multibroadcast', [z], { out_lens: [...x.shape.lens] });
    return op(e, 'dequantizelinear', [op(e, 'quantizelinear', [x, sm, zm]), sm, zm]);
  };
  e.addReturn([op(e, 'dot', [pair(a, sa, za), pair(b, sb, zb)])]);
  assertSameSorted(m, e);

  run(p, simplifyQdq);
  const o = quantized();
  const qa = addQuantizeOp(o.e, 'quantizelinear', o.a, o.sa, o.za);
  const qb = addQuantizeOp(o.e, 'quantizelinear', o.b, o.sb, o.zb);
  const qd = op(o.e, 'quant_dot', [qa, qb]);
  o.e.addReturn([addQuantizeOp(o.e, 'dequantizelinear', qd, addScaleMul(o.e, o.sa, o.sb, 0, 1, qd.shape.lens))]);
  assertSameSorted(m, o.e);
});

test('the marks: q, dq and the consumer record scale, amax and capture index', () => {
  const { p, m } = dotProgram();
  const sets = [new Map([['a', withAmax('float_type', [2, 16], 3.5)], ['b', withAmax('float_type', [16, 8], 0.875)]])];
  run(p, capture, quantizeFp8(options(sets)));
  const [qa, qb] = opsNamed(m, 'quantizelinear');
  assert.deepEqual(qa!.meta.quantization, { scale: 2 ** -7, amax: 3.5, captureIndex: 0 });
  assert.deepEqual(qb!.meta.quantization, { scale: 2 ** -9, amax: 0.875, captureIndex: 1 });
  assert.deepEqual(qa!.outputs[0]!.meta.quantization, qa!.meta.quantization);
  assert.deepEqual(opsNamed(m, 'dot')[0]!.meta.quantization, qa!.meta.quantization);
});

test('calibration keeps the running max over every input set', () => {
  const { p, m } = dotProgram();
  const set = (a: number, b: number) => new Map([['a', withAmax('float_type', [2, 16], a)], ['b', withAmax('float_type', [16, 8], b)]]);
  const sink = run(p, capture, quantizeFp8(options([set(0.5, 0.875), set(3.5, 0.125), set(1, 0.25)])));
  assert.deepEqual(opsNamed(m, 'quantizelinear').map((q) => q.meta.quantization?.amax), [3.5, 0.875]);
  assert.match(sink.items.find((d) => d.code === 'FP8_CALIBRATED')?.message ?? '', /measured 2 tensor\(s\) on 3 calibration input set\(s\)/);
});

test('other formats divide by their own maximum and use their own zero-point type', () => {
  const cases = [
    ['e4m3fnuz', 240, 'fp8e4m3fnuz_type'],
    ['e5m2', 57344, 'fp8e5m2_type'],
    ['e5m2fnuz', 57344, 'fp8e5m2fnuz_type'],
  ] as const;
  for (const [format, max, type] of cases) {
    const { p, m } = dotProgram();
    const sets = [new Map([['a', withAmax('float_type', [2, 16], max / 4)], ['b', withAmax('float_type', [16, 8], max / 16)]])];
    run(p, capture, quantizeFp8(options(sets, { format })));
    const qs = opsNamed(m, 'quantizelinear');
    assert.deepEqual(qs.map((q) => q.meta.quantization?.scale), [0.25, 0.0625], format);
    assert.deepEqual(qs.map((q) => q.shape.type), [type, type], format);
  }
});

test('amax 0 gives scale 1; no calibration data gives 1/64 with a warning per capture', () => {
  const { p, m } = dotProgram();
  const zeros = new Map([['a', Tensor.zeros(float(2, 16))], ['b', withAmax('float_type', [16, 8], 0.875)]]);
  run(p, capture, quantizeFp8(options([zeros])));
  assert.deepEqual(opsNamed(m, 'quantizelinear').map((q) => q.meta.quantization?.scale), [1, 2 ** -9]);

  const second = dotProgram();
  const sink = run(second.p, capture, quantizeFp8(options([])));
  assert.deepEqual(opsNamed(second.m, 'quantizelinear').map((q) => q.meta.quantization?.scale), [1 / 64, 1 / 64]);
  assert.deepEqual(sink.items.filter((d) => d.code === 'FP8_UNCALIBRATED').map((d) => d.severity), ['warning', 'warning']);
});

test('a half tensor whose scale would be subnormal gets the smallest normal half, with a diagnostic', () => {
  const { p, m } = program();
  const a = m.addParameter('a', new Shape('half_type', [2, 16]));
  const b = m.addParameter('b', new Shape('half_type', [16, 8]));
  m.addReturn([op(m, 'dot', [a, b])]);
  // max |a| = 0.001: 0.001 / 448 ≈ 2.2e-6 is a half subnormal, raised to 2^-14.
  const sets = [new Map([['a', withAmax('half_type', [2, 16], 0.001)], ['b', withAmax('half_type', [16, 8], 1)]])];
  const sink = run(p, capture, quantizeFp8(options(sets)));
  const scales = opsNamed(m, 'quantizelinear').map((q) => q.inputs[1]!.inputs[0]!.literal!);
  assert.deepEqual(scales.map((t) => [t.type, t.get(0)]), [
    ['half_type', 2 ** -14],
    ['half_type', 0.0022315979003906250],
  ]);
  const clamp = sink.items.filter((d) => d.code === 'FP8_SCALE_CLAMPED');
  assert.equal(clamp.length, 1);
  assert.match(clamp[0]!.message, /raised to 0\.00006103515625/);
});

test('random calibration (no sets given) is seeded: the same seed gives the same program, another seed another', () => {
  const compile = (seed: number) => {
    const { p, m } = dotProgram();
    run(p, capture, quantizeFp8({ format: 'e4m3fn', seed }));
    return moduleToString(m);
  };
  assert.equal(compile(1), compile(1));
  assert.notEqual(compile(1), compile(2));
});

test('without captures nothing changes; running quantize-fp8 twice changes nothing the second time', () => {
  const { p, m } = dotProgram();
  const before = moduleToString(m);
  run(p, quantizeFp8(options([])));
  assert.equal(moduleToString(m), before);
  const sets = [new Map([['a', withAmax('float_type', [2, 16], 3.5)], ['b', withAmax('float_type', [16, 8], 0.875)]])];
  run(p, capture, quantizeFp8(options(sets)));
  const once = moduleToString(m);
  run(p, quantizeFp8(options(sets)));
  assert.equal(moduleToString(m), once);
});
