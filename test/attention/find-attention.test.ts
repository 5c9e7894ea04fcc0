// find-attention on imported models: the synthetic corpus (one region each, the right pattern and the
// right ONNX nodes per role), the two examples, a two-layer model, the near misses it must reject with a
// code, and idempotence / determinism. Expected values come from the models as written, never from the pass.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DiagnosticSink, type Diagnostic } from '../../src/diagnostics.js';
import { Tensor } from '../../src/ir/tensor.js';
import type { Module } from '../../src/ir/module.js';
import type { OnnxModel } from '../../src/onnx/model.js';
import { OnnxDataType } from '../../src/onnx/model.js';
import { importModel, type ImportOptions } from '../../src/onnx/import.js';
import { loadModelFile } from '../../src/onnx/load.js';
import { findAttention, findAttentionRegions } from '../../src/passes/find-attention.js';
import { rewriteReduce } from '../../src/passes/rewrite-reduce.js';
import { attr, buildModel, type NodeSpec, tensorInfo } from '../onnx/helpers/model-builder.js';
import { repoPath } from '../helpers/paths.js';
import { corpus } from './helpers/corpus.js';
import { markSnapshot, normalizeRoles, rolesByNode } from './helpers/inspect.js';

function detect(model: OnnxModel, options: ImportOptions = {}) {
  const { program } = importModel(model, options);
  const diagnostics = new DiagnosticSink();
  const regions = findAttentionRegions(program.mainModule(), diagnostics);
  return { program, module: program.mainModule(), regions, diagnostics: diagnostics.items };
}

const codes = (ds: readonly Diagnostic[]) => ds.map((d) => d.code);
const marked = (m: Module) => m.instructions().filter((i) => i.meta.attention !== undefined);

for (const v of corpus()) {
  test(`corpus: ${v.name}`, () => {
    const r = detect(v.model);
    assert.equal(r.regions.length, 1, `expected one region, got ${r.regions.length}: ${JSON.stringify(r.diagnostics)}`);
    assert.equal(r.regions[0]!.pattern, v.pattern);
    assert.deepEqual(rolesByNode(r.module, 0), normalizeRoles(v.roles));
    assert.deepEqual(codes(r.diagnostics), ['ATTENTION_REGION']);
    // The marks agree with the returned region, and every mark has region 0 and the same pattern.
    assert.deepEqual(marked(r.module), r.regions[0]!.region);
    for (const ins of marked(r.module)) assert.deepEqual([ins.meta.attention!.region, ins.meta.attention!.pattern], [0, v.pattern]);
  });
}

test('corpus has at least 20 variants', () => {
  assert.ok(corpus().length >= 20, `${corpus().length} variants`);
});

test('examples/attention_fp8_test.onnx: the seed block is one region of three instructions', () => {
  const r = detect(loadModelFile(repoPath('examples', 'attention_fp8_test.onnx')));
  assert.equal(r.regions.length, 1);
  assert.equal(r.regions[0]!.pattern, 'dot → softmax → dot');
  assert.deepEqual(rolesByNode(r.module, 0), { qk_matmul: ['gemm1'], softmax: ['softmax'], pv_matmul: ['gemm2'] });
  // The w_o projection after gemm2 and the transpose of K before gemm1 are outside.
  assert.deepEqual(
    marked(r.module).map((i) => i.op.name),
    ['dot', 'softmax', 'dot'],
  );
  const info = r.diagnostics[0]!;
  assert.equal(info.code, 'ATTENTION_REGION');
  assert.equal(info.onnxNode, 'qk_matmul');
  assert.match(info.message, /qk_matmul, softmax, pv_matmul/);
});

test('examples/bert_layer.onnx: the torch-exported self-attention is one region (default and bound dims)', () => {
  const model = loadModelFile(repoPath('examples', 'bert_layer.onnx'));
  const expected = {
    '/attention/self/MatMul': ['gemm1'],
    '/attention/self/Div': ['scores'],
    '/attention/self/Add': ['scores'],
    '/attention/self/Softmax': ['softmax'],
    '/attention/self/MatMul_1': ['gemm2'],
  };
  for (const inputDims of [new Map<string, number>(), new Map([['batch', 2], ['sequence', 8]])]) {
    const r = detect(model, { inputDims });
    assert.equal(r.regions.length, 1);
    assert.equal(r.regions[0]!.pattern, 'dot → div(scale) → add(mask) → softmax → dot');
    assert.deepEqual(rolesByNode(r.module, 0), expected);
  }
});

