// Cancelling the CLI bundle (dist/cli.mjs, built into a temporary folder) while it runs kernels:
// `perf` and `run --device webgpu` get SIGTERM or SIGINT mid-run and must be gone within a few seconds,
// ended by that signal (a shell shows 143 / 130), with no process of theirs left behind.
// The CLI keeps Node's default signal disposition on purpose: the kernel ends the process at once,
// while a JavaScript handler would run only once the event loop turns — after a calibration or a
// compile that holds the main thread (docs/webgpu.md, "Cancelling"). The GPU driver reclaims the device.
// Linux only (/proc); without an adapter the tests skip, and fail with ONNX_FP8_REQUIRE_GPU=1.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoPath } from '../helpers/paths.js';

const REQUIRE_GPU = process.env['ONNX_FP8_REQUIRE_GPU'] === '1';
const LINUX = existsSync('/proc/self/stat');
// Under the repository, so the bundle finds node_modules (webgpu) as dist/cli.mjs does.
mkdirSync(repoPath('build'), { recursive: true });
const dir = mkdtempSync(join(repoPath('build'), 'cli-cancel-'));
const cli = join(dir, 'cli.mjs');
// The shipped seed block (S = 1024): calibration, then kernels that take seconds on the software adapter.
const model = repoPath('examples', 'attention_fp8_test.onnx');

before(async () => {
  const build = (await import(pathToFileURL(repoPath('scripts/build.mjs')).href)) as { buildBundles(o: object): Promise<void> };
  await build.buildBundles({ targets: ['cli'], outdir: dir });
});
after(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function readOr(path: string, fallback = ''): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

/** CPU seconds the process has used (utime + stime), or -1 once it is gone. */
function cpuSeconds(pid: number): number {
  const stat = readOr(`/proc/${pid}/stat`);
  if (!stat) return -1;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Every live process below `pid` (children, their children…). */
function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readOr(`/proc/${name}/stat`);
    if (stat) parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, pp] of parent) if (pp === p && !out.includes(child)) (out.push(child), walk(child));
  };
  walk(pid);
  return out;
}

const alive = (pid: number) => readOr(`/proc/${pid}/stat`) !== '' && !/^\d+ \(.*\) Z/.test(readOr(`/proc/${pid}/stat`));

/**
 * Resolves once the child has its WebGPU device and has spent a second of CPU after that (compiling
 * and running kernels: lavapipe runs them on the process's own threads), or with the reason it cannot.
 */
async function untilRunningKernels(child: ChildProcess, stderr: () => string): Promise<string | undefined> {
  const pid = child.pid!;
  const deadline = Date.now() + 60_000;
  let deviceAt = -1;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return `it exited first (${child.exitCode ?? child.signalCode}): ${stderr().trim().split('\n').pop()}`;
    const mapped = readOr(`/proc/${pid}/maps`).includes('dawn.node');
    const threads = readdirSync(`/proc/${pid}/task`).map((t) => readOr(`/proc/${pid}/task/${t}/comm`).trim());
    const device = mapped && (threads.some((n) => n.startsWith('llvmpipe')) || !readOr(`/proc/${pid}/maps`).includes('lvp_icd'));
    if (device && deviceAt < 0) deviceAt = cpuSeconds(pid);
    if (deviceAt >= 0 && cpuSeconds(pid) >= deviceAt + 1) return undefined;
    await sleep(100);
  }
  return 'it did not reach the GPU within 60 s';
}

async function cancel(t: { skip(message: string): void }, args: string[], signal: 'SIGTERM' | 'SIGINT'): Promise<void> {
  if (!LINUX) return t.skip('needs /proc (Linux)');
  let err = '';
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.on('data', (d: Buffer) => void (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, sig) => resolve({ code, signal: sig })));
  const notRunning = await untilRunningKernels(child, () => err);
  if (notRunning !== undefined) {
    child.kill('SIGKILL');
    await exited;
    if (/no WebGPU adapter|cannot load the webgpu package/.test(err) && !REQUIRE_GPU) return t.skip(`SKIPPED: no WebGPU adapter (${notRunning})`);
    assert.fail(`${args.join(' ')}: ${notRunning}`);
  }
  const family = [child.pid!, ...descendants(child.pid!)];
  const t0 = performance.now();
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  const result = await exited;
  clearTimeout(timer);
  const seconds = (performance.now() - t0) / 1000;
  assert.ok(seconds < 3, `${args[0]} took ${seconds.toFixed(2)} s to exit after ${signal}`);
  const code = signal === 'SIGTERM' ? 143 : 130;
  assert.ok(result.signal === signal || result.code === code, `ended by ${result.signal ?? `exit code ${result.code}`}, expected ${signal} or ${code}`);
  await sleep(200);
  assert.deepEqual(family.filter(alive), [], 'processes left behind');
}

test('onnx-fp8 perf: SIGTERM mid-run ends it within seconds, nothing left behind', async (t) => {
  await cancel(t, ['perf', model, '--fp8', '-n', '50'], 'SIGTERM');
});

test('onnx-fp8 run --device webgpu: SIGTERM mid-run ends it within seconds, nothing left behind', async (t) => {
  await cancel(t, ['run', model, '--fp8', '--device', 'webgpu'], 'SIGTERM');
});

test('onnx-fp8 perf: SIGINT (Ctrl-C) mid-run ends it within seconds, nothing left behind', async (t) => {
  await cancel(t, ['perf', model, '--fp8', '-n', '50'], 'SIGINT');
});
