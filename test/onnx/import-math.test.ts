// Arithmetic, reduction, normalization, activation, Conv and Q/DQ lowerings: values from the reference
// interpreter against hand-worked results or plain formulas, and the IR lines that matter.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importModel } from '../../src/onnx/import.js';
import { Tensor } from '../../src/ir/tensor.js';
import { attr, buildModel, f32, i64, tensorInfo, type NodeSpec } from './helpers/model-builder.js';
import { importAndRun, values } from './helpers/run.js';
import { assertClose } from './helpers/attention-reference.js';

/** A model whose graph inputs are exactly `inputs` (name → tensor), evaluated on those values. */
function run(nodes: NodeSpec[], inputs: Record<string, Tensor>, outputs: string[], opset = 18, opsets: Record<string, number> = {}) {
  const model = buildModel({
    opset,
    opsets,
    inputs: Object.entries(inputs).map(([n, t]) => tensorInfo(n, t.type, t.shape.lens)),
    outputs,
    nodes,
  });
  const r = importAndRun(model, inputs);
  return { ...r, text: r.result.program.toString() };
}

const int32 = (v: number[]) => Tensor.fromNumbers('int32_type', [v.length], v);

test('binary ops broadcast numpy-style; Div truncates integers; Pow converts mixed types back to the base type', () => {
  const broadcast = run([{ op: 'Sub', inputs: ['a', 'b'], outputs: ['y'] }], { a: f32([2, 1], [10, 20]), b: f32([3], [1, 2, 3]) }, ['y']);
  assert.deepEqual(values(broadcast.outputs[0]!), [9, 8, 7, 19, 18, 17]);
  assert.match(broadcast.text, /multibroadcast\[out_lens=\{2, 3\},out_dyn_dims=\{\}\]\(a\) -> float_type, \{2, 3\}, \{1, 0\}/);

  const div = run([{ op: 'Div', inputs: ['a', 'b'], outputs: ['y'] }], { a: int32([-7, 7, -6]), b: int32([2, 2, 4]) }, ['y']);
  assert.deepEqual(values(div.outputs[0]!), [-3, 3, -1]);

  const pow = run([{ op: 'Pow', inputs: ['a', 'b'], outputs: ['y'] }], { a: int32([2, 3]), b: f32([2], [0.5, 2]) }, ['y']);
  assert.equal(pow.outputs[0]!.type, 'int32_type');
  assert.deepEqual(values(pow.outputs[0]!), [1, 9]);
  assert.match(pow.text, /convert\[target_type=2\]\(a\).*\n.*pow\(.*\n.*convert\[target_type=8\]/);
  const powFloat = run([{ op: 'Pow', inputs: ['a', 'b'], outputs: ['y'] }], { a: f32([2], [2, 3]), b: Tensor.fromNumbers('int64_type', [2], [3, 2]) }, ['y']);
  assert.deepEqual(values(powFloat.outputs[0]!), [8, 9]);
});

test('Mod follows fmod: 0 is Python-style (sign of divisor), 1 is C fmod', () => {
  const ints = run([{ op: 'Mod', inputs: ['a', 'b'], outputs: ['y'] }], { a: int32([-4, 7, 5]), b: int32([3, -3, 2]) }, ['y']);
  assert.deepEqual(values(ints.outputs[0]!), [2, -2, 1]);
  const floats = run([{ op: 'Mod', inputs: ['a', 'b'], outputs: ['y'], attrs: [attr.int('fmod', 1)] }], { a: f32([3], [-4, 7, 5]), b: f32([3], [3, -3, 2]) }, ['y']);
  assert.deepEqual(values(floats.outputs[0]!), [-1, 1, 1]);
  assert.throws(
    () => run([{ op: 'Mod', inputs: ['a', 'b'], outputs: ['y'] }], { a: f32([1], [1]), b: f32([1], [1]) }, ['y']),
    /fmod=0 is only defined for integer inputs/,
  );
});

test('comparisons give bool; LessOrEqual / GreaterOrEqual stay false against NaN', () => {
  const inputs = { a: f32([3], [1, 2, NaN]), b: f32([3], [2, 2, 1]) };
  const r = run(
    [
      { op: 'LessOrEqual', inputs: ['a', 'b'], outputs: ['le'] },
      { op: 'GreaterOrEqual', inputs: ['a', 'b'], outputs: ['ge'] },
      { op: 'Equal', inputs: ['a', 'b'], outputs: ['eq'] },
    ],
    inputs,
    ['le', 'ge', 'eq'],
  );
  assert.deepEqual(
    r.outputs.map((t) => [t.type, values(t)]),
    [
      ['bool_type', [1, 1, 0]],
      ['bool_type', [0, 1, 0]],
      ['bool_type', [0, 1, 0]],
    ],
  );
});

test('variadic Sum / Mean / Max fold left with broadcasting; Where broadcasts all three inputs', () => {
  const inputs = { a: f32([2, 1], [1, 2]), b: f32([3], [10, 20, 30]), c: f32([1], [100]) };
  const r = run(
    [
      { op: 'Sum', inputs: ['a', 'b', 'c'], outputs: ['s'] },
      { op: 'Mean', inputs: ['a', 'b', 'c'], outputs: ['m'] },
      { op: 'Max', inputs: ['a', 'b'], outputs: ['x'] },
    ],
    inputs,
    ['s', 'm', 'x'],
  );
  assert.deepEqual(values(r.outputs[0]!), [111, 121, 131, 112, 122, 132]);
  assert.deepEqual(values(r.outputs[1]!), [37, 40.33333, 43.66667, 37.33333, 40.66667, 44]);
  assert.deepEqual(values(r.outputs[2]!), [10, 20, 30, 10, 20, 30]);

  const where = run([{ op: 'Where', inputs: ['c', 'x', 'y'], outputs: ['z'] }], { c: Tensor.fromNumbers('bool_type', [2, 1], [1, 0]), x: f32([3], [1, 2, 3]), y: f32([], [9]) }, ['z']);
  assert.deepEqual(values(where.outputs[0]!), [1, 2, 3, 9, 9, 9]);
});

test('Clip: min/max inputs (opset 11+) or attributes (before 11); one bound becomes max / min', () => {
  const x = f32([4], [-2, 0, 3, 9]);
  const lo = f32([], [-1]);
  const hi = f32([], [5]);
  const both = run([{ op: 'Clip', inputs: ['x', 'lo', 'hi'], outputs: ['y'] }], { x, lo, hi }, ['y']);
  assert.deepEqual(values(both.outputs[0]!), [-1, 0, 3, 5]);
  assert.match(both.text, /clip\(x,@\d+,@\d+\)/);
  const onlyMax = run([{ op: 'Clip', inputs: ['x', '', 'hi'], outputs: ['y'] }], { x, hi }, ['y']);
  assert.deepEqual(values(onlyMax.outputs[0]!), [-2, 0, 3, 5]);
  assert.match(onlyMax.text, /= min\(x,/);
  const old = run([{ op: 'Clip', inputs: ['x'], outputs: ['y'], attrs: [attr.float('min', 0)] }], { x }, ['y'], 6);
  assert.deepEqual(values(old.outputs[0]!), [0, 0, 3, 9]);
  assert.match(run([{ op: 'Clip', inputs: ['x'], outputs: ['y'] }], { x }, ['y']).text, /@1 = @return\(x\)/);
});

test('Cast / CastLike become convert (saturate=0 printed for fp8), nothing when the type matches', () => {
  const x = f32([3], [1, 500, -1000]);
  const r = run(
    [
      { op: 'Cast', inputs: ['x'], outputs: ['a'], attrs: [attr.int('to', 17), attr.int('saturate', 0)] },
      { op: 'Cast', inputs: ['x'], outputs: ['b'], attrs: [attr.int('to', 1)] },
      { op: 'CastLike', inputs: ['x', 'h'], outputs: ['c'] },
    ],
    { x, h: Tensor.fromNumbers('half_type', [1], [0]) },
    ['a', 'b', 'c'],
    21,
  );
  assert.match(r.text, /convert\[target_type=13,saturate=0\]\(x\) -> fp8e4m3fn_type, \{3\}, \{1\}/);
  assert.match(r.text, /convert\[target_type=1\]\(x\) -> half_type/);
  assert.equal(r.result.program.mainModule().returnInstruction()!.inputs[1]!.name, '@param');
  assert.deepEqual(values(r.outputs[0]!), [1, NaN, NaN]);
  assert.throws(() => run([{ op: 'Cast', inputs: ['x'], outputs: ['a'], attrs: [attr.int('to', 8)] }], { x }, ['a']), /string/i);
});

test('reductions: axes input or attribute, keepdims=0 squeezes, noop_with_empty_axes, derived L2 / LogSumExp', () => {
  const x = f32([2, 3], [1, 2, 3, 4, 5, 6]);
  const axes = i64([1]);
  const model = (nodes: NodeSpec[], opset = 18) => {
    const m = buildModel({ opset, inputs: [tensorInfo('x', 'float_type', [2, 3])], outputs: ['y'], initializers: { axes }, nodes });
    const r = importAndRun(m, { x });
    return { y: r.outputs[0]!, text: r.result.program.toString() };
  };
  const sum = model([{ op: 'ReduceSum', inputs: ['x', 'axes'], outputs: ['y'], attrs: [attr.int('keepdims', 0)] }]);
  assert.deepEqual(values(sum.y), [6, 15]);
  assert.match(sum.text, /reduce_sum\[axes=\{1\}\]\(x\) -> float_type, \{2, 1\}, \{1, 1\}\n@\d+ = squeeze\[axes=\{1\}\]/);
  const noop = model([{ op: 'ReduceMax', inputs: ['x'], outputs: ['y'], attrs: [attr.int('noop_with_empty_axes', 1)] }]);
  assert.match(noop.text, /@return\(x\)/);
  const all = model([{ op: 'ReduceMin', inputs: ['x'], outputs: ['y'] }]);
  assert.deepEqual([...all.y.shape.lens], [1, 1]);
  assert.deepEqual(values(all.y), [1]);
  const mean11 = model([{ op: 'ReduceMean', inputs: ['x'], outputs: ['y'], attrs: [attr.ints('axes', [-2])] }], 11);
  assert.deepEqual(values(mean11.y), [2.5, 3.5, 4.5]);
  const l2 = model([{ op: 'ReduceL2', inputs: ['x', 'axes'], outputs: ['y'] }]);
  assert.deepEqual(values(l2.y), [Number(Math.sqrt(14).toFixed(5)), Number(Math.sqrt(77).toFixed(5))]);
  const lse = model([{ op: 'ReduceLogSumExp', inputs: ['x', 'axes'], outputs: ['y'] }]);
  assert.deepEqual(values(lse.y, 4), [Number(Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)).toFixed(4)), Number(Math.log(Math.exp(4) + Math.exp(5) + Math.exp(6)).toFixed(4))]);
});

