// Run WebGPU perf and the FP8 Perf panel, host side, against the fake vscode API: the perf CLI's argv and
// Node (the editor's own or the user's), the panel's messages (progress streamed from the child's stderr,
// the report, skip vs keep), cancel killing a real child within 1 s, the refusal in an untrusted
// workspace, unreadable JSON, the no-adapter error with its fix, the run history in the workspace state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpawnFn } from '../../extension/cli-process.js';
import type { PerfRunRecord, ToPerfPanelMessage } from '../../src/protocol/messages.js';
import { FakeMemento, FakeVscode, type FakeWebviewView, Uri } from './fake-vscode.js';
import { cliJson, FakeSpawner, type HostModule, loadHost, perfJson, until } from './helpers.js';

const host = await loadHost();
type Context = Parameters<HostModule['activateWith']>[1];

const MODEL = Uri.file('/ws/models/attention_4d.onnx');
const NO_ADAPTER =
  "Warning: vkCreateInstance: Found no drivers!\nonnx-fp8: error: no WebGPU adapter found: how to fix: install Mesa 25 lavapipe (scripts/install-system-deps.sh; Debian 12 needs mesa-vulkan-drivers and libvulkan1 from bookworm-backports) or use a GPU, or try Dawn's GLES backend (backend opengles, on Mesa llvmpipe)\n";

function setup(reply?: FakeSpawner['reply'], memento?: FakeMemento) {
  const fake = new FakeVscode();
  if (memento) (fake.context as { workspaceState: FakeMemento }).workspaceState = memento;
  const sp = new FakeSpawner();
  sp.reply =
    reply ??
    ((args) => {
      if (args[0] !== 'perf') return { code: 0, stdout: cliJson() };
      return { code: 0, stdout: perfJson(args.includes('keep') ? 'keep' : 'skip') };
    });
  const h = host.activateWith(fake.api, fake.context as unknown as Context, { launcher: sp.launcher(), concurrency: 1 });
  return { fake, sp, h };
}

function posted(view: FakeWebviewView): ToPerfPanelMessage[] {
  return view.webview.posted as ToPerfPanelMessage[];
}

function finished(view: FakeWebviewView): PerfRunRecord[] {
  return posted(view).flatMap((m) => (m.type === 'perfFinished' ? [m.run] : []));
}

function response(view: FakeWebviewView, id: number): Extract<ToPerfPanelMessage, { type: 'response' }> | undefined {
  return posted(view).find((m): m is Extract<ToPerfPanelMessage, { type: 'response' }> => m.type === 'response' && m.id === id);
}

/** Opens the panel (as clicking its tab does) and lets its page say `ready`. */
async function openPanel(fake: FakeVscode): Promise<FakeWebviewView> {
  const view = await fake.openView(host.PERF_VIEW_ID);
  view.webview.send({ type: 'ready' });
  return view;
}

test('Run WebGPU perf runs the perf CLI in a child Node with the FP8 settings and the iterations setting, in the model folder', async () => {
  const { fake, sp } = setup();
  fake.configuration.set('onnxFp8.perfIterations', 3);
  fake.configuration.set('onnxFp8.fp8Format', 'e5m2');
  await fake.execute('onnxFp8.runPerf', MODEL);
  assert.deepEqual(sp.argv, [['perf', '/ws/models/attention_4d.onnx', '--format', 'json', '--fp8', '--attention-qdq', 'skip', '--fp8-format', 'e5m2', '--iterations', '3']]);
  const child = sp.children[0]!;
  assert.equal(child.command, '/usr/bin/node');
  assert.equal(child.args[0], '/ext/dist/cli.mjs');
  assert.equal(child.options.cwd, '/ws/models');
  // The editor's own runtime, as Node: never dawn.node inside the extension host.
  assert.equal(child.options.env?.['ELECTRON_RUN_AS_NODE'], '1');
  // The command opened the panel.
  assert.ok(fake.webviewViews.has(host.PERF_VIEW_ID));
  assert.ok(fake.executed.some((e) => e.command === `${host.PERF_VIEW_ID}.focus`));
});

