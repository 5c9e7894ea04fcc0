import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { loadTensorFile } from '../../src/onnx/load.js';
import { repoPath } from '../helpers/paths.js';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (s) => void (out += s), stderr: (s) => void (err += s) });
  return { code, out, err };
}

const seed = repoPath('examples/attention_fp8_test.onnx');
const made: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'onnx-fp8-cli-'));
  made.push(d);
  return d;
};
after(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

test('compile prints the program in MIGraphX text form', async () => {
  const r = await cli('compile', seed, '--stage', 'quantized');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^module: "main"\n/);
  assert.match(r.out, /= softmax\[axis=3\]\(@\d+\) -> half_type, \{1, 16, 1024, 1024\}/);
  assert.equal(r.out.match(/= dot\(/g)?.length, 3);
  // The default stage: kernels, as migraphx-driver prints a compiled program.
  const lowered = await cli('compile', seed);
  assert.match(lowered.out, /^module: "main"\n@0 = webgpu::allocate_memory\[shape=int8_type, \{\d+\}, \{1\},id=main:scratch\]/);
  assert.equal(lowered.out.match(/= gpu::code_object\[code_object=\d+,symbol_name=wgsl_\w+,global=\d+,local=\d+,output_arg=\d+,\]\(/g)?.length, 2);
});

test('compile --format json follows the documented schema', async () => {
  const r = await cli('compile', seed, '--format', 'json', '--stage', 'quantized');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.schema, 1);
  assert.equal(j.stage, 'quantized');
  assert.equal(j.program, (await cli('compile', seed, '--stage', 'quantized')).out);
  assert.deepEqual(j.inputs.map((i: { name: string }) => i.name), ['q', 'k', 'v', 'w_o']);
  assert.deepEqual(j.outputs, [{ name: 'y', type: 'half_type', lens: [1, 16, 1024, 128] }]);
  assert.ok(j.stats.instructions > 0);
  // Each compact instruction points at its own line of the printed program.
  const lines = j.program.split('\n');
  assert.equal(j.instructions.length, j.stats.instructions);
  for (const ins of j.instructions) assert.equal(lines[ins.line - 1], ins.text);
  const softmax = j.instructions.find((i: { op: string }) => i.op === 'softmax');
  assert.equal(softmax.onnxNode, 'softmax');
  assert.equal(softmax.quantization, 'none');
});

test('symbolic dims default to 1 with a warning, or take --input-dim', async () => {
  const bert = repoPath('examples/bert_layer.onnx');
  const d = JSON.parse((await cli('compile', bert, '--format', 'json')).out);
  assert.ok(d.diagnostics.some((x: { code: string }) => x.code === 'ONNX_SYMBOLIC_DIM_DEFAULTED'));
  const b = JSON.parse((await cli('compile', bert, '--format', 'json', '--input-dim', 'batch=2', '--input-dim', 'sequence=64')).out);
  assert.deepEqual(b.inputs[0].lens, [2, 64, 256]);
  assert.ok(!b.diagnostics.some((x: { code: string }) => x.code === 'ONNX_SYMBOLIC_DIM_DEFAULTED'));
  // The text form prints the program on stdout and each warning as one line on stderr; JSON keeps stderr quiet.
  const text = await cli('compile', bert);
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /^module: "main"\n/);
  const warnings = text.err.trim().split('\n');
  assert.ok(warnings.length >= 1 && warnings.every((l) => /^onnx-fp8: warning: [A-Z_]+: .*bert_layer\.onnx:/.test(l)), text.err);
  assert.ok(warnings.some((l) => l.includes('ONNX_SYMBOLIC_DIM_DEFAULTED') && /--input-dim/.test(l)), text.err);
  assert.equal((await cli('compile', bert, '--format', 'json')).err, '');
  assert.equal((await cli('compile', bert, '--input-dim', 'batch=2', '--input-dim', 'sequence=64')).err, '');
});

test('usage errors exit 2 with one line; --help exits 0', async () => {
  for (const argv of [['compile'], ['compile', seed, '--bogus'], ['frobnicate'], ['compile', seed, '--format', 'xml'], ['run', seed, '--seed', 'x']]) {
    const r = await cli(...argv);
    assert.equal(r.code, 2, argv.join(' '));
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
  }
  const h = await cli('compile', '--help');
  assert.equal(h.code, 0);
  assert.match(h.out, /--input-dim NAME=N/);
});