test('LayerNormalization returns Y, Mean and InvStdDev (kept dims) computed in float', () => {
  const xv = [1, 2, 4, -1, 0, 7];
  const r = run(
    [{ op: 'LayerNormalization', inputs: ['x', 'scale', 'bias'], outputs: ['y', 'mean', 'inv'], attrs: [attr.float('epsilon', 0.01)] }],
    { x: f32([2, 3], xv), scale: f32([3], [1, 2, 3]), bias: f32([3], [0, 1, 0]) },
    ['y', 'mean', 'inv'],
  );
  const expectY: number[] = [];
  const expectMean: number[] = [];
  const expectInv: number[] = [];
  for (let row = 0; row < 2; row++) {
    const v = xv.slice(3 * row, 3 * row + 3);
    const mean = (v[0]! + v[1]! + v[2]!) / 3;
    const variance = v.reduce((s, e) => s + (e - mean) ** 2, 0) / 3;
    const inv = 1 / Math.sqrt(variance + 0.01);
    expectMean.push(mean);
    expectInv.push(inv);
    v.forEach((e, k) => expectY.push((e - mean) * inv * [1, 2, 3][k]! + [0, 1, 0][k]!));
  }
  assertClose(r.outputs[0]!.toNumbers(), expectY);
  assert.deepEqual([...r.outputs[1]!.shape.lens], [2, 1]);
  assertClose(r.outputs[1]!.toNumbers(), expectMean);
  assertClose(r.outputs[2]!.toNumbers(), expectInv);
});

