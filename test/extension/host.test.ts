// The extension host against the fake vscode API and a fake CLI child: activation, Compile fp8 and the IR
// view's messages, failures that keep the last good result, cancel, the --fp8 fallback, the workspace
// command, Show compiled IR, and closing a model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CompiledView, ToWebviewMessage } from '../../src/protocol/messages.js';
import { FakeVscode, type FakePanel, Uri } from './fake-vscode.js';
import { cliJson, FakeSpawner, type HostModule, loadHost, until } from './helpers.js';

const host = await loadHost();
type Context = Parameters<HostModule['activateWith']>[1];
type Model = Parameters<HostModule['irUri']>[1];

const MODEL = Uri.file('/ws/model.onnx');
const m = (u: Uri): Model => u as unknown as Model;
const MODEL_ERROR = "onnx-fp8: error: /ws/model.onnx: node 'qk<b>' (MatMul): inner dims differ: 64 vs 32\n";

function setup(reply?: FakeSpawner['reply']) {
  const fake = new FakeVscode();
  const sp = new FakeSpawner();
  sp.reply = reply ?? (() => ({ code: 0, stdout: cliJson() }));
  const h = host.activateWith(fake.api, fake.context as unknown as Context, { launcher: sp.launcher(), concurrency: 1, watchDebounceMs: 50 });
  return { fake, sp, h };
}

function posted(panel: FakePanel): ToWebviewMessage[] {
  return panel.webview.posted as ToWebviewMessage[];
}

function types(panel: FakePanel): string[] {
  return posted(panel).map((x) => x.type);
}

async function compileAndOpen(fake: FakeVscode): Promise<FakePanel> {
  await fake.execute('onnxFp8.compile', MODEL, [MODEL]);
  const panel = fake.editors.get(MODEL.toString())!.panel;
  panel.webview.send({ type: 'ready' });
  return panel;
}

test('activation registers the commands, the IR editor and documents, the perf panel and a watcher, and spawns nothing', () => {
  const { fake, sp } = setup();
  assert.deepEqual([...fake.commands.keys()].sort(), ['onnxFp8.compile', 'onnxFp8.compileWorkspace', 'onnxFp8.revealInstruction', 'onnxFp8.runPerf', 'onnxFp8.showCompiledIr']);
  assert.deepEqual([...fake.customEditors.keys()], ['onnxFp8.irView']);
  assert.deepEqual([...fake.webviewViewProviders.keys()], ['onnxFp8.perfPanel']);
  assert.deepEqual([...fake.contentProviders.keys()], ['onnx-fp8-ir']);
  assert.equal(fake.codeLensProviders.length, 1);
  assert.equal(fake.hoverProviders.length, 1);
  assert.deepEqual(fake.watchers.map((w) => w.pattern), ['**/*.onnx']);
  assert.equal(sp.children.length, 0);
  assert.ok(fake.context.subscriptions.length >= 6);
  assert.equal(fake.logs[0]?.name, 'ONNX FP8');
});

test('Compile fp8 runs the CLI off-thread with the FP8 options, opens the IR view and sends it the result', async () => {
  const { fake, sp } = setup();
  const panel = await compileAndOpen(fake);
  await until(() => types(panel).includes('compiled'), 2000, 'compiled');
  assert.deepEqual(sp.argv, [['compile', '/ws/model.onnx', '--format', 'json', '--fp8', '--attention-qdq', 'skip', '--fp8-format', 'e4m3fn']]);
  assert.deepEqual(fake.executed[1], { command: 'vscode.openWith', args: [MODEL, 'onnxFp8.irView'] });
  const progress = fake.progress[0]!;
  assert.equal(progress.options.cancellable, true);
  assert.equal(progress.options.location, 15);
  assert.match(progress.options.title ?? '', /Compile fp8: model\.onnx/);

  const msgs = posted(panel);
  assert.deepEqual(msgs[0], { type: 'model', fileName: 'model.onnx', primary: 'skip' });
  const compiled = msgs.find((x): x is Extract<ToWebviewMessage, { type: 'compiled' }> => x.type === 'compiled')!;
  assert.equal(compiled.view.strategy, 'skip');
  assert.equal(compiled.view.fp8, true);
  assert.equal(compiled.view.program.instructions.length, 6);
  // The webview gets the compact IR only: no printed program blob, nothing else.
  assert.deepEqual(Object.keys(compiled.view).sort(), ['compiledAt', 'durationMs', 'fp8', 'notes', 'program', 'strategy']);
});

