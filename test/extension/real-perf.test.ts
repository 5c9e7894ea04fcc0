// Run WebGPU perf with the shipped pieces: the production dist/extension.cjs (loaded with require() as
// VS Code loads it, `vscode` answered by the fake) runs the production dist/cli.mjs, with the webgpu
// package staged beside it as in the VSIX (extension/stage-dawn.mjs), in a real child Node process, on
// the ONNX attention node test. With an adapter (lavapipe here and in CI) the panel gets the report the
// CLI measured; without one it gets the CLI's no-adapter error and its fix (a failure when
// ONNX_FP8_REQUIRE_GPU=1, as in CI). Cancel from the panel ends a real perf process (the seed block at
// S = 64, which runs for seconds on lavapipe) within 1 s.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { seedAttentionModel } from '../../examples/generate.js';
import { encodeModel } from '../../src/onnx/write.js';
import type { PerfRunRecord, ToPerfPanelMessage } from '../../src/protocol/messages.js';
import { repoPath } from '../helpers/paths.js';
import { FakeVscode, Uri } from './fake-vscode.js';
import { until } from './helpers.js';

const REQUIRE_GPU = process.env['ONNX_FP8_REQUIRE_GPU'] === '1';
const dir = mkdtempSync(join(tmpdir(), 'onnx-fp8-realperf-'));
const fake = new FakeVscode();
fake.context.extensionUri = Uri.file(dir) as typeof fake.context.extensionUri;
fake.workspaceFolders = [Uri.file(join(dir, 'ws'))];

before(async () => {
  const build = (await import(pathToFileURL(repoPath('scripts/build.mjs')).href)) as { buildBundles(o: object): Promise<void> };
  await build.buildBundles({ targets: ['cli', 'extension'], outdir: join(dir, 'dist'), production: true });
  const dawn = (await import(pathToFileURL(repoPath('extension/stage-dawn.mjs')).href)) as { stageDawn(d: string): string[] };
  dawn.stageDawn(join(dir, 'dist'));
  const loader = Module as unknown as { _load(request: string, parent: unknown, isMain: boolean): unknown };
  const original = loader._load;
  loader._load = (request, parent, isMain) => (request === 'vscode' ? fake.api : original(request, parent, isMain));
  try {
    const ext = createRequire(import.meta.url)(join(dir, 'dist/extension.cjs')) as { activate(ctx: unknown): void };
    ext.activate(fake.context);
  } finally {
    loader._load = original;
  }
});

after(() => {
  for (const d of fake.context.subscriptions) d.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('Run WebGPU perf on the attention node test: the panel gets the per-kernel report (or, with no adapter, the fix)', { timeout: 120_000 }, async () => {
  const model = join(dir, 'attention_4d.onnx');
  copyFileSync(repoPath('test/data/onnx-node-tests/test_attention_4d/model.onnx'), model);
  fake.configuration.set('onnxFp8.perfIterations', 2);
  await fake.execute('onnxFp8.runPerf', Uri.file(model));
  const view = fake.webviewViews.get('onnxFp8.perfPanel');
  assert.ok(view, 'the command opened the FP8 Perf panel');
  view.webview.send({ type: 'ready' });
  await until(() => (view.webview.posted as ToPerfPanelMessage[]).some((m) => m.type === 'perfHistory' && m.runs.length === 1), 5000, 'the run in the history');
  const history = (view.webview.posted as ToPerfPanelMessage[]).find((m): m is { type: 'perfHistory'; runs: PerfRunRecord[] } => m.type === 'perfHistory')!;
  const run = history.runs[0]!;
  const log = fake.logs[0]!.lines.map((l) => l.message).join('\n');
  assert.match(log, new RegExp(`dist/cli\\.mjs perf ${model.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} --format json --fp8 --attention-qdq skip --fp8-format e4m3fn --iterations 2`));
  if (run.outcome === 'failed' && run.failure?.kind === 'no-adapter' && !REQUIRE_GPU) {
    console.log('no WebGPU adapter: checked the panel\'s no-adapter failure instead of a report (ONNX_FP8_REQUIRE_GPU=1 makes this a failure)');
    assert.match(run.failure.fix ?? '', /^install Mesa 25 lavapipe/);
    return;
  }
  assert.equal(run.outcome, 'done', JSON.stringify(run.failure));
  const report = run.reports.skip!;
  assert.equal(report.iterations, 2);
  assert.equal(report.file, model);
  assert.equal(report.scratchBytes, 2048);
  const kernels = report.kernels.filter((k) => k.symbol.startsWith('gpu::code_object::'));
  assert.ok(kernels.some((k) => /dot_reduce_max_.*_dot$/.test(k.symbol)), `the fused attention kernel: ${kernels.map((k) => k.symbol).join(', ')}`);
  assert.ok(report.totalTimeMs > 0 && report.rate > 0);
});

/** Pids of live processes whose command line holds `needle` (Linux /proc). */
function processesWith(needle: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      const state = /\) (\w)/.exec(readFileSync(`/proc/${name}/stat`, 'utf8'))?.[1];
      if (cmd.includes(needle) && state !== 'Z') pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

test('Cancel in the panel ends a real perf process within 1 s', { timeout: 60_000 }, async (t) => {
  if (!existsSync('/proc/self/cmdline')) return t.skip('needs Linux /proc to watch the child process (1 test skipped)');
  const model = join(dir, 'seed-s64.onnx');
  writeFileSync(model, encodeModel(seedAttentionModel(64)));
  const view = fake.webviewViews.get('onnxFp8.perfPanel') ?? (await fake.openView('onnxFp8.perfPanel'));
  view.webview.send({ type: 'ready' });
  const runs = fake.execute('onnxFp8.runPerf', Uri.file(model));
  const needle = `${join(dir, 'dist/cli.mjs')}\0perf\0${model}`;
  await until(() => processesWith(needle).length === 1, 10_000, 'the perf child');
  // Let it get into the compile or the GPU work.
  await new Promise((r) => setTimeout(r, 700));
  assert.equal(processesWith(needle).length, 1, 'the perf run is still going');
  const t0 = Date.now();
  view.webview.send({ type: 'cancelPerf', id: 101 });
  while (processesWith(needle).length > 0 && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 20));
  const gone = Date.now() - t0;
  assert.equal(processesWith(needle).length, 0, 'the perf child is gone');
  assert.ok(gone < 1000, `the perf child was gone ${gone} ms after the cancel`);
  await runs;
  const finished = (view.webview.posted as ToPerfPanelMessage[]).filter((m) => m.type === 'perfFinished').at(-1);
  assert.ok(finished && finished.type === 'perfFinished');
  assert.equal(finished.run.outcome, 'cancelled');
});