test('Gelu (erf and tanh) and the contrib FastGelu / BiasGelu / QuickGelu follow their formulas', () => {
  const xv = [-2, -0.5, 0, 0.7, 3];
  const x = f32([5], xv);
  const b = f32([5], [0.1, 0.2, 0.3, 0.4, 0.5]);
  const erf = (z: number) => {
    // Abramowitz–Stegun 7.1.26 is not exact enough; integrate numerically instead (independent of src/).
    let s = 0;
    const n = 2000;
    for (let k = 0; k < n; k++) {
      const t = (z * (k + 0.5)) / n;
      s += Math.exp(-t * t);
    }
    return ((2 / Math.sqrt(Math.PI)) * s * z) / n;
  };
  const geluErf = (v: number) => 0.5 * v * (1 + erf(v / Math.SQRT2));
  const geluTanh = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
  const r = run(
    [
      { op: 'Gelu', inputs: ['x'], outputs: ['e'] },
      { op: 'Gelu', inputs: ['x'], outputs: ['t'], attrs: [attr.string('approximate', 'tanh')] },
      { op: 'FastGelu', domain: 'com.microsoft', inputs: ['x', 'b'], outputs: ['f'] },
      { op: 'BiasGelu', domain: 'com.microsoft', inputs: ['x', 'b'], outputs: ['g'] },
      { op: 'QuickGelu', domain: 'com.microsoft', inputs: ['x'], outputs: ['q'] },
    ],
    { x, b },
    ['e', 't', 'f', 'g', 'q'],
    20,
    { 'com.microsoft': 1 },
  );
  const bv = b.toNumbers();
  assertClose(r.outputs[0]!.toNumbers(), xv.map(geluErf));
  assertClose(r.outputs[1]!.toNumbers(), xv.map(geluTanh));
  assertClose(
    r.outputs[2]!.toNumbers(),
    xv.map((v, i) => geluTanh(v + bv[i]!)),
  );
  assertClose(
    r.outputs[3]!.toNumbers(),
    xv.map((v, i) => geluErf(v + bv[i]!)),
  );
  assertClose(
    r.outputs[4]!.toNumbers(),
    xv.map((v) => v / (1 + Math.exp(-1.702 * v))),
  );
});