test('model errors exit 1 with one line naming the file and the cause', async () => {
  const dir = tmp();
  const empty = join(dir, 'empty.onnx');
  writeFileSync(empty, new Uint8Array(0));
  const garbage = join(dir, 'garbage.onnx');
  writeFileSync(garbage, Buffer.from('this is not a protobuf at all, just text\n'));
  const truncated = join(dir, 'truncated.onnx');
  writeFileSync(truncated, readFileSync(repoPath('test/data/onnx-node-tests/test_add/model.onnx')).subarray(0, 40));
  for (const [file, cause] of [
    [join(dir, 'missing.onnx'), /missing\.onnx/],
    [empty, /empty\.onnx: .*(empty|0 bytes)/i],
    [garbage, /garbage\.onnx: /],
    [truncated, /truncated\.onnx: /],
  ] as const) {
    const r = await cli('compile', file);
    assert.equal(r.code, 1, `${file}: ${r.err}`);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.match(r.err, cause);
    assert.doesNotMatch(r.err, /internal error/);
  }
});

test('-o never overwrites the model and needs --force to replace a file', async () => {
  const dir = tmp();
  const model = join(dir, 'm.onnx');
  copyFileSync(seed, model);
  const before = readFileSync(model);
  const r1 = await cli('compile', model, '-o', model, '--force');
  assert.equal(r1.code, 1);
  assert.match(r1.err, /refusing to write over the input file/);
  assert.deepEqual(readFileSync(model), before);
  const out = join(dir, 'out.txt');
  assert.equal((await cli('compile', model, '-o', out)).code, 0);
  const r2 = await cli('compile', model, '-o', out);
  assert.equal(r2.code, 1);
  assert.match(r2.err, /pass --force/);
  assert.equal((await cli('compile', model, '-o', out, '--force')).code, 0);
  assert.match(readFileSync(out, 'utf8'), /^module: "main"/);
});

test('run reads input_N.pb, writes output_N.pb that match the node test expectation', async () => {
  const caseDir = repoPath('test/data/onnx-node-tests/test_matmul_3d');
  const outDir = join(tmp(), 'out');
  const r = await cli('run', join(caseDir, 'model.onnx'), '--input', join(caseDir, 'test_data_set_0'), '--output', outDir);
  assert.equal(r.code, 0, r.err);
  const got = loadTensorFile(join(outDir, 'output_0.pb')).tensor.toNumbers();
  const want = loadTensorFile(join(caseDir, 'test_data_set_0', 'output_0.pb')).tensor.toNumbers();
  assert.equal(got.length, want.length);
  got.forEach((g, i) => assert.ok(Math.abs(g - want[i]!) <= 1e-5 * (1 + Math.abs(want[i]!)), `element ${i}: ${g} vs ${want[i]}`));
  // A second run does not replace the outputs without --force.
  const again = await cli('run', join(caseDir, 'model.onnx'), '--input', join(caseDir, 'test_data_set_0'), '--output', outDir);
  assert.equal(again.code, 1);
  assert.ok(existsSync(join(outDir, 'output_0.pb')));
});

test('run with random inputs is reproducible from the seed', async () => {
  const bert = repoPath('examples/bert_layer.onnx');
  const a = await cli('run', bert, '--seed', '3', '--input-dim', 'sequence=16');
  const b = await cli('run', bert, '--seed', '3', '--input-dim', 'sequence=16');
  const c = await cli('run', bert, '--seed', '4', '--input-dim', 'sequence=16');
  assert.equal(a.code, 0, a.err);
  assert.equal(a.out, b.out);
  assert.notEqual(a.out, c.out);
  assert.match(a.out, /^last_hidden_state: float_type, \{1, 16, 256\}/);
});

test('run rejects an input file whose shape does not match the model', async () => {
  const caseDir = repoPath('test/data/onnx-node-tests/test_matmul_2d');
  const r = await cli('run', repoPath('test/data/onnx-node-tests/test_matmul_3d/model.onnx'), '--input', join(caseDir, 'test_data_set_0'));
  assert.equal(r.code, 1);
  assert.match(r.err, /input_0\.pb: tensor is float_type \{3, 4\} but model input 'a' is float_type \{2, 3, 4\}/);
});

