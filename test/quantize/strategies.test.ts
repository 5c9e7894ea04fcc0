// Acceptance tests of FP8 quantization with the attention skip set (issue 3): the seed block, the BERT
// layer, the attention corpus and an already-QDQ model, through the whole pipeline (compileModel).
// skip and remove must give the same program; keep quantizes attention like the rest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFile, compileModel, type CompileOptions } from '../../src/compiler.js';
import type { Instruction } from '../../src/ir/instruction.js';
import type { Module } from '../../src/ir/module.js';
import { Tensor } from '../../src/ir/tensor.js';
import type { OnnxModel } from '../../src/onnx/model.js';
import type { AttentionQdq } from '../../src/passes/capture-arguments.js';
import { attr, buildModel, tensorInfo } from '../onnx/helpers/model-builder.js';
import { corpus } from '../attention/helpers/corpus.js';
import { repoPath } from '../helpers/paths.js';
import { opsNamed } from './helpers.js';

/** The quantized stage: these tests read the quant_dots and Q/DQ before fusion takes them into kernels. */
const fp8 = (attentionQdq: AttentionQdq, extra: CompileOptions = {}): CompileOptions => ({ fp8: { attentionQdq }, validate: true, stage: 'quantized', ...extra });

/** The seed block of PR #4900 (examples/generate.ts) at a small sequence length, for speed. */
function seedModel(seq: number): OnnxModel {
  const qkv = (n: string) => tensorInfo(n, 'half_type', [1, 16, seq, 128]);
  return buildModel({
    inputs: [qkv('q'), qkv('k'), qkv('v'), tensorInfo('w_o', 'half_type', [1, 16, 128, 128])],
    outputs: ['y'],
    nodes: [
      { name: 'k_transpose', op: 'Transpose', inputs: ['k'], outputs: ['kt'], attrs: [attr.ints('perm', [0, 1, 3, 2])] },
      { name: 'qk_matmul', op: 'MatMul', inputs: ['q', 'kt'], outputs: ['scores'] },
      { name: 'softmax', op: 'Softmax', inputs: ['scores'], outputs: ['probs'], attrs: [attr.int('axis', -1)] },
      { name: 'pv_matmul', op: 'MatMul', inputs: ['probs', 'v'], outputs: ['context'] },
      { name: 'out_proj', op: 'MatMul', inputs: ['context', 'w_o'], outputs: ['y'] },
    ],
  });
}

const byNode = (m: Module, node: string) => m.instructions().filter((i) => i.origin?.node === node);
const onlyOp = (m: Module, node: string, ...ops: string[]) => byNode(m, node).find((i) => ops.includes(i.op.name))!;
const isQdq = (i: Instruction) => i.op.name === 'quantizelinear' || i.op.name === 'dequantizelinear';
/** Sorted printed program: the comparison for strategies whose instruction order may differ. */
const sortedProgram = (r: ReturnType<typeof compileModel>) => r.program.sort().toString();

test('seed model (examples/attention_fp8_test.onnx, S=1024) with skip: attention untouched, w_o dot a quant_dot on two fp8 inputs', () => {
  const r = compileFile(repoPath('examples', 'attention_fp8_test.onnx'), fp8('skip'));
  const m = r.program.mainModule();
  for (const node of ['qk_matmul', 'pv_matmul']) {
    const dot = onlyOp(m, node, 'dot', 'quant_dot');
    assert.equal(dot.op.name, 'dot', node);
    assert.ok(!dot.inputs.some(isQdq), `${node} reads a Q/DQ`);
  }
  const softmax = onlyOp(m, 'softmax', 'softmax');
  assert.ok(!softmax.inputs.some(isQdq) && !softmax.outputs.some(isQdq), 'softmax touches a Q/DQ');
  const out = onlyOp(m, 'out_proj', 'quant_dot');
  assert.deepEqual(out.inputs.map((i) => [i.op.name, i.shape.type]), [
    ['quantizelinear', 'fp8e4m3fn_type'],
    ['quantizelinear', 'fp8e4m3fn_type'],
  ]);
  assert.equal(opsNamed(m, 'quant_dot').length, 1);
  assert.equal(opsNamed(m, 'quantizelinear').length, 2);
  // The skip set and the quantized tensors, as compile --format json reports them.
  assert.deepEqual(
    [softmax, onlyOp(m, 'qk_matmul', 'dot'), onlyOp(m, 'pv_matmul', 'dot')].map((i) => i.meta.quantizationSkipped !== undefined),
    [true, true, true],
  );
  const codes = r.diagnostics.map((d) => d.code);
  assert.ok(codes.includes('FP8_ATTENTION_SKIPPED') && codes.includes('FP8_CALIBRATED'), codes.join(', '));
});

