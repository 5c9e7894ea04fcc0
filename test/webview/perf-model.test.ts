// The perf panel's DOM-free model (webview/perf-panel/model.ts), bundled and run in Node: number formats,
// the skip-vs-keep ratios, the bar lengths of the kernel chart, the labels of past runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';
import type { PerfReport, PerfRunRecord } from '../../src/protocol/messages.js';
import { REPO_ROOT, repoPath } from '../helpers/paths.js';

type Model = typeof import('../../webview/perf-panel/model.js');

const out = await build({ entryPoints: [repoPath('webview/perf-panel/model.ts')], bundle: true, format: 'esm', platform: 'neutral', write: false, absWorkingDir: REPO_ROOT, logLevel: 'warning' });
const model = (await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0]!.text).toString('base64')}`)) as Model;

function fixture(strategy: 'skip' | 'keep'): PerfReport {
  const doc = JSON.parse(readFileSync(repoPath(`test/webview/fixtures/perf-attention-4d-${strategy}.json`), 'utf8')) as PerfReport;
  return { ...doc, instructionCount: doc.instructions.length };
}

test('milliseconds keep about three significant digits and never use exponents', () => {
  assert.equal(model.formatMs(0), '0');
  assert.equal(model.formatMs(1708.742), '1708.7');
  assert.equal(model.formatMs(48.98975), '48.99');
  assert.equal(model.formatMs(0.22496), '0.225');
  assert.equal(model.formatMs(0.0000123), '0.000012');
});

test('bytes are exact with a binary unit beside them', () => {
  assert.equal(model.formatBytes(0), '0 B');
  assert.equal(model.formatBytes(1023), '1,023 B');
  assert.equal(model.formatBytes(2048), '2,048 B (2 KiB)');
  assert.equal(model.formatBytes(2_097_152), '2,097,152 B (2 MiB)');
  assert.equal(model.formatBytes(83_886_080), '83,886,080 B (80 MiB)');
  assert.equal(model.formatBytes(51_712), '51,712 B (50.5 KiB)');
  assert.equal(model.formatBytes(328_192), '328,192 B (321 KiB)');
});

test('rates and ratios', () => {
  assert.equal(model.formatRate(4606.2), '4,606/s');
  assert.equal(model.formatRate(20.41), '20.4/s');
  assert.equal(model.formatRate(0.5852), '0.59/s');
  assert.equal(model.formatRatio(9.136, 0.2171), '42.1×');
  assert.equal(model.formatRatio(1024, 2048), '0.50×');
  assert.equal(model.formatRatio(83_886_080, 2_097_152), '40.0×');
  assert.equal(model.formatRatio(300, 1), '300×');
  assert.equal(model.formatRatio(1, 0), '—');
});

test('skip vs keep: each metric side by side with keep ÷ skip, and a verdict', () => {
  const skip = fixture('skip');
  const keep = fixture('keep');
  const rows = model.compareRows(skip, keep);
  assert.deepEqual(rows.map((r) => r.metric), ['Total time (ms)', 'Scratch', 'Rate', 'Kernel launches', 'Instructions time (ms)']);
  const time = rows[0]!;
  assert.equal(time.skip, model.formatMs(skip.totalTimeMs));
  assert.equal(time.keep, model.formatMs(keep.totalTimeMs));
  assert.equal(time.ratio, `${(keep.totalTimeMs / skip.totalTimeMs).toFixed(2)}×`);
  assert.deepEqual(rows[1], { metric: 'Scratch', skip: '2,048 B (2 KiB)', keep: '1,024 B (1 KiB)', ratio: '0.50×' });
  assert.deepEqual(rows[3], { metric: 'Kernel launches', skip: '3', keep: '3', ratio: '1.00×' });
  assert.equal(model.compareVerdict(skip, keep), `skip is ${(keep.totalTimeMs / skip.totalTimeMs).toFixed(2)}× faster than keep; keep needs 0.50× the scratch of skip.`);
});

test('the chart has one bar per timed kernel, longest first, all scaled to the longest of the charts drawn together', () => {
  const skip = fixture('skip');
  const keep = fixture('keep');
  const [alone] = model.chartBars([skip]);
  assert.deepEqual(alone!.map((b) => b.kernel.symbol), skip.kernels.filter((k) => k.totalMs > 0).sort((a, b) => b.totalMs - a.totalMs).map((k) => k.symbol));
  assert.equal(alone![0]!.fraction, 1);
  for (const b of alone!) assert.ok(Math.abs(b.fraction - b.kernel.totalMs / alone![0]!.kernel.totalMs) < 1e-12);
  const [s, k] = model.chartBars([skip, keep]);
  const max = Math.max(...keep.kernels.map((x) => x.totalMs), ...skip.kernels.map((x) => x.totalMs));
  for (const b of [...s!, ...k!]) assert.ok(Math.abs(b.fraction - b.kernel.totalMs / max) < 1e-12);
  // No timestamp queries: no bars (the panel says why instead).
  assert.deepEqual(model.chartBars([{ ...skip, perKernelTimes: false }]), [[]]);
});

test('kernel symbols lose the gpu::code_object:: prefix; past runs are labelled by time, model, strategies and outcome', () => {
  assert.equal(model.shortSymbol('gpu::code_object::mul_kernel'), 'mul_kernel');
  assert.equal(model.shortSymbol('@param'), '@param');
  const run: PerfRunRecord = {
    id: 'a',
    model: '/ws/m.onnx',
    fileName: 'm.onnx',
    mode: 'compare',
    strategies: ['skip', 'keep'],
    fp8Format: 'e4m3fn',
    iterations: 20,
    startedAt: new Date(2026, 10, 26, 9, 5, 7).getTime(),
    durationMs: 10,
    outcome: 'failed',
    reports: {},
  };
  assert.equal(model.runLabel(run), '2026-11-26 09:05:07  m.onnx  skip vs keep, 20× (failed)');
  assert.equal(model.runLabel({ ...run, mode: 'single', strategies: ['keep'], outcome: 'done' }), '2026-11-26 09:05:07  m.onnx  keep, 20×');
});