test('the attention strategy follows the settings, and a Node path setting replaces the editor runtime (without ELECTRON_RUN_AS_NODE)', async () => {
  const { fake, sp } = setup();
  fake.configuration.set('onnxFp8.attentionQdq', 'keep');
  fake.configuration.set('onnxFp8.perfNodePath', ' /opt/node20/bin/node ');
  await fake.execute('onnxFp8.runPerf', MODEL);
  assert.deepEqual(sp.argv[0]!.slice(0, 7), ['perf', '/ws/models/attention_4d.onnx', '--format', 'json', '--fp8', '--attention-qdq', 'keep']);
  assert.equal(sp.children[0]!.command, '/opt/node20/bin/node');
  assert.equal(sp.children[0]!.options.env?.['ELECTRON_RUN_AS_NODE'], undefined);
  assert.equal(host.readPerfSettings({ get: () => undefined }).iterations, host.DEFAULT_PERF_ITERATIONS);
  assert.equal(host.readPerfSettings({ get: <T>(k: string) => (k === 'perfIterations' ? (0 as T) : undefined) }).iterations, host.DEFAULT_PERF_ITERATIONS);
});

test('the panel gets the page with a nonce CSP and tight resource roots, then the target, progress streamed from stderr, and the report', async () => {
  const { fake, sp } = setup(() => undefined); // the child runs until the test finishes it
  const view = await openPanel(fake);
  const html = view.webview.html;
  const nonce = /script nonce="([^"]+)"/.exec(html)?.[1];
  assert.ok(nonce && nonce.length >= 16);
  assert.match(html, /default-src 'none'/);
  assert.match(html, new RegExp(`script-src 'nonce-${nonce}'`));
  assert.doesNotMatch(html, /unsafe-inline|unsafe-eval/);
  assert.match(html, /src="https:\/\/fake\.vscode-cdn\.net\/ext\/dist\/webview\/perf-panel\.js"/);
  assert.match(html, /<div id="perf"><\/div>/);
  assert.deepEqual(view.webview.options.localResourceRoots?.map((u) => u.path), ['/ext/dist/webview', '/ext/media']);
  assert.deepEqual(posted(view).slice(0, 2), [
    { type: 'perfTarget', trusted: true, attentionQdq: 'skip', iterations: host.DEFAULT_PERF_ITERATIONS },
    { type: 'perfHistory', runs: [] },
  ]);

  const run = fake.execute('onnxFp8.runPerf', MODEL);
  await until(() => sp.children.length === 1);
  const child = sp.children[0]!;
  child.stderr.emit('data', Buffer.from('Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced\ncompiling kern'));
  child.stderr.emit('data', Buffer.from('els for webgpu\n'));
  await until(() => posted(view).some((m) => m.type === 'perfProgress' && m.progress.line === 'compiling kernels for webgpu'), 2000, 'the stderr line as progress');
  const started = posted(view).find((m) => m.type === 'perfStarted');
  assert.ok(started && started.type === 'perfStarted');
  assert.deepEqual({ ...started.run, id: '', startedAt: 0 }, { id: '', fileName: 'attention_4d.onnx', mode: 'single', strategies: ['skip'], iterations: host.DEFAULT_PERF_ITERATIONS, startedAt: 0 });
  assert.ok(posted(view).some((m) => m.type === 'perfTarget' && m.fileName === 'attention_4d.onnx'), 'the target follows the model perf ran on');

  child.finish(0, perfJson('skip'));
  await run;
  const [record] = finished(view);
  assert.ok(record);
  assert.equal(record.id, started.run.id);
  assert.equal(record.outcome, 'done');
  assert.deepEqual(Object.keys(record.reports), ['skip']);
  const report = record.reports.skip!;
  assert.equal(report.scratchBytes, 2048);
  assert.equal(report.iterations, 5);
  assert.deepEqual(
    report.kernels.map((k) => k.symbol),
    ['gpu::code_object::wgsl_dot_reduce_max_sub_exp_reduce_sum_div_dot', 'gpu::code_object::transpose_mul_kernel', 'gpu::code_object::mul_kernel', '@param', 'load', 'webgpu::allocate_memory'],
  );
  // After the finish, the history (newest first) with the run in it.
  const history = posted(view).filter((m) => m.type === 'perfHistory').at(-1);
  assert.ok(history && history.type === 'perfHistory');
  assert.deepEqual(history.runs.map((r) => r.id), [record.id]);
});

test('Compare skip vs keep from the panel runs skip, then keep, and answers the request at once', async () => {
  const { fake, sp } = setup();
  const view = await openPanel(fake);
  await fake.execute('onnxFp8.runPerf', MODEL);
  view.webview.send({ type: 'runPerf', id: 7, mode: 'compare' });
  assert.deepEqual(response(view, 7), { type: 'response', id: 7, request: 'runPerf', ok: true, result: { started: true } });
  await until(() => finished(view).length === 2, 2000, 'the compare run');
  assert.deepEqual(sp.argv.slice(1).map((a) => a[6]), ['skip', 'keep']);
  const compare = finished(view)[1]!;
  assert.equal(compare.mode, 'compare');
  assert.deepEqual(compare.strategies, ['skip', 'keep']);
  assert.equal(compare.reports.skip!.scratchBytes, 2048);
  assert.equal(compare.reports.keep!.scratchBytes, 1024);
  assert.ok(compare.reports.keep!.totalTimeMs > compare.reports.skip!.totalTimeMs);
});