test('contrib SkipLayerNormalization and EmbedLayerNormalization', () => {
  const ms = { 'com.microsoft': 1 };
  const norm = (v: number[], gamma: number[], beta: number[], eps: number) => {
    const mean = v.reduce((a, e) => a + e, 0) / v.length;
    const variance = v.reduce((a, e) => a + (e - mean) ** 2, 0) / v.length;
    return v.map((e, k) => ((e - mean) / Math.sqrt(variance + eps)) * gamma[k]! + beta[k]!);
  };
  const skip = run(
    [{ op: 'SkipLayerNormalization', domain: 'com.microsoft', inputs: ['x', 's', 'g', 'b', 'bias'], outputs: ['y', '', '', 'sum'], attrs: [attr.float('epsilon', 1e-5)] }],
    { x: f32([1, 2, 2], [1, 2, 3, 5]), s: f32([1, 2, 2], [1, 1, 0, 1]), g: f32([2], [2, 3]), b: f32([2], [1, 0]), bias: f32([2], [0.5, 0]) },
    ['y', 'sum'],
    17,
    ms,
  );
  assertClose(skip.outputs[1]!.toNumbers(), [2.5, 3, 3.5, 6]);
  assertClose(skip.outputs[0]!.toNumbers(), [...norm([2.5, 3], [2, 3], [1, 0], 1e-5), ...norm([3.5, 6], [2, 3], [1, 0], 1e-5)]);

  const word = f32([4, 2], [0, 1, 10, 11, 20, 21, 30, 31]);
  const position = f32([3, 2], [0.5, 0, 1.5, 0, 2.5, 0]);
  const embed = run(
    [
      {
        op: 'EmbedLayerNormalization',
        domain: 'com.microsoft',
        inputs: ['ids', '', 'word', 'pos', '', 'g', 'b', 'mask'],
        outputs: ['y', 'mask_index', 'sum'],
      },
    ],
    {
      ids: Tensor.fromNumbers('int32_type', [1, 2], [3, 1]),
      word,
      pos: position,
      g: f32([2], [1, 1]),
      b: f32([2], [0, 0]),
      mask: Tensor.fromNumbers('int32_type', [1, 2], [1, 0]),
    },
    ['y', 'mask_index', 'sum'],
    17,
    ms,
  );
  assertClose(embed.outputs[2]!.toNumbers(), [30.5, 31, 11.5, 11]);
  assertClose(embed.outputs[0]!.toNumbers(), [...norm([30.5, 31], [1, 1], [0, 0], 1e-12), ...norm([11.5, 11], [1, 1], [0, 0], 1e-12)]);
  assert.deepEqual(values(embed.outputs[1]!), [1]);
});