/** One attention layer reading `x` ([1, 2, 4, 8]) with its own projections; output `${p}out`. */
function layer(p: string, x: string): NodeSpec[] {
  return [
    { name: `${p}q`, op: 'MatMul', inputs: [x, `${p}wq`], outputs: [`${p}q`] },
    { name: `${p}k`, op: 'MatMul', inputs: [x, `${p}wk`], outputs: [`${p}k`] },
    { name: `${p}v`, op: 'MatMul', inputs: [x, `${p}wv`], outputs: [`${p}v`] },
    { name: `${p}kt`, op: 'Transpose', inputs: [`${p}k`], outputs: [`${p}kt`], attrs: [attr.ints('perm', [0, 1, 3, 2])] },
    { name: `${p}qk`, op: 'MatMul', inputs: [`${p}q`, `${p}kt`], outputs: [`${p}qk`] },
    { name: `${p}scale`, op: 'Mul', inputs: [`${p}qk`, 'c'], outputs: [`${p}scale`] },
    { name: `${p}sm`, op: 'Softmax', inputs: [`${p}scale`], outputs: [`${p}sm`] },
    { name: `${p}pv`, op: 'MatMul', inputs: [`${p}sm`, `${p}v`], outputs: [`${p}pv`] },
    { name: `${p}out`, op: 'Add', inputs: [`${p}pv`, x], outputs: [`${p}out`] },
  ];
}

function twoLayers(): OnnxModel {
  const w = (seed: number) =>
    Tensor.fromNumbers(
      'float_type',
      [8, 8],
      Array.from({ length: 64 }, (_, i) => ((i * 5 + seed) % 11) / 11 - 0.5),
    );
  return buildModel({
    inputs: [tensorInfo('x', 'float_type', [1, 2, 4, 8])],
    outputs: ['l1out'],
    initializers: { c: Tensor.fromNumbers('float_type', [], [0.35]), l0wq: w(1), l0wk: w(2), l0wv: w(3), l1wq: w(4), l1wk: w(5), l1wv: w(6) },
    nodes: [...layer('l0', 'x'), ...layer('l1', 'l0out')],
  });
}

test('two layers: two regions, ids 0 and 1 in module order, each with its own nodes', () => {
  const r = detect(twoLayers());
  assert.deepEqual(
    r.regions.map((x) => x.id),
    [0, 1],
  );
  for (const [id, p] of [
    [0, 'l0'],
    [1, 'l1'],
  ] as const) {
    assert.deepEqual(rolesByNode(r.module, id), { [`${p}qk`]: ['gemm1'], [`${p}scale`]: ['scores'], [`${p}sm`]: ['softmax'], [`${p}pv`]: ['gemm2'] });
  }
  assert.deepEqual(codes(r.diagnostics), ['ATTENTION_REGION', 'ATTENTION_REGION']);
  assert.match(r.diagnostics[1]!.message, /^attention region 1: /);
});

test('the pass is idempotent: a second run leaves the printed program and every mark unchanged', () => {
  for (const model of [twoLayers(), ...corpus().map((v) => v.model)]) {
    const { program } = importModel(model);
    const ctx = { diagnostics: new DiagnosticSink() };
    const before = program.toString();
    findAttention.apply(program, ctx);
    const once = { text: program.toString(), marks: markSnapshot(program.mainModule()) };
    assert.equal(once.text, before, 'find-attention only marks; the program text does not change');
    findAttention.apply(program, ctx);
    assert.equal(program.toString(), once.text);
    assert.deepEqual(markSnapshot(program.mainModule()), once.marks);
  }
});

test('stale marks from an earlier run on a changed program are cleared', () => {
  const { program } = importModel(twoLayers());
  const m = program.mainModule();
  const param = m.parameters()[0]!;
  param.meta.attention = { region: 7, pattern: 'stale', role: 'scores' };
  findAttentionRegions(m);
  assert.equal(param.meta.attention, undefined);
  assert.deepEqual([...new Set(marked(m).map((i) => i.meta.attention!.region))], [0, 1]);
});

test('the pass is deterministic: two imports of the same model get the same marks and diagnostics', () => {
  const a = detect(twoLayers());
  const b = detect(twoLayers());
  assert.deepEqual(markSnapshot(a.module), markSnapshot(b.module));
  assert.deepEqual(a.diagnostics, b.diagnostics);
});