test('Run from the panel with no model chosen uses the active .onnx, or says how to choose one', async () => {
  const { fake, sp } = setup();
  const view = await openPanel(fake);
  view.webview.send({ type: 'runPerf', id: 1, mode: 'single' });
  const refused = response(view, 1);
  assert.ok(refused && refused.ok && refused.request === 'runPerf' && !refused.result.started);
  assert.match(refused.result.reason ?? '', /right-click an \.onnx file → Run WebGPU perf/);
  assert.equal(sp.children.length, 0);

  (fake.api.window.tabGroups.activeTabGroup as { activeTab: unknown }).activeTab = { input: { uri: MODEL } };
  view.webview.send({ type: 'runPerf', id: 2, mode: 'single' });
  await until(() => finished(view).length === 1);
  assert.equal(sp.argv[0]![1], '/ws/models/attention_4d.onnx');
});

test('from the IR view\'s title bar (its resource is the model), and given an IR text URI, perf runs on the model', async () => {
  const { fake, sp } = setup();
  await fake.execute('onnxFp8.compile', MODEL);
  // VS Code passes the active custom editor's resource to an editor/title command.
  await fake.execute('onnxFp8.runPerf', MODEL);
  // From the IR text document (onnx-fp8-ir:), the model it was printed from.
  const ir = host.irUri(fake.api, MODEL as never, 'skip') as unknown as Uri;
  await fake.execute('onnxFp8.runPerf', ir);
  assert.deepEqual(sp.argv.filter((a) => a[0] === 'perf').map((a) => a[1]), ['/ws/models/attention_4d.onnx', '/ws/models/attention_4d.onnx']);
});

test('an untrusted workspace refuses perf (no child), says why, and offers trust; granting trust tells the panel', async () => {
  const { fake, sp } = setup();
  fake.trusted = false;
  fake.messageChoice = 'Manage Workspace Trust';
  const view = await openPanel(fake);
  assert.deepEqual(posted(view)[0], { type: 'perfTarget', trusted: false, attentionQdq: 'skip', iterations: host.DEFAULT_PERF_ITERATIONS });
  await fake.execute('onnxFp8.runPerf', MODEL);
  view.webview.send({ type: 'runPerf', id: 4, mode: 'compare' });
  assert.equal(sp.children.length, 0);
  assert.equal(fake.messages.at(-1)?.level, 'warning');
  assert.equal(fake.messages.at(-1)?.text, host.UNTRUSTED_REASON);
  await until(() => fake.executed.some((e) => e.command === 'workbench.trust.manage'), 2000, 'Manage Workspace Trust');
  const r = response(view, 4);
  assert.ok(r && r.ok && r.request === 'runPerf');
  assert.deepEqual(r.result, { started: false, reason: host.UNTRUSTED_REASON });

  view.webview.send({ type: 'manageTrust', id: 5 });
  await until(() => response(view, 5) !== undefined);
  fake.grantTrust();
  assert.deepEqual(posted(view).at(-1), { type: 'perfTarget', trusted: true, attentionQdq: 'skip', iterations: host.DEFAULT_PERF_ITERATIONS });
  await fake.execute('onnxFp8.runPerf', MODEL);
  assert.equal(sp.children.length, 1);
});

test('a report that is not JSON, or of another schema, is a failure the panel shows', async () => {
  for (const [stdout, message] of [
    ['Adapter: llvmpipe\nnot json', /could not read the perf report: the CLI printed something that is not JSON/],
    [perfJson('skip', (d) => (d['schema'] = 2)), /perf JSON schema 2; this extension reads schema 1/],
    [perfJson('skip', (d) => delete d['totalTimeMs']), /lacks the number `totalTimeMs`/],
  ] as const) {
    const { fake } = setup(() => ({ code: 0, stdout }));
    const view = await openPanel(fake);
    await fake.execute('onnxFp8.runPerf', MODEL);
    const [run] = finished(view);
    assert.equal(run?.outcome, 'failed');
    assert.equal(run.failure?.kind, 'output');
    assert.equal(run.failure?.strategy, 'skip');
    assert.match(run.failure?.message ?? '', message);
    assert.deepEqual(run.reports, {});
  }
});

