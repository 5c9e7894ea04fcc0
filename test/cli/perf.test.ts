// `onnx-fp8 perf`: migraphx-driver's report on WebGPU (the software adapter here), and its JSON. A
// small copy of the seed attention block (S = 64) keeps it quick; the figures for the real seed are
// in docs/perf.md (measured with the same command).

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';
import { encodeModel } from '../../src/onnx/write.js';
import { seedAttentionModel } from '../../examples/generate.js';
import { repoPath } from '../helpers/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'onnx-fp8-perf-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const model = join(dir, 'seed-s64.onnx');
writeFileSync(model, encodeModel(seedAttentionModel(64)));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (s) => void (out += s), stderr: (s) => void (err += s) });
  return { code, out, err };
}

const noAdapter = (err: string) => /no WebGPU adapter/.test(err) && process.env['ONNX_FP8_REQUIRE_GPU'] !== '1';

test('perf prints the program, then per-instruction times, a Summary with the 2 kernels, and the footer', async (t) => {
  const r = await cli('perf', model, '--fp8', '-n', '5');
  if (r.code !== 0 && noAdapter(r.err)) return t.skip('no WebGPU adapter (1 test skipped; ONNX_FP8_REQUIRE_GPU=1 makes this a failure)');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^module: "main"\n/);
  const summary = r.out.split('\nSummary:\n')[1]!.split('\n\n')[0]!.split('\n');
  const kernels = summary.filter((l) => l.startsWith('gpu::code_object::'));
  assert.equal(kernels.length, 2, summary.join('\n'));
  assert.match(kernels.join('\n'), /gpu::code_object::wgsl_transpose_dot_.*_dot_quantizelinear: [\d.e-]+ms \/ 1 = [\d.e-]+ms, \d+%/);
  for (const line of ['Batch size: 1', 'Rate: ', 'Total time: ', 'Percentiles (90%, 95%, 99%): ', 'Total instructions time: ', 'Overhead time: ', 'Overhead: ']) {
    assert.ok(r.out.includes(`\n${line}`), `missing "${line}"`);
  }
  assert.match(r.out, /^@\d+ = gpu::code_object\[.*\]\(.*\) -> .*: [\d.e-]+ms, \d+%$/m);
});

test('perf --format json: the documented fields; keep has more kernels and a larger scratch than skip', async (t) => {
  const skip = await cli('perf', model, '--fp8', '-n', '3', '--format', 'json');
  if (skip.code !== 0 && noAdapter(skip.err)) return t.skip('no WebGPU adapter (1 test skipped)');
  assert.equal(skip.code, 0, skip.err);
  const keep = await cli('perf', model, '--fp8', '--attention-qdq', 'keep', '-n', '3', '--format', 'json');
  assert.equal(keep.code, 0, keep.err);
  const s = JSON.parse(skip.out);
  const k = JSON.parse(keep.out);
  for (const f of ['adapter', 'totalTimeMs', 'minMs', 'maxMs', 'meanMs', 'medianMs', 'p90Ms', 'p95Ms', 'p99Ms', 'rate', 'instructionsTimeMs', 'kernels', 'instructions', 'scratchBytes']) {
    assert.ok(f in s, `missing ${f}`);
  }
  const kernelCount = (j: { kernels: { symbol: string }[] }) => j.kernels.filter((x) => x.symbol.startsWith('gpu::code_object::')).length;
  assert.equal(kernelCount(s), 2);
  assert.ok(kernelCount(k) >= 4, `keep has ${kernelCount(k)} kernels`);
  // Skip keeps only the fp8 attention output in scratch (1·16·64·128 bytes); keep holds the S×S scores.
  assert.equal(s.scratchBytes, 1 * 16 * 64 * 128);
  assert.ok(k.scratchBytes >= 1 * 16 * 64 * 64 * 4, `keep scratch ${k.scratchBytes}`);
  assert.ok(s.minMs > 0 && s.minMs <= s.medianMs && s.medianMs <= s.maxMs);
  // The attention group runs as the fused kernel: nothing fell back.
  assert.deepEqual(s.fallbacks, []);
});

test('run and perf name an attention group that runs as separate kernels, and why', async (t) => {
  // V head size 10 (not a multiple of 4): the fused attention kernel does not take it.
  const caseDir = repoPath('test/data/onnx-node-tests/test_attention_4d_diff_heads_sizes');
  const run = await cli('run', join(caseDir, 'model.onnx'), '--input', join(caseDir, 'test_data_set_0'), '--device', 'webgpu');
  if (run.code !== 0 && noAdapter(run.err)) return t.skip('no WebGPU adapter (1 test skipped)');
  assert.equal(run.code, 0, run.err);
  const line = /^warning: KERNEL_FALLBACK: group\[tag=attention\] \(ONNX node 'Attention_0'\) runs as separate kernels, not the fused attention kernel: V head size 10 is not a multiple of 4$/m;
  assert.match(run.out, line);
  const perf = await cli('perf', join(caseDir, 'model.onnx'), '-n', '2');
  assert.equal(perf.code, 0, perf.err);
  assert.match(perf.out, line);
  const json = JSON.parse((await cli('perf', join(caseDir, 'model.onnx'), '-n', '2', '--format', 'json')).out);
  assert.deepEqual(json.fallbacks, [{ instruction: "group[tag=attention] (ONNX node 'Attention_0')", reason: 'not the fused attention kernel: V head size 10 is not a multiple of 4' }]);
  // A case the kernels take (bool mask, fully masked rows zeroed: the attention kernel, and the mask's
  // "is the row fully masked" reduction, a bool per row) prints no warning.
  const fused = repoPath('test/data/onnx-node-tests/test_attention_4d_attn_mask_bool');
  const ok = await cli('run', join(fused, 'model.onnx'), '--input', join(fused, 'test_data_set_0'), '--device', 'webgpu');
  assert.equal(ok.code, 0, ok.err);
  assert.doesNotMatch(ok.out, /KERNEL_FALLBACK/);
});

test('perf usage errors exit 2', async () => {
  assert.equal((await cli('perf', model, '-n', '0')).code, 2);
  assert.equal((await cli('perf', model, '--format', 'xml')).code, 2);
});