test('after rewrite-reduce (half softmax → decomposed softmax in an fp32 island) the block is still one region', () => {
  const { program } = importModel(
    buildModel({
      inputs: ['q', 'k', 'v'].map((x) => tensorInfo(x, 'half_type', [1, 2, 4, 8])),
      outputs: ['pv'],
      initializers: { c: Tensor.fromNumbers('half_type', [], [0.35]) },
      nodes: [
        { name: 'kt', op: 'Transpose', inputs: ['k'], outputs: ['kt'], attrs: [attr.ints('perm', [0, 1, 3, 2])] },
        { name: 'qk', op: 'MatMul', inputs: ['q', 'kt'], outputs: ['qk'] },
        { name: 'scale', op: 'Mul', inputs: ['qk', 'c'], outputs: ['scale'] },
        { name: 'sm', op: 'Softmax', inputs: ['scale'], outputs: ['sm'] },
        { name: 'pv', op: 'MatMul', inputs: ['sm', 'v'], outputs: ['pv'] },
      ],
    }),
  );
  rewriteReduce.apply(program, { diagnostics: new DiagnosticSink() });
  assert.ok(!program.toString().includes('softmax'), 'rewrite-reduce decomposed the softmax');
  const regions = findAttentionRegions(program.mainModule());
  assert.equal(regions.length, 1);
  assert.equal(regions[0]!.pattern, 'dot → mul(scale) → convert(float) → softmax → convert(half) → dot [decomposed softmax, cast island]');
  // rewrite-reduce gives its instructions the Softmax node's origin: the island's converts and the pieces.
  assert.deepEqual(rolesByNode(program.mainModule(), 0), { qk: ['gemm1'], scale: ['scores'], sm: ['probs', 'scores', 'softmax'], pv: ['gemm2'] });
  assert.equal(marked(program.mainModule()).filter((i) => i.meta.attention!.role === 'softmax').length, 7, 'reduce_max, 2 broadcasts, sub, exp, reduce_sum, div');
});

// ---- near misses: no region, and a diagnostic that says why ----

const qkv = () => ['q', 'k', 'v'].map((x) => tensorInfo(x, 'float_type', [1, 2, 4, 8]));
const kt: NodeSpec = { name: 'kt', op: 'Transpose', inputs: ['k'], outputs: ['kt'], attrs: [attr.ints('perm', [0, 1, 3, 2])] };
const qk: NodeSpec = { name: 'qk', op: 'MatMul', inputs: ['q', 'kt'], outputs: ['qk'] };
const pv: NodeSpec = { name: 'pv', op: 'MatMul', inputs: ['sm', 'v'], outputs: ['pv'] };
const sm = (axis = -1, x = 'qk'): NodeSpec => ({ name: 'sm', op: 'Softmax', inputs: [x], outputs: ['sm'], attrs: [attr.int('axis', axis)] });

function rejected(model: OnnxModel, code: string, about: string): Diagnostic {
  const r = detect(model);
  assert.equal(r.regions.length, 0, `expected no region, got ${r.regions.map((x) => x.pattern).join('; ')}`);
  assert.equal(marked(r.module).length, 0);
  const d = r.diagnostics.filter((x) => x.code.startsWith('ATTENTION_'));
  assert.deepEqual(codes(d), [code]);
  assert.equal(d[0]!.onnxNode, about);
  return d[0]!;
}

test('rejected: softmax over the query axis instead of the key axis', () => {
  const d = rejected(buildModel({ inputs: qkv(), outputs: ['pv'], nodes: [kt, qk, sm(2), pv] }), 'ATTENTION_REJECTED_SOFTMAX_AXIS', 'sm');
  assert.equal(d.severity, 'warning');
  assert.match(d.message, /normalises axis 2, but the key axis of the scores from MatMul 'qk' is axis 3/);
});

test('rejected: the key axis merged into another by a reshape before the softmax', () => {
  const d = rejected(
    buildModel({
      inputs: qkv(),
      outputs: ['pv'],
      initializers: { flat: Tensor.fromNumbers('int64_type', [2], [2, 16]), full: Tensor.fromNumbers('int64_type', [4], [1, 2, 4, 4]) },
      nodes: [
        kt,
        qk,
        { name: 'flat', op: 'Reshape', inputs: ['qk', 'flat'], outputs: ['f'] },
        { name: 'sm', op: 'Softmax', inputs: ['f'], outputs: ['s'] },
        { name: 'back', op: 'Reshape', inputs: ['s', 'full'], outputs: ['sm'] },
        pv,
      ],
    }),
    'ATTENTION_REJECTED_SOFTMAX_AXIS',
    'sm',
  );
  assert.match(d.message, /merged or dropped by Reshape 'flat'/);
});