test('Conv resolves auto_pad SAME_UPPER / SAME_LOWER and adds a broadcast bias', () => {
  const x = f32([1, 1, 4, 4]);
  const w = f32([1, 1, 3, 3], new Array<number>(9).fill(1));
  const conv = (autoPad: string) =>
    run(
      [{ op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: [attr.string('auto_pad', autoPad), attr.ints('strides', [2, 2])] }],
      { x, w, b: f32([1], [1]) },
      ['y'],
    );
  const upper = conv('SAME_UPPER');
  assert.deepEqual(values(upper.outputs[0]!), [46, 40, 67, 51]);
  assert.match(upper.text, /convolution\[padding=\{0, 0, 1, 1\},stride=\{2, 2\},dilation=\{1, 1\},group=1,padding_mode=0\]\(x,w\) -> float_type, \{1, 1, 2, 2\}/);
  assert.match(upper.text, /broadcast\[axis=1,out_lens=\{1, 1, 2, 2\},out_dyn_dims=\{\}\]\(b\)/);
  assert.deepEqual(values(conv('SAME_LOWER').outputs[0]!), [11, 25, 52, 91]);
  assert.deepEqual(values(conv('VALID').outputs[0]!), [46]);
});

test('QuantizeLinear / DequantizeLinear: per-tensor, per-axis broadcast, blocked expansion with a short block', () => {
  const x = f32([2, 4], [1, 2, 3, 4, 5, 6, 7, 8]);
  const blocked = run(
    [{ op: 'QuantizeLinear', inputs: ['x', 's'], outputs: ['q'], attrs: [attr.int('axis', 1), attr.int('block_size', 2)] }],
    { x, s: f32([2, 2], [1, 2, 4, 8]) },
    ['q'],
    21,
  );
  assert.equal(blocked.outputs[0]!.type, 'uint8_type');
  assert.deepEqual(values(blocked.outputs[0]!), [1, 2, 2, 2, 1, 2, 1, 1]);
  assert.match(
    blocked.text,
    /unsqueeze\[axes=\{2\},steps=\{\}\]\(s\) -> float_type, \{2, 2, 1\}.*\n.*multibroadcast\[out_lens=\{2, 2, 2\},out_dyn_dims=\{\}\].*\n.*reshape\[dims=\{2, 4\}\].*\n.*quantizelinear\[out_type=nullopt\]\(x,@\d+\) -> uint8_type, \{2, 4\}/,
  );

  const short = run(
    [{ op: 'DequantizeLinear', inputs: ['q', 's'], outputs: ['y'], attrs: [attr.int('axis', 1), attr.int('block_size', 2)] }],
    { q: Tensor.fromNumbers('int8_type', [1, 5], [1, 2, 3, 4, 5]), s: f32([1, 3], [1, 10, 100]) },
    ['y'],
    21,
  );
  assert.deepEqual(values(short.outputs[0]!), [1, 2, 30, 40, 500]);
  assert.match(short.text, /slice\[axes=\{1\},starts=\{0\},ends=\{5\}\]/);

  const perAxis = run(
    [{ op: 'DequantizeLinear', inputs: ['q', 's', 'z'], outputs: ['y'], attrs: [attr.int('axis', 0)] }],
    { q: Tensor.fromNumbers('uint8_type', [2, 2], [10, 20, 30, 40]), s: f32([2], [0.5, 2]), z: Tensor.fromNumbers('uint8_type', [2], [10, 0]) },
    ['y'],
  );
  assert.deepEqual(values(perAxis.outputs[0]!), [0, 5, 60, 80]);
  assert.match(perAxis.text, /broadcast\[axis=0,out_lens=\{2, 2\},out_dyn_dims=\{\}\]\(s\)/);

  const fp8 = run(
    [{ op: 'QuantizeLinear', inputs: ['x', 's'], outputs: ['q'], attrs: [attr.int('output_dtype', 17), attr.int('saturate', 0)] }],
    { x: f32([2], [1, 1000]), s: f32([], [1]) },
    ['q'],
    21,
  );
  assert.match(fp8.text, /quantizelinear\[out_type=13,saturate=0\]\(x,@\d+\) -> fp8e4m3fn_type/);
  assert.deepEqual(values(fp8.outputs[0]!), [1, NaN]);
});

