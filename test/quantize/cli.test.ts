// The FP8 options of `compile` and `run` (docs/cli.md): the JSON fields, calibration from a folder,
// usage errors (exit 2) and bad calibration data (exit 1, one line naming the file).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { Tensor } from '../../src/ir/tensor.js';
import { encodeModel, encodeTensor } from '../../src/onnx/write.js';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (s) => void (out += s), stderr: (s) => void (err += s) });
  return { code, out, err };
}

const made: string[] = [];
after(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
const dir = mkdtempSync(join(tmpdir(), 'onnx-fp8-fp8cli-'));
made.push(dir);

/** The seed block (examples/generate.ts) at sequence 32, written to a temp file. */
const SEQ = 32;
const model = join(dir, 'seed.onnx');
writeFileSync(
  model,
  encodeModel({
    opsetImports: { '': 17 },
    graph: {
      name: 'seed',
      inputs: ['q', 'k', 'v'].map((name) => ({ name, elemType: 'half_type' as const, dims: [1, 16, SEQ, 128] })).concat([{ name: 'w_o', elemType: 'half_type', dims: [1, 16, 128, 128] }]),
      outputs: [{ name: 'y', elemType: 'half_type', dims: [1, 16, SEQ, 128] }],
      nodes: [
        { name: 'k_transpose', opType: 'Transpose', inputs: ['k'], outputs: ['kt'], attributes: { perm: { type: 'ints', value: [0, 1, 3, 2] } } },
        { name: 'qk_matmul', opType: 'MatMul', inputs: ['q', 'kt'], outputs: ['scores'] },
        { name: 'softmax', opType: 'Softmax', inputs: ['scores'], outputs: ['probs'], attributes: { axis: { type: 'int', value: -1 } } },
        { name: 'pv_matmul', opType: 'MatMul', inputs: ['probs', 'v'], outputs: ['context'] },
        { name: 'out_proj', opType: 'MatMul', inputs: ['context', 'w_o'], outputs: ['y'] },
      ],
    },
  }),
);

interface Json {
  program: string;
  attention: { id: number; pattern: string; instructions: string[]; onnxNodes: string[] }[];
  skipSet: string[];
  quantized: { instruction: string; onnxNode?: string; scale: number }[];
  diagnostics: { severity: string; code: string; message: string }[];
  instructions: { name: string; op: string; inputs: string[]; quantization: string; onnxNode?: string; scale?: number; attention?: { region: number; reason: string } }[];
}

test('compile --fp8 --format json: attention regions, the skip set, each quantized tensor with its scale, diagnostics', async () => {
  const r = await cli('compile', model, '--fp8', '--format', 'json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as Json;
  assert.equal(j.attention.length, 1);
  assert.deepEqual(j.attention[0]!.onnxNodes, ['qk_matmul', 'softmax', 'pv_matmul']);
  assert.deepEqual(j.skipSet, j.attention[0]!.instructions);
  assert.deepEqual(j.quantized.map((q) => q.onnxNode), ['out_proj', 'out_proj']);
  for (const q of j.quantized) {
    const ins = j.instructions.find((i) => i.name === q.instruction)!;
    assert.equal(ins.op, 'quantizelinear');
    assert.equal(ins.scale, q.scale);
    assert.ok(q.scale > 0 && q.scale < 1, `${q.scale}`);
  }
  for (const name of j.skipSet) {
    const ins = j.instructions.find((i) => i.name === name)!;
    assert.equal(ins.quantization, 'skipped');
    assert.match(ins.attention!.reason, /left out of FP8 quantization so the block can fuse/);
  }
  assert.equal(j.instructions.find((i) => i.op === 'quant_dot')!.quantization, 'quantized');
  const codes = j.diagnostics.map((d) => d.code);
  for (const c of ['ATTENTION_REGION', 'FP8_ATTENTION_SKIPPED', 'FP8_CALIBRATED']) assert.ok(codes.includes(c), `${c} missing from ${codes.join(', ')}`);
  // The printed program is the text output, byte for byte.
  assert.equal(j.program, (await cli('compile', model, '--fp8')).out);
});

test('compile --fp8 --attention-qdq keep: no skip set, three quant_dots; remove prints what skip prints', async () => {
  const keep = JSON.parse((await cli('compile', model, '--fp8', '--attention-qdq', 'keep', '--format', 'json')).out) as Json;
  assert.deepEqual(keep.skipSet, []);
  assert.equal(keep.instructions.filter((i) => i.op === 'quant_dot').length, 3);
  assert.equal(keep.attention.length, 1);
  const skip = await cli('compile', model, '--fp8', '--attention-qdq', 'skip');
  const remove = await cli('compile', model, '--fp8', '--attention-qdq', 'remove');
  assert.equal(remove.code, 0, remove.err);
  assert.equal((skip.out.match(/quant_dot/g) ?? []).length, (remove.out.match(/quant_dot/g) ?? []).length);
});

test('--fp8-format, --quantize-ops and --seed reach the pipeline', async () => {
  const fnuz = await cli('compile', model, '--fp8', '--fp8-format', 'e4m3fnuz');
  assert.match(fnuz.out, /quant_dot.*\n/);
  assert.match(fnuz.out, /-> fp8e4m3fnuz_type/);
  assert.doesNotMatch(fnuz.out, /fp8e4m3fn_type/);
  const dots = JSON.parse((await cli('compile', model, '--fp8', '--quantize-ops', 'dot', '--format', 'json')).out) as Json;
  assert.match(dots.diagnostics.find((d) => d.code === 'FP8_CALIBRATED')!.message, /measured 2 tensor/);
  const s1 = (await cli('compile', model, '--fp8', '--seed', '1')).out;
  assert.equal((await cli('compile', model, '--fp8', '--seed', '1')).out, s1);
  assert.notEqual((await cli('compile', model, '--fp8', '--seed', '2')).out, s1);
});

test('--calibration DIR: calibrates on the given input sets; bad data is exit 1 naming the file', async () => {
  const calib = join(dir, 'calib');
  const ones = (lens: number[], v: number) => Tensor.fromNumbers('half_type', lens, new Array(lens.reduce((a, b) => a * b, 1)).fill(v));
  for (const [set, v] of [['set_0', 0.5], ['set_1', 2]] as const) {
    mkdirSync(join(calib, set), { recursive: true });
    ['q', 'k', 'v'].forEach((n, i) => writeFileSync(join(calib, set, `input_${i}.pb`), encodeTensor(n, ones([1, 16, SEQ, 128], v))));
    writeFileSync(join(calib, set, 'input_3.pb'), encodeTensor('w_o', ones([1, 16, 128, 128], v)));
  }
  const r = await cli('compile', model, '--fp8', '--calibration', calib, '--format', 'json', '--stage', 'quantized');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as Json;
  assert.match(j.diagnostics.find((d) => d.code === 'FP8_CALIBRATED')!.message, /2 calibration input set\(s\)/);
  // w_o is all 2 in the second set: max |x| 2, scale 2/448 rounded to half.
  const wo = j.instructions.find((i) => i.op === 'quantizelinear' && i.inputs[0] === 'w_o')!;
  assert.equal(wo.scale, 0.00446319580078125);

  const bad = join(dir, 'bad');
  mkdirSync(bad);
  ['q', 'k', 'v', 'w_o'].forEach((n, i) => writeFileSync(join(bad, `input_${i}.pb`), encodeTensor(n, ones([1, 16, SEQ, 64], 1))));
  const e = await cli('compile', model, '--fp8', '--calibration', bad);
  assert.equal(e.code, 1);
  assert.match(e.err, /^onnx-fp8: error: .*bad\/input_0\.pb: tensor is half_type \{1, 16, 32, 64\} but model input 'q' is half_type \{1, 16, 32, 128\}\n$/);
});

test('usage errors: FP8 options without --fp8, unknown ops, unknown formats', async () => {
  const cases: [string[], RegExp][] = [
    [['--attention-qdq', 'keep'], /--attention-qdq needs --fp8/],
    [['--calibration', dir], /--calibration needs --fp8/],
    [['--seed', '3'], /--seed needs --fp8/],
    [['--fp8', '--quantize-ops', 'matmul'], /unknown op 'matmul'/],
    [['--fp8', '--fp8-format', 'e4m3'], /--fp8-format must be one of e4m3fn, e4m3fnuz, e5m2, e5m2fnuz/],
    [['--fp8', '--attention-qdq', 'drop'], /--attention-qdq must be one of skip, keep, remove/],
  ];
  for (const [args, message] of cases) {
    const r = await cli('compile', model, ...args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.err, message, args.join(' '));
  }
});

test('run --fp8 evaluates the quantized program and prints its output', async () => {
  const r = await cli('run', model, '--fp8', '--attention-qdq', 'keep');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^y: half_type, \{1, 16, 32, 128\}: min -?[\d.]+, max [\d.]+, mean /);
  assert.doesNotMatch(r.out, /NaN/);
});