test('rejected: dot → softmax with no second dot', () => {
  const d = rejected(buildModel({ inputs: qkv(), outputs: ['sm'], nodes: [kt, qk, sm()] }), 'ATTENTION_REJECTED_NO_SECOND_DOT', 'sm');
  assert.equal(d.severity, 'info');
});

test('rejected: the probabilities feed the second dot as its second operand', () => {
  const d = rejected(
    buildModel({
      inputs: [...qkv(), tensorInfo('vt', 'float_type', [1, 2, 8, 4])],
      outputs: ['y'],
      nodes: [kt, qk, sm(), { name: 'smt', op: 'Transpose', inputs: ['sm'], outputs: ['smt'], attrs: [attr.ints('perm', [0, 1, 3, 2])] }, { name: 'y', op: 'MatMul', inputs: ['vt', 'smt'], outputs: ['y'] }],
    }),
    'ATTENTION_REJECTED_CONTRACTION',
    'sm',
  );
  assert.match(d.message, /second operand of MatMul 'y'/);
});

test('rejected: the softmax output is also read by another operation', () => {
  const d = rejected(
    buildModel({
      inputs: qkv(),
      outputs: ['pv', 'entropy'],
      initializers: { axes: Tensor.fromNumbers('int64_type', [1], [-1]) },
      nodes: [kt, qk, sm(), pv, { name: 'entropy', op: 'ReduceSum', inputs: ['sm', 'axes'], outputs: ['entropy'] }],
    }),
    'ATTENTION_REJECTED_OUTSIDE_USE',
    'sm',
  );
  assert.match(d.message, /probabilities \(Softmax 'sm'\) are also read by ReduceSum 'entropy'/);
});

test('rejected: the scores are also read by another operation', () => {
  const d = rejected(
    buildModel({
      inputs: qkv(),
      outputs: ['pv', 'doubled'],
      initializers: { two: Tensor.fromNumbers('float_type', [], [2]) },
      nodes: [kt, qk, sm(), pv, { name: 'doubled', op: 'Mul', inputs: ['qk', 'two'], outputs: ['doubled'] }],
    }),
    'ATTENTION_REJECTED_OUTSIDE_USE',
    'sm',
  );
  assert.match(d.message, /scores \(MatMul 'qk'\) are also read by Mul 'doubled'/);
});

test('accepted with a warning: the softmax output is also a graph output (output_attentions, qk_matmul_output)', () => {
  const r = detect(buildModel({ inputs: qkv(), outputs: ['pv', 'sm'], nodes: [kt, qk, sm(), pv] }));
  assert.equal(r.regions.length, 1);
  assert.equal(r.regions[0]!.pattern, 'dot → softmax → dot [extra output]');
  assert.deepEqual(codes(r.diagnostics), ['ATTENTION_REGION', 'ATTENTION_OUTSIDE_USE']);
  const w = r.diagnostics[1]!;
  assert.equal(w.severity, 'warning');
  assert.equal(w.onnxNode, 'sm');
  assert.match(w.message, /returns its probabilities \(Softmax 'sm'\) as a graph output/);
});

test('rejected: V computed from the scores (no block runs around the softmax)', () => {
  const d = rejected(
    buildModel({ inputs: qkv(), outputs: ['y'], nodes: [kt, qk, sm(), { name: 'y', op: 'MatMul', inputs: ['sm', 'qk'], outputs: ['y'] }] }),
    'ATTENTION_REJECTED_BYPASS',
    'sm',
  );
  assert.match(d.message, /values\) is computed from the scores/);
});