test('unsupported attribute values are ModelErrors, not crashes', () => {
  assert.throws(
    () => run([{ op: 'Gelu', inputs: ['x'], outputs: ['y'], attrs: [attr.string('approximate', 'erf2')], name: 'g' }], { x: f32([1], [1]) }, ['y'], 20),
    { name: 'ModelError', message: "node 'g' (Gelu): approximate 'erf2' is not supported" },
  );
  assert.throws(() => run([{ op: 'Gelu', inputs: ['x'], outputs: ['y'] }], { x: f32([1], [1]) }, ['y'], 18), {
    name: 'ModelError',
    message: "node 'Gelu_0' (Gelu): operator Gelu is supported from opset 20; the model uses opset 18",
  });
  assert.throws(() => importModel(buildModel({ inputs: [tensorInfo('x', 'float_type', [2])], outputs: ['y'], nodes: [{ op: 'Pad', inputs: ['x'], outputs: ['y'], attrs: [attr.string('mode', 'mirror')] }] })), {
    name: 'ModelError',
    message: "node 'Pad_0' (Pad): mode 'mirror' is not supported",
  });
});

test('RMSNormalization (opset 23), SimplifiedLayerNormalization and SkipSimplifiedLayerNormalization', () => {
  const xv = [1, 2, 3, -4, 0, 4];
  const scale = [1, 0.5, 2];
  const rms = (v: number[], eps: number) => {
    const inv = 1 / Math.sqrt(v.reduce((a, e) => a + e * e, 0) / v.length + eps);
    return v.map((e, k) => e * inv * scale[k]!);
  };
  const expected = [...rms(xv.slice(0, 3), 1e-5), ...rms(xv.slice(3), 1e-5)];
  const inputs = { x: f32([2, 3], xv), s: f32([3], scale) };
  const onnx = run([{ op: 'RMSNormalization', inputs: ['x', 's'], outputs: ['y'] }], inputs, ['y'], 23);
  assertClose(onnx.outputs[0]!.toNumbers(), expected);
  const ort = run([{ op: 'SimplifiedLayerNormalization', inputs: ['x', 's'], outputs: ['y', 'inv'] }], inputs, ['y', 'inv'], 17);
  assertClose(ort.outputs[0]!.toNumbers(), expected);
  assertClose(ort.outputs[1]!.toNumbers(), [1 / Math.sqrt(14 / 3 + 1e-5), 1 / Math.sqrt(32 / 3 + 1e-5)]);
  const skip = run(
    [{ op: 'SkipSimplifiedLayerNormalization', domain: 'com.microsoft', inputs: ['x', 'k', 's'], outputs: ['y', '', '', 'sum'], attrs: [attr.float('epsilon', 1e-5)] }],
    { x: f32([2, 3], xv), k: f32([2, 3], [0, 0, 0, 1, 1, 1]), s: f32([3], scale) },
    ['y', 'sum'],
    17,
    { 'com.microsoft': 1 },
  );
  assertClose(skip.outputs[1]!.toNumbers(), [1, 2, 3, -3, 1, 5]);
  assertClose(skip.outputs[0]!.toNumbers(), [...rms([1, 2, 3], 1e-5), ...rms([-3, 1, 5], 1e-5)]);
});

test('inference Dropout passes its input through; a fold that fails is a located ModelError', () => {
  const dropout = run([{ op: 'Dropout', inputs: ['x'], outputs: ['y'] }], { x: f32([2], [1, 2]) }, ['y']);
  assert.match(dropout.text, /@1 = @return\(x\)/);
  const badGather = buildModel({
    inputs: [],
    outputs: ['y'],
    initializers: { data: f32([3], [1, 2, 3]), idx: i64([5]) },
    nodes: [{ op: 'Gather', inputs: ['data', 'idx'], outputs: ['y'], name: 'g' }],
  });
  assert.throws(() => importModel(badGather), { name: 'ModelError', message: /^node 'g' \(Gather\): / });
});