test('no WebGPU adapter: the CLI\'s one-line error becomes what failed and how to fix it, and a compare run stops there', async () => {
  const { fake, sp, h } = setup(() => ({ code: 1, stderr: NO_ADAPTER }));
  const view = await openPanel(fake);
  await fake.execute('onnxFp8.runPerf', MODEL);
  view.webview.send({ type: 'runPerf', id: 1, mode: 'compare' });
  await until(() => finished(view).length === 2);
  const run = finished(view)[1]!;
  assert.equal(run.mode, 'compare');
  assert.equal(run.outcome, 'failed');
  assert.deepEqual(run.failure, {
    kind: 'no-adapter',
    strategy: 'skip',
    message: 'no WebGPU adapter found',
    fix: "install Mesa 25 lavapipe (scripts/install-system-deps.sh; Debian 12 needs mesa-vulkan-drivers and libvulkan1 from bookworm-backports) or use a GPU, or try Dawn's GLES backend (backend opengles, on Mesa llvmpipe)",
  });
  assert.deepEqual(finished(view)[0]!.failure, run.failure);
  assert.equal(sp.argv.length, 2, 'keep is not run after skip found no adapter');
  // The log has the command line and the CLI's stderr.
  const log = h.log as unknown as { lines: { level: string; message: string }[] };
  assert.ok(log.lines.some((l) => l.level === 'error' && /no-adapter.*how to fix: install Mesa/.test(l.message)));
  // A failed run is kept, so the panel can say it again after a reload.
  assert.equal(h.perf.history.all()[0]?.failure?.kind, 'no-adapter');
});

test('the other ways a perf run fails: a model error, Electron refusing dawn.node, a timeout, a crash, a Node that does not exist', async () => {
  assert.deepEqual(host.parsePerfError("onnx-fp8: error: /ws/m.onnx: node 'mm' (MatMul): inner dims differ\n", 1), { kind: 'model', message: "/ws/m.onnx: node 'mm' (MatMul): inner dims differ" });
  assert.deepEqual(host.parsePerfError("onnx-fp8: unknown option '--iterations'\n", 2), { kind: 'usage', message: "unknown option '--iterations'" });
  assert.equal(host.parsePerfError('TypeError: External buffers are not allowed\n', 1).kind, 'runtime');
  assert.match(host.parsePerfError('TypeError: External buffers are not allowed\n', 1).fix ?? '', /onnxFp8\.perfNodePath/);
  assert.equal(host.parsePerfError('onnx-fp8: error: WebGPU device lost: unknown\n', 1).kind, 'runtime');

  const timed = setup(() => undefined);
  timed.fake.configuration.set('onnxFp8.perfTimeoutSeconds', 0.05);
  const view = await openPanel(timed.fake);
  await timed.fake.execute('onnxFp8.runPerf', MODEL);
  assert.equal(finished(view)[0]?.failure?.kind, 'timeout');
  assert.deepEqual(timed.sp.children[0]!.signals, ['SIGTERM']);

  const crashed = setup(() => undefined);
  const v2 = await openPanel(crashed.fake);
  const run = crashed.fake.execute('onnxFp8.runPerf', MODEL);
  await until(() => crashed.sp.children.length === 1);
  crashed.sp.children[0]!.close(null, 'SIGSEGV');
  await run;
  assert.match(finished(v2)[0]?.failure?.message ?? '', /killed by SIGSEGV/);

  const missing = setup(() => undefined);
  missing.fake.configuration.set('onnxFp8.perfNodePath', '/nonexistent/node');
  const v3 = await openPanel(missing.fake);
  const run3 = missing.fake.execute('onnxFp8.runPerf', MODEL);
  await until(() => missing.sp.children.length === 1);
  missing.sp.children[0]!.emit('error', new Error('spawn /nonexistent/node ENOENT'));
  await run3;
  assert.deepEqual(finished(v3)[0]?.failure, { kind: 'spawn', strategy: 'skip', message: 'could not start /nonexistent/node: spawn /nonexistent/node ENOENT', fix: 'check "Node path for the perf runner" (onnxFp8.perfNodePath)' });
});