test('rejected: a decomposed softmax whose reduce_max runs over another axis', () => {
  const d = rejected(
    buildModel({
      inputs: qkv(),
      outputs: ['pv'],
      initializers: { last: Tensor.fromNumbers('int64_type', [1], [-1]) },
      nodes: [
        kt,
        qk,
        { name: 'rmax', op: 'ReduceMax', inputs: ['qk'], outputs: ['rmax'], attrs: [attr.ints('axes', [2])] },
        { name: 'shift', op: 'Sub', inputs: ['qk', 'rmax'], outputs: ['shift'] },
        { name: 'exp', op: 'Exp', inputs: ['shift'], outputs: ['exp'] },
        { name: 'rsum', op: 'ReduceSum', inputs: ['exp', 'last'], outputs: ['rsum'] },
        { name: 'sm', op: 'Div', inputs: ['exp', 'rsum'], outputs: ['sm'] },
        pv,
      ],
    }),
    'ATTENTION_REJECTED_DECOMPOSED_SOFTMAX',
    'sm',
  );
  assert.match(d.message, /reduce_max runs over axes \{2\} but reduce_sum over \{3\}/);
});

test('rejected: a decomposed softmax whose reduce_max reads another tensor', () => {
  rejected(
    buildModel({
      inputs: [...qkv(), tensorInfo('other', 'float_type', [1, 2, 4, 4])],
      outputs: ['pv'],
      initializers: { last: Tensor.fromNumbers('int64_type', [1], [-1]) },
      nodes: [
        kt,
        qk,
        { name: 'rmax', op: 'ReduceMax', inputs: ['other'], outputs: ['rmax'], attrs: [attr.ints('axes', [-1])] },
        { name: 'shift', op: 'Sub', inputs: ['qk', 'rmax'], outputs: ['shift'] },
        { name: 'exp', op: 'Exp', inputs: ['shift'], outputs: ['exp'] },
        { name: 'rsum', op: 'ReduceSum', inputs: ['exp', 'last'], outputs: ['rsum'] },
        { name: 'sm', op: 'Div', inputs: ['exp', 'rsum'], outputs: ['sm'] },
        pv,
      ],
    }),
    'ATTENTION_REJECTED_DECOMPOSED_SOFTMAX',
    'sm',
  );
});

test('rejected: two softmaxes summed into one dot share it; the second block overlaps the first', () => {
  const r = detect(
    buildModel({
      inputs: [...qkv(), tensorInfo('k2', 'float_type', [1, 2, 4, 8])],
      outputs: ['pv'],
      nodes: [
        kt,
        qk,
        sm(),
        { name: 'kt2', op: 'Transpose', inputs: ['k2'], outputs: ['kt2'], attrs: [attr.ints('perm', [0, 1, 3, 2])] },
        { name: 'qk2', op: 'MatMul', inputs: ['q', 'kt2'], outputs: ['qk2'] },
        { name: 'sm2', op: 'Softmax', inputs: ['qk2'], outputs: ['sm2'] },
        { name: 'mix', op: 'Add', inputs: ['sm', 'sm2'], outputs: ['mix'] },
        { name: 'pv', op: 'MatMul', inputs: ['mix', 'v'], outputs: ['pv'] },
      ],
    }),
  );
  assert.equal(r.regions.length, 1);
  assert.deepEqual(rolesByNode(r.module, 0), { qk: ['gemm1'], sm: ['softmax'], mix: ['probs'], pv: ['gemm2'] });
  assert.deepEqual(codes(r.diagnostics), ['ATTENTION_REGION', 'ATTENTION_REJECTED_OVERLAP']);
  assert.equal(r.diagnostics[1]!.onnxNode, 'sm2');
});

test('not attention: CNN (Conv → Relu → Conv → Flatten → Gemm → Softmax) is a classifier head', () => {
  const w = (lens: number[]) =>
    Tensor.fromNumbers(
      'float_type',
      lens,
      Array.from({ length: lens.reduce((a, b) => a * b, 1) }, (_, i) => ((i % 7) - 3) / 8),
    );
  const model = buildModel({
    inputs: [tensorInfo('img', 'float_type', [1, 3, 8, 8])],
    outputs: ['probs'],
    initializers: { w1: w([4, 3, 3, 3]), w2: w([4, 4, 3, 3]), fc: w([10, 64]) },
    nodes: [
      { name: 'conv1', op: 'Conv', inputs: ['img', 'w1'], outputs: ['c1'] },
      { name: 'relu', op: 'Relu', inputs: ['c1'], outputs: ['r1'] },
      { name: 'conv2', op: 'Conv', inputs: ['r1', 'w2'], outputs: ['c2'] },
      { name: 'flat', op: 'Flatten', inputs: ['c2'], outputs: ['f'] },
      { name: 'fc', op: 'Gemm', inputs: ['f', 'fc'], outputs: ['logits'], attrs: [attr.int('transB', 1)] },
      { name: 'probs', op: 'Softmax', inputs: ['logits'], outputs: ['probs'] },
    ],
  });
  const d = rejected(model, 'ATTENTION_REJECTED_CONSTANT_OPERAND', 'probs');
  assert.equal(d.severity, 'info');
  assert.match(d.message, /second operand of Gemm 'fc' is a constant/);
});