test('seed model with keep: both attention dots become quant_dots, each on two quantizelinears', () => {
  const r = compileModel(seedModel(64), fp8('keep'));
  const m = r.program.mainModule();
  for (const node of ['qk_matmul', 'pv_matmul', 'out_proj']) {
    const qd = onlyOp(m, node, 'quant_dot', 'dot');
    assert.equal(qd.op.name, 'quant_dot', node);
    assert.deepEqual(qd.inputs.map((i) => i.op.name), ['quantizelinear', 'quantizelinear'], node);
  }
  assert.ok(r.diagnostics.some((d) => d.code === 'FP8_ATTENTION_QUANTIZED'));
});

test('skip and remove give the same program: seed model, BERT layer', () => {
  const cases: [string, () => ReturnType<typeof compileModel>, () => ReturnType<typeof compileModel>][] = [
    ['seed', () => compileModel(seedModel(64), fp8('skip')), () => compileModel(seedModel(64), fp8('remove'))],
    [
      'bert_layer',
      () => compileFile(repoPath('examples', 'bert_layer.onnx'), fp8('skip', { inputDims: new Map([['sequence', 16]]) })),
      () => compileFile(repoPath('examples', 'bert_layer.onnx'), fp8('remove', { inputDims: new Map([['sequence', 16]]) })),
    ],
  ];
  for (const [name, skip, remove] of cases) {
    const s = skip();
    const r = remove();
    assert.ok(opsNamed(s.program.mainModule(), 'quant_dot').length > 0, name);
    assert.equal(sortedProgram(s), sortedProgram(r), name);
    assert.ok(r.diagnostics.some((d) => d.code === 'FP8_ATTENTION_QDQ_REMOVED'), name);
  }
});

test('skip and remove give the same program on every variant of the attention corpus', () => {
  let quantized = 0;
  for (const v of corpus()) {
    const skip = compileModel(v.model, fp8('skip'));
    const remove = compileModel(v.model, fp8('remove'));
    assert.equal(sortedProgram(skip), sortedProgram(remove), v.name);
    if (opsNamed(skip.program.mainModule(), 'quant_dot').length > 0) quantized++;
  }
  // Most variants have projections or a following GEMM that does get quantized.
  assert.ok(quantized > 0);
});

test('examples/bert_layer.onnx with skip: the 6 projection and FFN GEMMs are quant_dots, the attention dots are not', () => {
  const r = compileFile(repoPath('examples', 'bert_layer.onnx'), fp8('skip', { inputDims: new Map([['sequence', 16]]) }));
  const m = r.program.mainModule();
  const gemms = ['query', 'key', 'value'].map((p) => `/attention/self/${p}/MatMul`).concat(['/attention/output/dense/MatMul', '/intermediate/dense/MatMul', '/output/dense/MatMul']);
  for (const node of gemms) assert.equal(onlyOp(m, node, 'quant_dot', 'dot').op.name, 'quant_dot', node);
  for (const node of ['/attention/self/MatMul', '/attention/self/MatMul_1']) {
    const dot = onlyOp(m, node, 'quant_dot', 'dot');
    assert.equal(dot.op.name, 'dot', node);
    assert.ok(!dot.inputs.some(isQdq), node);
  }
  assert.equal(opsNamed(m, 'quant_dot').length, 6);
});