test('past runs live in the workspace state: newest first, at most MAX_PERF_RUNS, back after a restart and a panel reload; Clear empties them', async () => {
  const memento = new FakeMemento();
  const first = setup(undefined, memento);
  for (let i = 0; i < host.MAX_PERF_RUNS + 2; i++) await first.fake.execute('onnxFp8.runPerf', MODEL);
  const stored = memento.get<PerfRunRecord[]>(host.PERF_HISTORY_KEY)!;
  assert.equal(stored.length, host.MAX_PERF_RUNS);
  assert.ok(stored.every((r, i) => i === 0 || r.startedAt <= stored[i - 1]!.startedAt), 'newest first');
  for (const d of first.fake.context.subscriptions) d.dispose();

  // A new window on the same workspace.
  const second = setup(undefined, memento);
  const view = await openPanel(second.fake);
  const history = posted(view).find((m) => m.type === 'perfHistory');
  assert.ok(history && history.type === 'perfHistory');
  assert.deepEqual(history.runs.map((r) => r.id), stored.map((r) => r.id));
  // The page reloads (the panel was hidden and shown again): everything is sent again.
  view.setVisible(false);
  view.webview.posted.length = 0;
  view.setVisible(true);
  view.webview.send({ type: 'ready' });
  assert.deepEqual(posted(view).map((m) => m.type), ['perfTarget', 'perfHistory']);

  view.webview.send({ type: 'clearPerfHistory', id: 9 });
  await until(() => response(view, 9) !== undefined);
  assert.deepEqual(memento.get(host.PERF_HISTORY_KEY), []);
  assert.deepEqual(posted(view).filter((m) => m.type === 'perfHistory').at(-1), { type: 'perfHistory', runs: [] });
  // Records of another shape (an older extension) are dropped, not shown.
  await memento.update(host.PERF_HISTORY_KEY, [{ id: 1 }, 'x', null]);
  assert.deepEqual(second.h.perf.history.all(), []);
});

test('a malformed panel message is logged and ignored', async () => {
  const { fake, sp, h } = setup();
  const view = await openPanel(fake);
  view.webview.send({ type: 'runPerf', id: 1, mode: 'everything' });
  view.webview.send({ type: 'eval', code: 'x' });
  assert.equal(sp.children.length, 0);
  const log = h.log as unknown as { lines: { level: string; message: string }[] };
  assert.equal(log.lines.filter((l) => l.level === 'warn' && /FP8 Perf panel sent a malformed message/.test(l.message)).length, 2);
});

test('the report keeps the slowest instructions only, and counts them all', () => {
  const doc = JSON.parse(perfJson('skip')) as { instructions: { name: string; text: string; ms: number }[] };
  doc.instructions = Array.from({ length: 120 }, (_, i) => ({ name: `@${i}`, text: `@${i} = x`, ms: i % 7 }));
  const r = host.parsePerfJson(JSON.stringify(doc));
  assert.equal(r.instructionCount, 120);
  assert.equal(r.instructions.length, 50);
  assert.ok(r.instructions.every((ins, i) => i === 0 || ins.ms <= r.instructions[i - 1]!.ms));
  assert.equal(r.instructions[0]!.ms, 6);
});

// A real Node child that ignores SIGTERM (as a process stuck in a GPU driver call may): the cancel's
// SIGKILL still ends it within 1 s, and the panel hears `cancelled`; a cancelled run is not kept.
test('Cancel in the panel kills a real perf child within 1 s, even one that ignores SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-fp8-perf-cancel-'));
  try {
    const script = join(dir, 'stuck-perf.mjs');
    writeFileSync(script, "process.on('SIGTERM', () => {}); process.stderr.write('running\\n'); setInterval(() => {}, 1000);\n");
    let child: ChildProcess | undefined;
    const realSpawn = ((command: string, args: readonly string[], options: { cwd?: string; env: NodeJS.ProcessEnv }) => {
      child = spawn(command, [...args], { env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
      return child;
    }) as SpawnFn;
    const fake = new FakeVscode();
    const h = host.activateWith(fake.api, fake.context as unknown as Context, { launcher: { spawn: realSpawn, node: process.execPath, env: { PATH: process.env['PATH'] ?? '' }, cliPath: script } });
    const view = await openPanel(fake);
    const run = fake.execute('onnxFp8.runPerf', Uri.file(join(dir, 'm.onnx')));
    await until(() => child !== undefined);
    const closed = new Promise<number>((resolve) => child!.on('close', () => resolve(Date.now())));
    await until(() => posted(view).some((m) => m.type === 'perfProgress' && m.progress.line === 'running'), 5000, 'the child to start');
    const t0 = Date.now();
    view.webview.send({ type: 'cancelPerf', id: 11 });
    assert.deepEqual(response(view, 11), { type: 'response', id: 11, request: 'cancelPerf', ok: true, result: { cancelled: true } });
    const t1 = await closed;
    assert.ok(t1 - t0 < 1000, `the perf child exited ${t1 - t0} ms after the cancel`);
    await run;
    assert.equal(finished(view)[0]?.outcome, 'cancelled');
    assert.deepEqual(h.perf.history.all(), []);
    for (const d of fake.context.subscriptions) d.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
