import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileJson } from '../../src/cli/compile.js';
import { compileFile } from '../../src/compiler.js';
import { repoPath } from '../helpers/paths.js';
import { cliJson, loadHost } from './helpers.js';

const host = await loadHost();

test('reads the JSON the real compile command prints (docs/cli.md, schema 1)', () => {
  const model = repoPath('examples/attention_fp8_test.onnx');
  const stdout = JSON.stringify(compileJson(compileFile(model, { stage: 'quantized' })), null, 2);
  const doc = host.parseCompileJson(stdout);
  const lines = doc.text.split('\n');
  assert.ok(doc.program.instructions.length > 5);
  for (const ins of doc.program.instructions) assert.equal(lines[ins.line - 1], ins.text, `line ${ins.line}`);
  assert.equal(doc.program.instructions.find((i) => i.op === 'softmax')?.onnxNode, 'softmax');
  assert.equal(doc.program.file, model);
});

test('keeps the FP8 fields when present and tolerates their absence', () => {
  const full = host.parseCompileJson(cliJson());
  assert.deepEqual(
    full.program.instructions.map((i) => i.quantization),
    ['none', 'skipped', 'skipped', 'quantized', 'quantized', 'none'],
  );
  assert.equal(full.program.instructions[1]!.attention?.region, 0);
  assert.equal(full.program.instructions[3]!.scale, 0.0125);
  assert.equal(full.program.attention[0]!.pattern, 'dot-softmax-dot');

  const bare = host.parseCompileJson(cliJson({ omitFp8Fields: true }));
  assert.ok(bare.program.instructions.every((i) => i.quantization === 'none' && i.attention === undefined && i.scale === undefined));
  assert.deepEqual(bare.program.attention, []);
});

test('rejects output that is not the documented JSON, saying why', () => {
  assert.throws(() => host.parseCompileJson('module: "main"\n'), /not JSON/);
  assert.throws(() => host.parseCompileJson('[1,2]'), /not an object/);
  assert.throws(() => host.parseCompileJson(JSON.stringify({ schema: 2, program: '', instructions: [] })), /schema 2; this extension reads schema 1/);
  assert.throws(() => host.parseCompileJson(JSON.stringify({ schema: 1, instructions: [] })), /lacks `program`/);
  assert.throws(() => host.parseCompileJson(JSON.stringify({ schema: 1, program: '', instructions: [{ name: '@1' }] })), /instructions\[0\] lacks/);
});

test('splits the one-line CLI error into file, node and cause', () => {
  const model = '/ws/odd: name.onnx';
  const e = host.parseCliError(`onnx-fp8: error: ${model}: node 'qk (a)' (MatMul): inner dims differ: 64 vs 32\n`, 1, model);
  assert.deepEqual(e, { kind: 'model', file: model, onnxNode: 'qk (a)', onnxOpType: 'MatMul', cause: 'inner dims differ: 64 vs 32' });

  const noNode = host.parseCliError('onnx-fp8: error: /ws/m.onnx: not an ONNX model (bad wire type)\n', 1, '/ws/m.onnx');
  assert.deepEqual(noNode, { kind: 'model', file: '/ws/m.onnx', cause: 'not an ONNX model (bad wire type)' });

  const external = host.parseCliError("onnx-fp8: error: /ws/weights.bin: node 'w' (Constant): file too short\n", 1, '/ws/m.onnx');
  assert.equal(external.file, '/ws/weights.bin');
  assert.equal(external.onnxNode, 'w');

  const usage = host.parseCliError("onnx-fp8: compile: --fp8-format must be one of e4m3fn, e5m2, got 'x'\n", 2, '/ws/m.onnx');
  assert.equal(usage.kind, 'usage');
  assert.match(usage.cause, /--fp8-format must be one of/);

  const internal = host.parseCliError('onnx-fp8: internal error: boom (please report)\n', 1, '/ws/m.onnx');
  assert.equal(internal.kind, 'internal');

  assert.equal(host.parseCliError('', 1, '/ws/m.onnx').cause, 'the CLI exited with code 1 and printed no error');
});

test('finds the option a usage error calls unknown', () => {
  assert.equal(host.unknownOption("onnx-fp8: compile: unknown option '--fp8' (see 'onnx-fp8 compile --help')"), 'fp8');
  assert.equal(host.unknownOption("onnx-fp8: compile: unknown option '--quantize-ops'"), 'quantize-ops');
  assert.equal(host.unknownOption('onnx-fp8: compile: expected <model>'), undefined);
});
