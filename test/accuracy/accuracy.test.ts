// `accuracy`: the report's numbers come from values (checked against SQNR computed here from the two
// programs' outputs), attention skipped is not worse than attention kept on the seed block and the BERT
// layer, the worst-GEMM lists point at real quant_dots, and the JSON document has the documented shape.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { accuracyReport, type AccuracyReport } from '../../src/accuracy/report.js';
import { evaluationInputs } from '../../src/accuracy/evaluation-inputs.js';
import { compileFile } from '../../src/compiler.js';
import { programNames } from '../../src/ir/printer.js';
import { evaluateProgram } from '../../src/ref/evaluate.js';
import { repoPath } from '../helpers/paths.js';
import { cleanup, cli, tempDir, writeModel } from '../export/helpers.js';

const made: string[] = [];
after(() => cleanup(made));
const dir = tempDir(made, 'accuracy');

/** The seed block of MIGraphX PR #4900 (examples/generate.ts) at sequence length `seq`. */
function seedBlock(seq: number): string {
  const qkv = (name: string) => ({ name, elemType: 'half_type' as const, dims: [1, 16, seq, 128] });
  return writeModel(dir, `seed-${seq}.onnx`, {
    opsetImports: { '': 17 },
    graph: {
      name: 'attention_fp8_test',
      inputs: [qkv('q'), qkv('k'), qkv('v'), { name: 'w_o', elemType: 'half_type', dims: [1, 16, 128, 128] }],
      outputs: [{ name: 'y', elemType: 'half_type', dims: [1, 16, seq, 128] }],
      nodes: [
        { name: 'k_transpose', opType: 'Transpose', inputs: ['k'], outputs: ['kt'], attributes: { perm: { type: 'ints', value: [0, 1, 3, 2] } } },
        { name: 'qk_matmul', opType: 'MatMul', inputs: ['q', 'kt'], outputs: ['scores'] },
        { name: 'softmax', opType: 'Softmax', inputs: ['scores'], outputs: ['probs'], attributes: { axis: { type: 'int', value: -1 } } },
        { name: 'pv_matmul', opType: 'MatMul', inputs: ['probs', 'v'], outputs: ['context'] },
        { name: 'out_proj', opType: 'MatMul', inputs: ['context', 'w_o'], outputs: ['y'] },
      ],
    },
  });
}

const SEED = seedBlock(32);
const BERT = repoPath('examples', 'bert_layer.onnx');
const BERT_DIMS = new Map([
  ['batch', 1],
  ['sequence', 32],
]);

const seedReport = accuracyReport(SEED, { samples: 2 });
const bertReport = accuracyReport(BERT, { inputDims: BERT_DIMS, samples: 2 });

/** SQNR in dB from two arrays, written out here (not through src/accuracy). */
function sqnr(ref: ArrayLike<number>, test: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < ref.length; i++) {
    s += ref[i]! * ref[i]!;
    n += (ref[i]! - test[i]!) ** 2;
  }
  return 10 * Math.log10(s / n);
}

test('output SQNR, cosine and max-abs are those of the float and FP8 programs on the evaluation inputs', () => {
  const one = accuracyReport(BERT, { inputDims: BERT_DIMS, samples: 1, strategies: ['skip'] });
  // The programs the report evaluates: quantized, not lowered (fusion rounds softmax differently).
  const float = compileFile(BERT, { inputDims: BERT_DIMS, stage: 'quantized' });
  const fp8 = compileFile(BERT, { inputDims: BERT_DIMS, fp8: { attentionQdq: 'skip' }, stage: 'quantized' });
  const params = evaluationInputs(float.program.mainModule(), 0, 0);
  const x = evaluateProgram(float.program, params)[0]!.toFloat32Array();
  const y = evaluateProgram(fp8.program, params)[0]!.toFloat32Array();
  let maxAbs = 0;
  let dot = 0;
  let xx = 0;
  let yy = 0;
  for (let i = 0; i < x.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(x[i]! - y[i]!));
    dot += x[i]! * y[i]!;
    xx += x[i]! * x[i]!;
    yy += y[i]! * y[i]!;
  }
  const out = one.strategies.skip!.outputs[0]!;
  assert.equal(out.name, 'last_hidden_state');
  assert.ok(Math.abs(out.sqnrDb! - sqnr(x, y)) < 1e-9, `${out.sqnrDb} vs ${sqnr(x, y)}`);
  assert.ok(Math.abs(out.cosine - dot / Math.sqrt(xx * yy)) < 1e-12);
  assert.equal(out.maxAbs, maxAbs);
  assert.ok(out.sqnrDb! > 25 && out.sqnrDb! < 80, `${out.sqnrDb}`);
});

