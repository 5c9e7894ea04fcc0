// The acceptance of lowering on the seed model (examples/attention_fp8_test.onnx, S = 1024), through the
// CLI's JSON: with --fp8 (attention skipped) it is two kernels, as MIGraphX's log after PR #4900 shows
// (the fused attention writing fp8 [1, 16, 1024, 128], then quant_dot + dequantize writing half) and a
// 2,097,152-byte scratch (that fp8 output); with --attention-qdq keep, the kernels MIGraphX ran before.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { main } from '../../src/cli/main.js';
import type { CompactInstruction } from '../../src/protocol/compact-ir.js';
import { repoPath } from '../helpers/paths.js';

interface Json {
  stage: string;
  program: string;
  stats: { instructions: number; modules: number; kernels: number; scratchBytes: number };
  instructions: CompactInstruction[];
}

const SEED = repoPath('examples', 'attention_fp8_test.onnx');
const BERT = repoPath('examples', 'bert_layer.onnx');

async function compileJson(model: string, ...args: string[]): Promise<Json> {
  let out = '';
  let err = '';
  const code = await main(['compile', model, '--format', 'json', ...args], { stdout: (s) => void (out += s), stderr: (s) => void (err += s) });
  assert.equal(code, 0, err);
  return JSON.parse(out) as Json;
}

const kernelsOf = (j: Json) => j.instructions.filter((i) => i.module === 'main' && i.op === 'gpu::code_object');

test('seed, --fp8: two kernels (fused attention → fp8, quant_dot + dequantize → half) and a 2,097,152-byte scratch', async () => {
  const j = await compileJson(SEED, '--fp8');
  assert.equal(j.stage, 'lowered');
  assert.equal(j.stats.kernels, 2);
  assert.equal(j.stats.scratchBytes, 2_097_152);
  const [attention, gemm] = kernelsOf(j) as [CompactInstruction, CompactInstruction];
  assert.match(attention.text, /^@\d+ = gpu::code_object\[code_object=\d+,symbol_name=wgsl_transpose_dot_convert_reduce_max_sub_exp_reduce_sum_div_convert_dot_quantizelinear,global=\d+,local=\d+,output_arg=3,\]\(q,k,v,@\d+\) -> fp8e4m3fn_type, \{1, 16, 1024, 128\}, \{2097152, 131072, 128, 1\}$/);
  assert.match(gemm.text, /^@\d+ = gpu::code_object\[code_object=\d+,symbol_name=wgsl_quantizelinear_quant_dot_dequantizelinear_convert,global=\d+,local=\d+,output_arg=2,\]\(w_o,@\d+,main:#output_0\) -> half_type, \{1, 16, 1024, 128\}, \{2097152, 131072, 128, 1\}$/);
  // The printed main module reads as MIGraphX's: scratch, its one load, parameters, kernels, return.
  const mainText = j.program.split('\n\n')[0]!.split('\n');
  assert.equal(mainText[0], 'module: "main"');
  assert.equal(mainText[1], '@0 = webgpu::allocate_memory[shape=int8_type, {2097152}, {1},id=main:scratch] -> int8_type, {2097152}, {1}');
  assert.deepEqual(
    mainText.slice(1).map((l) => /^@?\w+(?:::\w+)*/.exec(l.split(' = ')[1]!)![0]),
    ['webgpu::allocate_memory', '@param', '@param', '@param', '@param', 'load', 'gpu::code_object', '@param', 'gpu::code_object', '@return'],
  );
  // Each instruction a kernel runs names it: the quant_dot runs in the second, the softmax in the first.
  assert.equal(j.instructions.find((i) => i.op === 'quant_dot')?.kernel, gemm.kernel);
  assert.equal(j.instructions.find((i) => i.op === 'reduce_max' && i.onnxNode === 'softmax')?.kernel, attention.kernel);
  assert.equal(attention.kernel, 'wgsl_transpose_dot_convert_reduce_max_sub_exp_reduce_sum_div_convert_dot_quantizelinear');
});

test('seed, --fp8 --attention-qdq keep: quant_dot Q·Kᵀ, the dq → softmax → q reduce kernel, quant_dot P·V (quantizing V), w_o; scratch holds the scores', async () => {
  const j = await compileJson(SEED, '--fp8', '--attention-qdq', 'keep');
  const symbols = kernelsOf(j).map((k) => k.kernel);
  assert.ok(j.stats.kernels >= 4);
  assert.deepEqual(symbols, [
    'wgsl_transpose_quantizelinear_quantizelinear_quant_dot',
    'dequantizelinear_convert_convert_reduce_max_sub_exp_reduce_sum_div_convert_quantizelinear_kernel',
    'wgsl_quantizelinear_quant_dot_dequantizelinear_convert_quantizelinear',
    'wgsl_quantizelinear_quant_dot_dequantizelinear_convert',
  ]);
  // The S×S float32 scores (64 MiB) live in the scratch.
  assert.ok(j.stats.scratchBytes >= 16 * 1024 * 1024 * 4, `${j.stats.scratchBytes}`);
  assert.match(kernelsOf(j)[0]!.text, /-> float_type, \{1, 16, 1024, 1024\}/);
});

test('compile --stage: imported, quantized and fused print earlier programs; the JSON says which', async () => {
  const dims = ['--input-dim', 'sequence=8', '--input-dim', 'batch=1'];
  const imported = await compileJson(BERT, '--fp8', ...dims, '--stage', 'imported');
  assert.equal(imported.stage, 'imported');
  assert.ok(imported.instructions.some((i) => i.op === 'softmax'));
  const quantized = await compileJson(BERT, '--fp8', ...dims, '--stage', 'quantized');
  assert.equal(quantized.instructions.filter((i) => i.op === 'quant_dot').length, 6);
  assert.equal(quantized.stats.kernels, 0);
  assert.equal(quantized.stats.scratchBytes, 0);
  const fused = await compileJson(BERT, '--fp8', ...dims, '--stage', 'fused');
  assert.ok(fused.instructions.some((i) => i.module === 'main' && i.text.includes('group[tag=attention]')));
  const lowered = await compileJson(BERT, '--fp8', ...dims);
  assert.equal(lowered.stats.kernels, lowered.instructions.filter((i) => i.module === 'main' && i.op === 'gpu::code_object').length);
  assert.ok(lowered.instructions.filter((i) => i.module !== 'main' && !i.op.startsWith('@')).every((i) => i.kernel !== undefined), 'every instruction a kernel runs names it');
});