test('the IR view page has a nonce CSP and may load only from dist/webview and media', async () => {
  const { fake } = setup();
  const panel = await compileAndOpen(fake);
  const html = panel.webview.html;
  const nonce = /script nonce="([^"]+)"/.exec(html)?.[1];
  assert.ok(nonce && nonce.length >= 16);
  assert.match(html, new RegExp(`script-src 'nonce-${nonce}'`));
  assert.match(html, /default-src 'none'/);
  assert.doesNotMatch(html, /unsafe-inline|unsafe-eval/);
  assert.equal((html.match(/<script/g) ?? []).length, 1);
  assert.match(html, /src="https:\/\/fake\.vscode-cdn\.net\/ext\/dist\/webview\/ir-view\.js"/);
  assert.deepEqual(panel.webview.options.localResourceRoots?.map((u) => u.path), ['/ext/dist/webview', '/ext/media']);
  assert.equal(panel.webview.options.enableScripts, true);
});

test('compiling again reuses the open view and keeps the previous result until the new one lands', async () => {
  const { fake, sp } = setup();
  const panel = await compileAndOpen(fake);
  await until(() => types(panel).includes('compiled'));
  panel.webview.posted.length = 0;
  sp.reply = () => undefined; // the next compile hangs until we finish it
  const second = fake.execute('onnxFp8.compile', MODEL);
  await until(() => sp.children.length === 2);
  assert.equal(fake.editors.size, 1);
  assert.deepEqual(types(panel), ['compileStarted']);
  sp.children[1]!.finish(0, cliJson());
  await second;
  assert.deepEqual(types(panel), ['compileStarted', 'compiled']);
  assert.ok(panel.revealed >= 1);
});

test('a failed compile shows file, node and cause and keeps the last good result', async () => {
  const { fake, sp, h } = setup();
  const panel = await compileAndOpen(fake);
  await until(() => types(panel).includes('compiled'));
  const good = h.service.session(m(MODEL))!.results.get('skip')!;

  sp.reply = () => ({ code: 1, stderr: MODEL_ERROR });
  await fake.execute('onnxFp8.compile', MODEL);
  await until(() => types(panel).includes('compileFailed'));
  const failed = posted(panel).find((x): x is Extract<ToWebviewMessage, { type: 'compileFailed' }> => x.type === 'compileFailed')!;
  assert.deepEqual(
    { kind: failed.failure.kind, file: failed.failure.file, node: failed.failure.onnxNode, op: failed.failure.onnxOpType, cause: failed.failure.cause },
    { kind: 'model', file: '/ws/model.onnx', node: 'qk<b>', op: 'MatMul', cause: 'inner dims differ: 64 vs 32' },
  );
  assert.equal(h.service.session(m(MODEL))!.results.get('skip'), good, 'the last good result stays');
  const diags = fake.diagnosticsOn(MODEL);
  assert.equal(diags.length, 1);
  assert.equal(diags[0]!.code, 'FP8_COMPILE_MODEL_ERROR');
  assert.equal(diags[0]!.message, "node 'qk<b>' (MatMul): inner dims differ: 64 vs 32");
  assert.ok(fake.messages.some((x) => x.level === 'error' && x.text.includes("/ws/model.onnx: node 'qk<b>' (MatMul): inner dims differ")));
  // The IR text still shows the last good program.
  const doc = await fake.api.workspace.openTextDocument(host.irUri(fake.api, m(MODEL), 'skip'));
  assert.equal(doc.getText(), good.text);
  // A reloaded webview gets the last good result, then the failure.
  panel.webview.posted.length = 0;
  panel.webview.send({ type: 'ready' });
  assert.deepEqual(types(panel), ['model', 'compiled', 'compileFailed']);
});

test('cancel on the progress notification kills the child and tells the view', async () => {
  const { fake, sp, h } = setup(() => undefined);
  const pending = fake.execute('onnxFp8.compile', MODEL);
  await until(() => sp.children.length === 1 && fake.editors.size === 1);
  const panel = fake.editors.get(MODEL.toString())!.panel;
  panel.webview.send({ type: 'ready' });
  assert.deepEqual(types(panel), ['model', 'compileStarted']);
  fake.progress[0]!.token.cancel();
  await pending;
  assert.deepEqual(sp.children[0]!.signals, ['SIGTERM']);
  assert.ok(types(panel).includes('compileCancelled'));
  assert.equal(h.service.isRunning(m(MODEL), 'skip'), false);
  assert.equal(fake.diagnosticsOn(MODEL).length, 0);
});

