import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpawnFn } from '../../extension/cli-process.js';
import { FakeSpawner, loadHost, until } from './helpers.js';

const host = await loadHost();

test('collects stdout across chunks and reports the exit code', async () => {
  const sp = new FakeSpawner();
  sp.reply = () => ({ code: 0, stdout: '{"a": "ü€"}', stderr: 'warning: x\n' });
  const r = await host.runCli(sp.launcher(), { args: ['compile', 'm.onnx'], timeoutMs: 5000 });
  assert.equal(r.kind, 'exited');
  if (r.kind !== 'exited') return;
  assert.equal(r.code, 0);
  assert.equal(r.stdout, '{"a": "ü€"}');
  assert.equal(r.stderr, 'warning: x\n');
  assert.deepEqual(sp.children[0]!.args, ['/ext/dist/cli.mjs', 'compile', 'm.onnx']);
  assert.equal(sp.children[0]!.command, '/usr/bin/node');
});

test('cancel sends SIGTERM at once and resolves cancelled', async () => {
  const sp = new FakeSpawner();
  const ac = new AbortController();
  const p = host.runCli(sp.launcher(), { args: [], timeoutMs: 5000, signal: ac.signal });
  await until(() => sp.children.length === 1);
  ac.abort();
  assert.deepEqual(sp.children[0]!.signals, ['SIGTERM']);
  assert.deepEqual(await p, { kind: 'cancelled' });
});

test('a child that ignores SIGTERM gets SIGKILL within 1 s of the cancel', async () => {
  const sp = new FakeSpawner();
  const ac = new AbortController();
  const p = host.runCli(sp.launcher(), { args: [], timeoutMs: 5000, signal: ac.signal });
  await until(() => sp.children.length === 1);
  const child = sp.children[0]!;
  child.diesOnSignal = false;
  const t0 = Date.now();
  ac.abort();
  await p;
  await until(() => child.signals.includes('SIGKILL'), 1000, 'SIGKILL');
  assert.ok(Date.now() - t0 < 1000);
  assert.ok(host.KILL_GRACE_MS < 1000);
});

test('stops a compile that runs past the timeout', async () => {
  const sp = new FakeSpawner();
  const r = await host.runCli(sp.launcher(), { args: [], timeoutMs: 30 });
  assert.equal(r.kind, 'timeout');
  assert.deepEqual(sp.children[0]!.signals, ['SIGTERM']);
});

test('a spawn that throws or emits error is a spawn-error, not an exception', async () => {
  const throwing: SpawnFn = () => {
    throw new Error('ENOENT node');
  };
  const r1 = await host.runCli({ spawn: throwing, node: 'node', env: {}, cliPath: 'x' }, { args: [], timeoutMs: 1000 });
  assert.deepEqual(r1, { kind: 'spawn-error', message: 'ENOENT node' });

  const sp = new FakeSpawner();
  const p = host.runCli(sp.launcher(), { args: [], timeoutMs: 1000 });
  await until(() => sp.children.length === 1);
  sp.children[0]!.emit('error', new Error('EACCES'));
  assert.deepEqual(await p, { kind: 'spawn-error', message: 'EACCES' });
});

test('output beyond the limit fails the run and kills the child', async () => {
  const sp = new FakeSpawner();
  const p = host.runCli(sp.launcher(), { args: [], timeoutMs: 1000, maxOutputBytes: 8 });
  await until(() => sp.children.length === 1);
  sp.children[0]!.stdout.emit('data', Buffer.from('0123456789'));
  assert.deepEqual(await p, { kind: 'output-too-large', limitBytes: 8 });
  assert.deepEqual(sp.children[0]!.signals, ['SIGTERM']);
});

test('a real Node child is gone within 1 s of the cancel', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'onnx-fp8-kill-'));
  try {
    const script = join(dir, 'hang.mjs');
    writeFileSync(script, "process.stdout.write('started\\n'); setInterval(() => {}, 1000);\n");
    let child: ChildProcess | undefined;
    const realSpawn = ((command: string, args: readonly string[], options: { env: NodeJS.ProcessEnv }) => {
      child = spawn(command, [...args], { env: options.env });
      return child;
    }) as SpawnFn;
    const ac = new AbortController();
    const p = host.runCli({ spawn: realSpawn, node: process.execPath, env: process.env, cliPath: script }, { args: [], timeoutMs: 10_000, signal: ac.signal });
    await until(() => child !== undefined);
    const closed = new Promise<number>((resolve) => child!.on('close', () => resolve(Date.now())));
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    ac.abort();
    assert.deepEqual(await p, { kind: 'cancelled' });
    const t1 = await closed;
    assert.ok(t1 - t0 < 1000, `child exited ${t1 - t0} ms after the cancel`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
