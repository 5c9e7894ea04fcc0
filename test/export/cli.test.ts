// `onnx-fp8 export` on the command line (docs/cli.md): what it writes and prints, usage errors (exit 2),
// and the output rules (never over the model or an existing file without --force; exit 1, one line).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoPath } from '../helpers/paths.js';
import { cleanup, cli, countOps, readModel, tempDir, writeModel } from './helpers.js';
import { gemmModel } from './models.js';

const made: string[] = [];
after(() => cleanup(made));
const dir = tempDir(made, 'export-cli');
const model = writeModel(dir, 'gemm.onnx', gemmModel());

test('export --fp8 -o writes a QDQ model and prints one line per quantized input', async () => {
  const out = join(dir, 'gemm.qdq.onnx');
  const r = await cli('export', model, '--fp8', '-o', out);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.err, '');
  const m = readModel(readFileSync(out));
  assert.equal(m.opsetImports.get(''), 19);
  assert.equal(countOps(m, 'QuantizeLinear'), 2);
  assert.equal(countOps(m, 'DequantizeLinear'), 4);
  const lines = r.out.trim().split('\n');
  assert.match(lines[0]!, /^wrote .*gemm\.qdq\.onnx: opset 19 \(raised from 13\)$/);
  assert.equal(lines.filter((l) => /^ {2}fc[12] input \d/.test(l)).length, 4);
  assert.ok(lines.some((l) => /fc1 input 1 'w1': fp8 weight \+ DequantizeLinear, scale /.test(l)));
});

test('export --format json: the summary document', async () => {
  const out = join(dir, 'bert.qdq.onnx');
  const r = await cli('export', repoPath('examples', 'bert_layer.onnx'), '--fp8', '--attention-qdq', 'keep', '--input-dim', 'batch=1', '--input-dim', 'sequence=8', '-o', out, '--format', 'json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as {
    schema: number;
    output: string;
    opset: { from: number; to: number };
    added: { quantizeLinear: number; dequantizeLinear: number; weights: number; activations: number };
    quantized: { onnxNode: string; input: number; tensor: string; kind: string; scale: number; type: string }[];
    diagnostics: { code: string }[];
  };
  assert.equal(j.schema, 1);
  assert.equal(j.output, out);
  assert.deepEqual(j.opset, { from: 17, to: 19 });
  assert.equal(j.quantized.length, 16, 'six projections and FFN MatMuls plus the two attention MatMuls, two inputs each');
  assert.ok(j.quantized.some((q) => q.onnxNode === '/attention/self/MatMul_1' && q.kind === 'activation'));
  assert.ok(j.quantized.every((q) => q.type === 'fp8e4m3fn_type' && q.scale > 0));
  assert.equal(j.added.weights + j.added.activations, 16);
  assert.ok(j.diagnostics.some((d) => d.code === 'FP8_ATTENTION_QUANTIZED'));
  assert.ok(existsSync(out));
});

test('export needs --fp8 and -o (exit 2)', async () => {
  const noFp8 = await cli('export', model, '-o', join(dir, 'x.onnx'));
  assert.equal(noFp8.code, 2);
  assert.match(noFp8.err, /--fp8 is required/);
  const noOut = await cli('export', model, '--fp8');
  assert.equal(noOut.code, 2);
  assert.match(noOut.err, /-o\/--output FILE is required/);
  const badFormat = await cli('export', model, '--fp8', '-o', join(dir, 'x.onnx'), '--fp8-format', 'e3m4');
  assert.equal(badFormat.code, 2);
});

test('export never writes over an existing file without --force, nor over the model even with it', async () => {
  const out = join(dir, 'exists.onnx');
  writeFileSync(out, 'keep me');
  const refused = await cli('export', model, '--fp8', '-o', out);
  assert.equal(refused.code, 1);
  assert.match(refused.err, /^onnx-fp8: error: .*exists\.onnx: file exists; refusing to overwrite it \(pass --force to replace it\)\n$/);
  assert.equal(readFileSync(out, 'utf8'), 'keep me');
  const forced = await cli('export', model, '--fp8', '-o', out, '--force');
  assert.equal(forced.code, 0, forced.err);
  assert.equal(countOps(readModel(readFileSync(out)), 'QuantizeLinear'), 2);

  const before = readFileSync(model);
  const self = await cli('export', model, '--fp8', '-o', model, '--force');
  assert.equal(self.code, 1);
  assert.match(self.err, /refusing to write over the input file/);
  assert.deepEqual(readFileSync(model), before);
});

test('a broken model is exit 1 with one line naming the file', async () => {
  const bad = join(dir, 'broken.onnx');
  writeFileSync(bad, Buffer.from([0x08, 0x07, 0x12, 0xff, 0xff]));
  const r = await cli('export', bad, '--fp8', '-o', join(dir, 'broken.qdq.onnx'));
  assert.equal(r.code, 1);
  assert.equal(r.err.split('\n').length, 2);
  assert.match(r.err, /^onnx-fp8: error: .*broken\.onnx: /);
  assert.ok(!existsSync(join(dir, 'broken.qdq.onnx')));
});