test('a CLI without --fp8 (exit 2) is handled: the program is shown unquantized, with a note, and --fp8 is not retried', async () => {
  const { fake, sp } = setup((args) =>
    args.includes('--fp8') ? { code: 2, stderr: "onnx-fp8: compile: unknown option '--fp8' (see 'onnx-fp8 compile --help')\n" } : { code: 0, stdout: cliJson({ omitFp8Fields: true }) },
  );
  const panel = await compileAndOpen(fake);
  await until(() => types(panel).includes('compiled'));
  assert.deepEqual(sp.argv, [
    ['compile', '/ws/model.onnx', '--format', 'json', '--fp8', '--attention-qdq', 'skip', '--fp8-format', 'e4m3fn'],
    ['compile', '/ws/model.onnx', '--format', 'json'],
  ]);
  const view = (posted(panel).find((x) => x.type === 'compiled') as { view: CompiledView }).view;
  assert.equal(view.fp8, false);
  assert.match(view.notes[0]!, /no --fp8 option/);
  assert.equal(fake.messages.filter((x) => x.level === 'error').length, 0);
  await fake.execute('onnxFp8.compile', MODEL);
  assert.deepEqual(sp.argv[2], ['compile', '/ws/model.onnx', '--format', 'json']);
});

test('a bad option value (exit 2) is a usage failure that points at the settings', async () => {
  const { fake, h } = setup(() => ({ code: 2, stderr: "onnx-fp8: compile: --fp8-format must be one of e4m3fn, e5m2, got 'e5m2fnuz'\n" }));
  await fake.execute('onnxFp8.compile', MODEL);
  const f = h.service.session(m(MODEL))!.failures.get('skip')!;
  assert.equal(f.kind, 'usage');
  assert.match(f.cause, /--fp8-format must be one of .* \(check the onnxFp8\.\* settings\)/);
  assert.equal(fake.diagnosticsOn(MODEL)[0]!.code, 'FP8_COMPILE_USAGE_ERROR');
});

test('the compare switch asks for a keep compile by request id; Problems stay with the primary strategy', async () => {
  const { fake, sp } = setup();
  const panel = await compileAndOpen(fake);
  await until(() => types(panel).includes('compiled'));
  const before = fake.diagnosticsOn(MODEL);
  panel.webview.send({ type: 'compile', id: 7, strategy: 'keep' });
  await until(() => posted(panel).some((x) => x.type === 'response'));
  assert.deepEqual(posted(panel).find((x) => x.type === 'response'), { type: 'response', id: 7, request: 'compile', ok: true, result: { outcome: 'compiled' } });
  assert.deepEqual(sp.argv[1]!.slice(4, 7), ['--fp8', '--attention-qdq', 'keep']);
  assert.ok(posted(panel).some((x) => x.type === 'compiled' && x.view.strategy === 'keep'));
  assert.deepEqual(fake.diagnosticsOn(MODEL).map((d) => d.message), before.map((d) => d.message));
  // Compile fp8 again recompiles the compare side too.
  await fake.execute('onnxFp8.compile', MODEL);
  await until(() => sp.children.length === 4);
  assert.deepEqual(sp.argv.slice(2).map((a) => a[6]).sort(), ['keep', 'skip']);
});

test('openIrText opens the IR document beside, at the line; malformed messages are logged and ignored', async () => {
  const { fake, h } = setup();
  const panel = await compileAndOpen(fake);
  await until(() => types(panel).includes('compiled'));
  panel.webview.send({ type: 'openIrText', id: 3, strategy: 'skip', line: 4 });
  await until(() => fake.shown.length === 1);
  const shown = fake.shown[0]!;
  assert.equal(shown.doc.uri.scheme, 'onnx-fp8-ir');
  assert.equal(shown.doc.getText(), h.service.session(m(MODEL))!.results.get('skip')!.text);
  assert.equal((shown.options as { selection: { start: { line: number } } }).selection.start.line, 3);
  await until(() => posted(panel).some((x) => x.type === 'response'));
  panel.webview.send({ type: 'compile', id: 'x', strategy: 'skip' });
  panel.webview.send({ type: 'eval', code: 'alert(1)' });
  panel.webview.send(null);
  const warnings = fake.logs[0]!.lines.filter((l) => l.level === 'warn' && l.message.includes('malformed'));
  assert.equal(warnings.length, 3);
});

test('a hidden view is sent nothing and gets everything again when it says ready', async () => {
  const { fake, sp } = setup();
  const panel = await compileAndOpen(fake);
  await until(() => types(panel).includes('compiled'));
  panel.setVisible(false);
  panel.webview.posted.length = 0;
  await fake.execute('onnxFp8.compile', MODEL);
  await until(() => sp.children.length === 2);
  assert.deepEqual(types(panel), []);
  panel.setVisible(true);
  panel.webview.send({ type: 'ready' });
  assert.deepEqual(types(panel), ['model', 'compiled']);
});

test('Open With on a never-compiled model compiles it once', async () => {
  const { fake, sp } = setup();
  const panel = await fake.openWith(MODEL, 'onnxFp8.irView');
  panel.webview.send({ type: 'ready' });
  await until(() => types(panel).includes('compiled'));
  assert.equal(sp.children.length, 1);
});

