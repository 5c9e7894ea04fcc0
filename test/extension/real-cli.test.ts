// The shipped pieces together: dist/extension.cjs (the production extension bundle, loaded with
// require() as VS Code loads it, `vscode` answered by the fake) runs the real dist/cli.mjs in a real
// child process on the example model and on a broken one.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CompiledView, ToWebviewMessage } from '../../src/protocol/messages.js';
import { repoPath } from '../helpers/paths.js';
import { FakeVscode, Uri } from './fake-vscode.js';
import { until } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'onnx-fp8-realcli-'));
const fake = new FakeVscode();
fake.context.extensionUri = Uri.file(dir) as typeof fake.context.extensionUri;

before(async () => {
  const build = (await import(pathToFileURL(repoPath('scripts/build.mjs')).href)) as { buildBundles(o: object): Promise<void> };
  await build.buildBundles({ targets: ['cli', 'extension'], outdir: join(dir, 'dist'), production: true });
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

test('Compile fp8 on the example model shows the real program (with or without --fp8 in this CLI)', async () => {
  const model = Uri.file(repoPath('examples/attention_fp8_test.onnx'));
  await fake.execute('onnxFp8.compile', model);
  const panel = fake.editors.get(model.toString())!.panel;
  panel.webview.send({ type: 'ready' });
  const compiled = (panel.webview.posted as ToWebviewMessage[]).find((m): m is { type: 'compiled'; view: CompiledView } => m.type === 'compiled');
  assert.ok(compiled, JSON.stringify(fake.messages));
  const program = compiled.view.program;
  // The CLI's default stage is the lowered program: the softmax node's decomposition runs in a kernel.
  assert.ok(program.instructions.some((i) => i.op === 'reduce_max' && i.onnxNode === 'softmax' && i.kernel !== undefined));
  if (!compiled.view.fp8) assert.match(compiled.view.notes.join(' '), /no --fp8 option/);
  const text = (await fake.api.workspace.openTextDocument(Uri.from({ scheme: 'onnx-fp8-ir', path: `${model.path}.skip.ir`, query: new URLSearchParams({ model: model.toString(), strategy: 'skip' }).toString() }) as never)).getText();
  assert.match(text, /^module: "main"\n/);
  for (const ins of program.instructions) assert.equal(text.split('\n')[ins.line - 1], ins.text);
  const log = fake.logs[0]!.lines.map((l) => l.message).join('\n');
  assert.match(log, /compiled attention_fp8_test\.onnx \[skip\] in \d+ ms/);
});

test('a broken model fails with the file and cause and nothing crashes', async () => {
  const bad = join(dir, 'broken.onnx');
  writeFileSync(bad, Buffer.from([0x08, 0x07, 0x12, 0xff, 0xff, 0xff]));
  const model = Uri.file(bad);
  await fake.execute('onnxFp8.compile', model);
  await until(() => fake.diagnosticsOn(model).length > 0, 5000, 'diagnostics');
  const d = fake.diagnosticsOn(model)[0]!;
  assert.equal(d.code, 'FP8_COMPILE_MODEL_ERROR');
  assert.ok(d.message.length > 0 && !d.message.includes('\n'));
  assert.ok(fake.messages.some((m) => m.level === 'error' && m.text.startsWith(`Compile fp8 failed: ${bad}: `)), JSON.stringify(fake.messages));
});