test('attention skipped is not worse than attention kept: seed block (S=32) and BERT layer (S=32)', () => {
  for (const [name, r] of [
    ['seed block', seedReport],
    ['bert_layer', bertReport],
  ] as const) {
    const skip = r.strategies.skip!.outputs[0]!.sqnrDb!;
    const keep = r.strategies.keep!.outputs[0]!.sqnrDb!;
    assert.ok(skip >= keep - 0.5, `${name}: skip ${skip} dB, keep ${keep} dB`);
  }
  // On the seed block the only quantized GEMM under skip is the output projection, which is the output.
  const skip = seedReport.strategies.skip!;
  assert.equal(skip.quantizedGemms, 1);
  assert.equal(skip.worst.length, 1);
  assert.equal(skip.worst[0]!.onnxNode, 'out_proj');
  assert.ok(Math.abs(skip.worst[0]!.sqnrDb! - skip.outputs[0]!.sqnrDb!) < 1e-9);
  assert.equal(seedReport.strategies.keep!.quantizedGemms, 3);
});

test('the worst lists name real quant_dots of each strategy’s program, worst first', () => {
  for (const strategy of ['skip', 'keep'] as const) {
    const program = compileFile(BERT, { inputDims: BERT_DIMS, fp8: { attentionQdq: strategy }, stage: 'quantized' }).program;
    const names = programNames(program);
    const byName = new Map([...names].map(([ins, name]) => [name, ins]));
    const worst = bertReport.strategies[strategy]!.worst;
    assert.equal(worst.length, strategy === 'skip' ? 6 : 8);
    for (const g of worst) {
      const ins = byName.get(g.instruction)!;
      assert.equal(ins.op.name, 'quant_dot', g.instruction);
      assert.equal(ins.origin!.node, g.onnxNode);
      assert.equal(g.onnxOpType, 'MatMul');
    }
    for (let i = 1; i < worst.length; i++) assert.ok(worst[i - 1]!.sqnrDb! <= worst[i]!.sqnrDb!);
    const attention = worst.filter((g) => g.onnxNode === '/attention/self/MatMul' || g.onnxNode === '/attention/self/MatMul_1');
    assert.equal(attention.length, strategy === 'skip' ? 0 : 2);
  }
  assert.equal(accuracyReport(BERT, { inputDims: BERT_DIMS, samples: 1, worst: 3, strategies: ['keep'] }).strategies.keep!.worst.length, 3);
});

test('accuracy --format json: strategies with outputs and worst GEMMs, the model and calibration description', async () => {
  const r = await cli('accuracy', SEED, '--fp8', '--samples', '1', '--seed', '5', '--format', 'json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as AccuracyReport;
  assert.equal(j.schema, 1);
  assert.equal(j.model.file, SEED);
  assert.match(j.model.sha256, /^[0-9a-f]{64}$/);
  assert.deepEqual(j.model.inputs.map((i) => i.name), ['q', 'k', 'v', 'w_o']);
  assert.deepEqual(j.calibration, { source: 'random', seed: 5, sets: 1, format: 'e4m3fn', scale: 'max |x| / fp8 max, per tensor' });
  assert.equal(j.evaluation.samples, 1);
  assert.equal(j.evaluation.seed, 5);
  assert.match(j.evaluation.inputs, /disjoint from the calibration draws/);
  assert.deepEqual(Object.keys(j.strategies), ['skip', 'keep']);
  for (const s of Object.values(j.strategies)) {
    assert.deepEqual(Object.keys(s.outputs[0]!).sort(), ['cosine', 'maxAbs', 'name', 'nonFinite', 'refMaxAbs', 'relL2', 'sqnrDb']);
    assert.equal(s.outputs[0]!.name, 'y');
    assert.equal(typeof s.outputs[0]!.sqnrDb, 'number');
    for (const g of s.worst) assert.deepEqual(Object.keys(g).sort(), ['cosine', 'instruction', 'maxAbs', 'onnxNode', 'onnxOpType', 'sqnrDb']);
  }
});

test('accuracy text output, and its usage errors', async () => {
  const r = await cli('accuracy', SEED, '--fp8', '--samples', '1');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^model: .*seed-32\.onnx \(sha256 [0-9a-f]{16}…\), inputs q \{1, 16, 32, 128\}/);
  assert.match(r.out, /\nstrategy skip: 1 quantized GEMM\(s\), 3 instruction\(s\) left out of quantization\n/);
  assert.match(r.out, /\nstrategy keep: 3 quantized GEMM\(s\)/);
  assert.match(r.out, /\nskip − keep on y: [+-]\d+\.\d\d dB\n$/);
  for (const argv of [
    ['accuracy', SEED],
    ['accuracy', SEED, '--fp8', '--samples', '0'],
    ['accuracy', SEED, '--fp8', '--samples', '33'],
    ['accuracy', SEED, '--fp8', '--attention-qdq', 'keep'],
  ]) {
    const bad = await cli(...argv);
    assert.equal(bad.code, 2, argv.join(' '));
    assert.equal(bad.out, '');
  }
  const missing = await cli('accuracy', `${dir}/nope.onnx`, '--fp8');
  assert.equal(missing.code, 1);
  assert.match(missing.err, /nope\.onnx: file not found/);
});