test('Show compiled IR compiles if needed and opens the printed program', async () => {
  const { fake, sp } = setup();
  await fake.execute('onnxFp8.showCompiledIr', MODEL);
  assert.equal(sp.children.length, 1);
  const doc = fake.shown[0]!.doc;
  assert.equal(doc.uri.scheme, 'onnx-fp8-ir');
  assert.match(doc.getText(), /^module: "main"\n/);
  assert.match(doc.getText(), /@2 = softmax\(\)/);
});

test('commands without an .onnx target say so instead of failing', async () => {
  const { fake, sp } = setup();
  await fake.execute('onnxFp8.compile');
  await fake.execute('onnxFp8.compile', Uri.file('/ws/README.md'));
  await fake.execute('onnxFp8.showCompiledIr');
  assert.equal(sp.children.length, 0);
  assert.equal(fake.messages.filter((x) => x.level === 'error' && /select an \.onnx file/.test(x.text)).length, 3);
});

test('closing the model clears its diagnostics and stops watching it, even with its IR text open', async () => {
  const { fake, sp } = setup();
  const panel = await compileAndOpen(fake);
  await until(() => types(panel).includes('compiled'));
  await fake.execute('onnxFp8.showCompiledIr', MODEL);
  const irText = fake.shown[0]!.doc;
  const ir = host.irUri(fake.api, m(MODEL), 'skip');
  assert.ok(fake.diagnosticsOn(MODEL).length > 0);
  assert.ok(fake.diagnosticsOn(ir as unknown as Uri).length > 0);
  fake.closeEditor(MODEL);
  assert.deepEqual(fake.diagnosticsOn(MODEL), []);
  assert.deepEqual(fake.diagnosticsOn(ir as unknown as Uri), []);
  fake.watchers[0]!.change.fire(MODEL);
  await new Promise((r) => setTimeout(r, 120));
  assert.equal(sp.children.length, 1);
  assert.match(irText.getText(), /^module: "main"/, 'the open IR text keeps its last content');
  assert.deepEqual(fake.diagnosticsOn(MODEL), []);
});

test('the workspace command compiles every model (files.exclude is findFiles default), fills Problems and can be cancelled', async () => {
  const a = Uri.file('/ws/a.onnx');
  const b = Uri.file('/ws/sub/b.onnx');
  const c = Uri.file('/ws/c.onnx');
  const { fake, sp } = setup((args) => (args[1] === '/ws/c.onnx' ? { code: 1, stderr: "onnx-fp8: error: /ws/c.onnx: node 'n' (Foo): unsupported op\n" } : { code: 0, stdout: cliJson() }));
  fake.findFilesResult = [c, b, a];
  await fake.execute('onnxFp8.compileWorkspace');
  assert.deepEqual(sp.argv.map((x) => x[1]), ['/ws/a.onnx', '/ws/c.onnx', '/ws/sub/b.onnx']);
  assert.equal(fake.diagnosticsOn(a).length, 3);
  assert.equal(fake.diagnosticsOn(c)[0]!.code, 'FP8_COMPILE_MODEL_ERROR');
  const progress = fake.progress.find((p) => p.options.title === 'Compile fp8: workspace')!;
  assert.equal(progress.options.cancellable, true);
  assert.deepEqual(progress.reports.map((r) => r.message), ['1/3 a.onnx', '2/3 c.onnx', '3/3 b.onnx']);
  assert.match(fake.messages.at(-1)!.text, /2 of 3 models compiled, 1 failed/);
  assert.equal(fake.editors.size, 0, 'the workspace command opens no editors');

  // Cancel: the running child is killed and the rest are not started.
  const fake2 = setup(() => undefined);
  fake2.fake.findFilesResult = [a, b, c];
  const run = fake2.fake.execute('onnxFp8.compileWorkspace');
  await until(() => fake2.sp.children.length === 1);
  fake2.fake.progress[0]!.token.cancel();
  await run;
  assert.equal(fake2.sp.children.length, 1);
  assert.deepEqual(fake2.sp.children[0]!.signals, ['SIGTERM']);
  assert.match(fake2.fake.messages.at(-1)!.text, /0 of 3 models compiled; cancelled after 1/);
});

test('changing the attention setting switches the open view and recompiles it', async () => {
  const { fake, sp } = setup();
  const panel = await compileAndOpen(fake);
  await until(() => types(panel).includes('compiled'));
  fake.setConfiguration('onnxFp8.attentionQdq', 'keep');
  await until(() => sp.children.length === 3);
  assert.ok(posted(panel).some((x) => x.type === 'model' && x.primary === 'keep'));
  assert.deepEqual(sp.argv.slice(1).map((a) => a[6]).sort(), ['keep', 'skip']);
});