test('not attention: a channel softmax after convolutions has no dot, so nothing is reported', () => {
  const r = detect(
    buildModel({
      inputs: [tensorInfo('img', 'float_type', [1, 3, 8, 8])],
      outputs: ['p'],
      initializers: { w1: Tensor.fromNumbers('float_type', [4, 3, 1, 1], new Array<number>(12).fill(0.25)) },
      nodes: [
        { name: 'conv', op: 'Conv', inputs: ['img', 'w1'], outputs: ['c'] },
        { name: 'relu', op: 'Relu', inputs: ['c'], outputs: ['r'] },
        { name: 'p', op: 'Softmax', inputs: ['r'], outputs: ['p'], attrs: [attr.int('axis', 1)] },
      ],
    }),
  );
  assert.equal(r.regions.length, 0);
  assert.deepEqual(r.diagnostics, []);
});

test('not attention: MLP (Gemm → Relu → Gemm → Softmax)', () => {
  const w = (rows: number, cols: number) =>
    Tensor.fromNumbers(
      'float_type',
      [rows, cols],
      Array.from({ length: rows * cols }, (_, i) => ((i % 5) - 2) / 4),
    );
  const d = rejected(
    buildModel({
      inputs: [tensorInfo('x', 'float_type', [2, 16])],
      outputs: ['p'],
      initializers: { w1: w(16, 32), b1: Tensor.fromNumbers('float_type', [32], new Array<number>(32).fill(0.1)), w2: w(32, 10) },
      nodes: [
        { name: 'fc1', op: 'Gemm', inputs: ['x', 'w1', 'b1'], outputs: ['h'] },
        { name: 'relu', op: 'Relu', inputs: ['h'], outputs: ['r'] },
        { name: 'fc2', op: 'Gemm', inputs: ['r', 'w2'], outputs: ['logits'] },
        { name: 'p', op: 'Softmax', inputs: ['logits'], outputs: ['p'] },
      ],
    }),
    'ATTENTION_REJECTED_CONSTANT_OPERAND',
    'p',
  );
  assert.match(d.message, /Gemm 'fc2'/);
});

test('not attention: a classifier head dot(x, W) → softmax → dot(p, W2) (MIGraphX would match it)', () => {
  const w = (rows: number, cols: number) => Tensor.fromNumbers('float_type', [rows, cols], new Array<number>(rows * cols).fill(0.1));
  rejected(
    buildModel({
      inputs: [tensorInfo('x', 'float_type', [4, 16])],
      outputs: ['y'],
      initializers: { w: w(16, 10), w2: w(10, 3) },
      nodes: [
        { name: 'logits', op: 'MatMul', inputs: ['x', 'w'], outputs: ['logits'] },
        { name: 'p', op: 'Softmax', inputs: ['logits'], outputs: ['p'] },
        { name: 'y', op: 'MatMul', inputs: ['p', 'w2'], outputs: ['y'] },
      ],
    }),
    'ATTENTION_REJECTED_CONSTANT_OPERAND',
    'p',
  );
});

test('a where mask with a computed bool condition: the walk stays on the float scores', () => {
  const r = detect(
    buildModel({
      inputs: [...qkv(), tensorInfo('m', 'float_type', [1, 1, 4, 4])],
      outputs: ['pv'],
      initializers: { ninf: Tensor.fromNumbers('float_type', [], [-Infinity]) },
      nodes: [
        kt,
        qk,
        { name: 'cond', op: 'Cast', inputs: ['m'], outputs: ['cond'], attrs: [attr.int('to', OnnxDataType.BOOL)] },
        { name: 'mask', op: 'Where', inputs: ['cond', 'qk', 'ninf'], outputs: ['mask'] },
        sm(-1, 'mask'),
        pv,
      ],
    }),
  );
  assert.equal(r.regions.length, 1);
  assert.equal(r.regions[0]!.pattern, 'dot → where(mask) → softmax → dot');
  assert.deepEqual(rolesByNode(r.module, 0), { qk: ['gemm1'], mask: ['scores'], sm: ['softmax'], pv: ['gemm2'] });
});