test('each FP8 pass run twice changes nothing the second time (seed model, all three strategies)', async () => {
  const { buildPipeline } = await import('../../src/passes/pipeline.js');
  const { DiagnosticSink } = await import('../../src/diagnostics.js');
  const { eliminateDeadCode } = await import('../../src/passes/eliminate-dead-code.js');
  const { importModel } = await import('../../src/onnx/import.js');
  for (const attentionQdq of ['keep', 'remove', 'skip'] as const) {
    const imported = importModel(seedModel(32));
    const ctx = { diagnostics: new DiagnosticSink() };
    for (const pass of buildPipeline({ fp8: { attentionQdq } })) {
      pass.apply(imported.program, ctx);
      eliminateDeadCode.apply(imported.program, ctx);
      const once = imported.program.toString();
      pass.apply(imported.program, ctx);
      eliminateDeadCode.apply(imported.program, ctx);
      assert.equal(imported.program.toString(), once, `${pass.name} (${attentionQdq})`);
    }
  }
});

test('an already-QDQ model (QuantizeLinear/DequantizeLinear around a MatMul) is never wrapped twice', () => {
  // y = MatMul(DQ(Q(x)), DQ(w)) with fp8 activations and fp8 weights fed as an input (an fp8 initializer
  // would be folded to a float constant by the importer, which is then simply quantized like any weight).
  const model = buildModel({
    inputs: [tensorInfo('x', 'float_type', [2, 8]), tensorInfo('w', 'fp8e4m3fn_type', [8, 4])],
    outputs: ['y'],
    initializers: {
      xs: Tensor.fromNumbers('float_type', [], [0.05]),
      xz: Tensor.fromNumbers('fp8e4m3fn_type', [], [0]),
      ws: Tensor.fromNumbers('float_type', [], [0.1]),
    },
    opset: 21,
    nodes: [
      { name: 'qx', op: 'QuantizeLinear', inputs: ['x', 'xs', 'xz'], outputs: ['x8'] },
      { name: 'dqx', op: 'DequantizeLinear', inputs: ['x8', 'xs', 'xz'], outputs: ['xf'] },
      { name: 'dqw', op: 'DequantizeLinear', inputs: ['w', 'ws', 'xz'], outputs: ['wf'] },
      { name: 'mm', op: 'MatMul', inputs: ['xf', 'wf'], outputs: ['y'] },
    ],
  });
  const r = compileModel(model, fp8('skip'));
  const m = r.program.mainModule();
  assert.equal(opsNamed(m, 'quantizelinear').length, 1, r.program.toString());
  assert.equal(opsNamed(m, 'capture').length, 0);
  const qd = opsNamed(m, 'quant_dot');
  assert.equal(qd.length, 1, r.program.toString());
  assert.deepEqual(qd[0]!.inputs.map((i) => i.op.name), ['quantizelinear', '@param']);
  assert.ok(r.diagnostics.some((d) => d.code === 'FP8_ALREADY_QUANTIZED'));
});

test('--quantize-ops dot: only dot inputs are captured; the program matches the default set after simplify', () => {
  const all = compileModel(seedModel(32), fp8('skip'));
  const dots = compileModel(seedModel(32), { ...fp8('skip'), fp8: { attentionQdq: 'skip', quantizeOps: ['dot'] } });
  const measured = (r: typeof all) => r.diagnostics.find((d) => d.code === 'FP8_CALIBRATED')!.message;
  assert.match(measured(all), /measured 3 tensor/); // k (under the transpose) and both out_proj inputs
  assert.match(measured(dots), /measured 2 tensor/);
  assert.equal(sortedProgram(all), sortedProgram(dots));
});
