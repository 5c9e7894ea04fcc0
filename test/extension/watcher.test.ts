// The file watcher: a model compiled before is recompiled once per burst of changes (debounced); a model
// never compiled is left alone; a deleted model loses its diagnostics; models outside the workspace get
// their own watcher.
import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeVscode, RelativePattern, Uri } from './fake-vscode.js';
import { cliJson, FakeSpawner, type HostModule, loadHost, until } from './helpers.js';

const host = await loadHost();
type Context = Parameters<HostModule['activateWith']>[1];
const MODEL = Uri.file('/ws/model.onnx');

function setup() {
  const fake = new FakeVscode();
  const sp = new FakeSpawner();
  sp.reply = () => ({ code: 0, stdout: cliJson() });
  const h = host.activateWith(fake.api, fake.context as unknown as Context, { launcher: sp.launcher(), watchDebounceMs: 500 });
  return { fake, sp, h };
}

test('Debouncer fires once, delay after the last trigger, per key', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const fired: string[] = [];
  const d = new host.Debouncer<string>(500, (k) => fired.push(k));
  d.trigger('a');
  t.mock.timers.tick(300);
  d.trigger('a');
  d.trigger('b');
  t.mock.timers.tick(499);
  assert.deepEqual(fired, []);
  t.mock.timers.tick(1);
  assert.deepEqual(fired.sort(), ['a', 'b']);
  d.trigger('c');
  d.cancel('c');
  t.mock.timers.tick(1000);
  assert.equal(fired.length, 2);
  assert.equal(d.pending, 0);
});

test('a burst of changes to a compiled model recompiles it once, after the debounce', async (t) => {
  const { fake, sp, h } = setup();
  await h.service.compile(MODEL as never, 'skip', { progress: 'none' });
  await h.service.compile(MODEL as never, 'keep', { progress: 'none' });
  assert.equal(sp.children.length, 2);
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const w = fake.watchers[0]!;
  for (let i = 0; i < 5; i++) {
    w.change.fire(MODEL);
    t.mock.timers.tick(100);
  }
  assert.equal(sp.children.length, 2, 'nothing before the debounce');
  t.mock.timers.tick(400);
  // Both strategies it was compiled with, in the status bar (not a notification).
  assert.equal(sp.children.length, 4);
  assert.deepEqual(sp.argv.slice(2).map((a) => a[6]).sort(), ['keep', 'skip']);
  assert.deepEqual(fake.progress.slice(-2).map((p) => p.options.location), [10, 10]);
  mock.timers.reset();
  await until(() => sp.children.every((c) => c.closed));
});

test('a model whose compile failed is recompiled when it changes (the user fixed it)', async (t) => {
  const { fake, sp, h } = setup();
  sp.reply = () => ({ code: 1, stderr: 'onnx-fp8: error: /ws/model.onnx: truncated\n' });
  await h.service.compile(MODEL as never, 'skip', { progress: 'none' });
  assert.equal(fake.diagnosticsOn(MODEL)[0]!.code, 'FP8_COMPILE_MODEL_ERROR');
  sp.reply = () => ({ code: 0, stdout: cliJson({ diagnostics: [] }) });
  t.mock.timers.enable({ apis: ['setTimeout'] });
  fake.watchers[0]!.create.fire(MODEL);
  t.mock.timers.tick(500);
  mock.timers.reset();
  await until(() => h.service.session(MODEL as never)?.results.has('skip') === true);
  assert.deepEqual(fake.diagnosticsOn(MODEL), []);
});

test('changes to models never compiled are ignored', (t) => {
  const { fake, sp } = setup();
  t.mock.timers.enable({ apis: ['setTimeout'] });
  fake.watchers[0]!.change.fire(Uri.file('/ws/other.onnx'));
  t.mock.timers.tick(2000);
  assert.equal(sp.children.length, 0);
});

test('deleting a compiled model clears its diagnostics and cancels a pending recompile', async (t) => {
  const { fake, sp, h } = setup();
  await h.service.compile(MODEL as never, 'skip', { progress: 'none' });
  assert.ok(fake.diagnosticsOn(MODEL).length > 0);
  t.mock.timers.enable({ apis: ['setTimeout'] });
  fake.watchers[0]!.change.fire(MODEL);
  fake.watchers[0]!.del.fire(MODEL);
  t.mock.timers.tick(1000);
  assert.equal(sp.children.length, 1);
  assert.deepEqual(fake.diagnosticsOn(MODEL), []);
});

test('a model outside the workspace folders gets a watcher of its own, dropped when it is forgotten', async (t) => {
  const { fake, sp, h } = setup();
  const outside = Uri.file('/tmp/models/far.onnx');
  await h.service.compile(outside as never, 'skip', { progress: 'none' });
  const w = fake.watchers[1]!;
  assert.ok(w.pattern instanceof RelativePattern);
  assert.equal((w.pattern as RelativePattern).base.path, '/tmp/models');
  assert.equal((w.pattern as RelativePattern).pattern, 'far.onnx');
  t.mock.timers.enable({ apis: ['setTimeout'] });
  w.change.fire(outside);
  t.mock.timers.tick(500);
  assert.equal(sp.children.length, 2);
  mock.timers.reset();
  await until(() => sp.children.every((c) => c.closed));
  h.service.forget(outside as never);
  assert.equal(w.disposed, true);
});