test('bad models exit 1 with one line naming the cause: unknown op, short raw_data, escaping external data, cycle', async () => {
  const { encodeModel } = await import('../../src/onnx/write.js');
  const { ModelProtoType } = await import('../../src/onnx/schema.js');
  const { Tensor } = await import('../../src/ir/tensor.js');
  const dir = tmp();
  const io = { inputs: [{ name: 'x', elemType: 'float_type' as const, dims: [2] }], outputs: [{ name: 'y', elemType: 'float_type' as const, dims: [2] }] };
  const write = (name: string, bytes: Uint8Array) => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };
  const unknownOp = write('unknown-op.onnx', encodeModel({ opsetImports: { '': 17 }, graph: { name: 'g', ...io, nodes: [{ name: 'n0', opType: 'Frobnicate', inputs: ['x'], outputs: ['y'] }] } }));
  const cyclic = write('cyclic.onnx', encodeModel({
    opsetImports: { '': 17 },
    graph: {
      name: 'g',
      ...io,
      nodes: [
        { name: 'a', opType: 'Add', inputs: ['x', 'b_out'], outputs: ['a_out'] },
        { name: 'b', opType: 'Relu', inputs: ['a_out'], outputs: ['b_out'] },
        { name: 'c', opType: 'Identity', inputs: ['b_out'], outputs: ['y'] },
      ],
    },
  }));
  // A weight whose raw_data holds 1 float while its dims say 2.
  const good = encodeModel({ opsetImports: { '': 17 }, graph: { name: 'g', ...io, nodes: [{ name: 'add', opType: 'Add', inputs: ['x', 'w'], outputs: ['y'] }], initializers: { w: Tensor.fromNumbers('float_type', [2], [1, 2]) } } });
  const decoded = ModelProtoType.decode(good) as unknown as { graph: { initializer: { raw_data: Uint8Array }[] } };
  decoded.graph.initializer[0]!.raw_data = decoded.graph.initializer[0]!.raw_data.subarray(0, 4);
  const short = write('short-raw.onnx', ModelProtoType.encode(decoded as never).finish());
  const escaping = write('escaping.onnx', encodeModel({
    opsetImports: { '': 17 },
    graph: { name: 'g', ...io, nodes: [{ name: 'add', opType: 'Add', inputs: ['x', 'w'], outputs: ['y'] }], externalInitializers: [{ name: 'w', elemType: 'float_type', dims: [2], location: '../outside.bin' }] },
  }));
  for (const [file, cause] of [
    [unknownOp, /unknown-op\.onnx: node 'n0' \(Frobnicate\): unsupported operator Frobnicate/],
    [cyclic, /cyclic\.onnx: .*cyclic graph/],
    [short, /short-raw\.onnx: .*'w'.*(short|bytes)/],
    [escaping, /escaping\.onnx: .*outside\.bin.*(outside|escape|\.\.)/],
  ] as const) {
    const r = await cli('compile', file);
    assert.equal(r.code, 1, `${file}: ${r.err}`);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.match(r.err, cause);
  }
});

test('ModelError.at adds the file, keeps the node and the subclass', async () => {
  const { ModelError } = await import('../../src/errors.js');
  class Special extends ModelError {
    readonly extra = 42;
  }
  const e = new Special('bad thing', { node: 'n1', opType: 'Add' }).at({ file: 'm.onnx', node: 'ignored' });
  assert.ok(e instanceof Special);
  assert.equal(e.extra, 42);
  assert.equal(e.message, "m.onnx: node 'n1' (Add): bad thing");
  assert.equal(e.location.file, 'm.onnx');
});

test('run --device webgpu agrees with the reference; an impossible backend is a one-line error, exit 1', async () => {
  const caseDir = repoPath('test/data/onnx-node-tests/test_gemm_all_attributes');
  const argv = ['run', join(caseDir, 'model.onnx'), '--input', join(caseDir, 'test_data_set_0')];
  const ref = await cli(...argv);
  const gpu = await cli(...argv, '--device', 'webgpu');
  assert.equal(ref.code, 0, ref.err);
  if (gpu.code !== 0 && /no WebGPU adapter/.test(gpu.err) && process.env['ONNX_FP8_REQUIRE_GPU'] !== '1') {
    console.log('# skipped 1 comparison: no WebGPU adapter on this machine (set ONNX_FP8_REQUIRE_GPU=1 to fail instead)');
  } else {
    assert.equal(gpu.code, 0, gpu.err);
    // Same summary up to float32 rounding in the 6 printed digits of a GEMM.
    const nums = (s: string) => [...s.matchAll(/-?\d+\.?\d*(e[-+]\d+)?/g)].map((m) => Number(m[0]));
    const a = nums(ref.out);
    const b = nums(gpu.out);
    assert.equal(a.length, b.length);
    a.forEach((x, i) => assert.ok(Math.abs(x - b[i]!) <= 1e-4 * (1 + Math.abs(x)), `${x} vs ${b[i]}`));
  }
  const none = await cli(...argv, '--device', 'webgpu', '--backend', 'd3d12');
  assert.equal(none.code, 1, none.err);
  assert.equal(none.err.trim().split('\n').filter((l) => l.startsWith('onnx-fp8:')).length, 1, none.err);
  assert.match(none.err, /onnx-fp8: error: no WebGPU adapter found for backend 'd3d12'.*how to fix/);
  assert.equal((await cli(...argv, '--backend', 'vulkan')).code, 2);
});
