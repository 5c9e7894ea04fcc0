// Helpers for the extension host tests: the host code bundled from extension/host.ts (tests import the
// bundle, as VS Code would run it), a fake child process and spawner, and CLI JSON documents (compile,
// and perf from the fixtures in test/webview/fixtures).

import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import type { CliLauncher, SpawnFn } from '../../extension/cli-process.js';
import type { CompactInstruction } from '../../src/protocol/compact-ir.js';
import { REPO_ROOT, repoPath } from '../helpers/paths.js';

export type HostModule = typeof import('../../extension/host.js');

let host: Promise<HostModule> | undefined;

/** extension/host.ts bundled (as esbuild bundles the extension) and imported; `vscode` must not be needed at run time. */
export function loadHost(): Promise<HostModule> {
  host ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'onnx-fp8-host-'));
    try {
      const outfile = join(dir, 'host.mjs');
      await build({
        entryPoints: [repoPath('extension/host.ts')],
        outfile,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        external: ['vscode'],
        sourcemap: 'inline',
        logLevel: 'warning',
        absWorkingDir: REPO_ROOT,
      });
      return (await import(pathToFileURL(outfile).href)) as HostModule;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  })();
  return host;
}

/** A child process that does nothing until the test says so. */
export class FakeChild extends EventEmitter {
  readonly stdout = new EventEmitter();
  readonly stderr = new EventEmitter();
  readonly signals: string[] = [];
  closed = false;
  /** When true, the child dies as soon as it gets a signal (a well-behaved Node process). */
  diesOnSignal = true;

  constructor(
    readonly command: string,
    readonly args: readonly string[],
    readonly options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
  ) {
    super();
  }

  kill(signal?: string): boolean {
    this.signals.push(signal ?? 'SIGTERM');
    if (this.diesOnSignal) setImmediate(() => this.close(null, signal ?? 'SIGTERM'));
    return true;
  }

  close(code: number | null, signal: string | null = null): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close', code, signal);
  }

  /** Prints `stdout` (in two chunks, as pipes do) and `stderr`, then exits with `code`. */
  finish(code: number, stdout = '', stderr = ''): void {
    const half = Math.floor(stdout.length / 2);
    if (stdout) {
      this.stdout.emit('data', Buffer.from(stdout.slice(0, half)));
      this.stdout.emit('data', Buffer.from(stdout.slice(half)));
    }
    if (stderr) this.stderr.emit('data', Buffer.from(stderr));
    this.close(code);
  }
}

export interface Reply {
  readonly code: number;
  readonly stdout?: string;
  readonly stderr?: string;
}

/** Records each spawn; `reply` decides what the child does (undefined: it hangs until killed). */
export class FakeSpawner {
  readonly children: FakeChild[] = [];
  reply: (args: readonly string[]) => Reply | undefined = () => undefined;

  readonly spawn = ((command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) => {
    const child = new FakeChild(command, args, options);
    this.children.push(child);
    const r = this.reply(args.slice(1));
    if (r) setImmediate(() => child.finish(r.code, r.stdout, r.stderr));
    return child;
  }) as unknown as SpawnFn;

  launcher(): CliLauncher {
    return { spawn: this.spawn, node: '/usr/bin/node', env: { ELECTRON_RUN_AS_NODE: '1' }, cliPath: '/ext/dist/cli.mjs' };
  }

  /** The CLI arguments (after the script path) of each spawn. */
  get argv(): string[][] {
    return this.children.map((c) => c.args.slice(1));
  }
}

export function instruction(p: Partial<CompactInstruction> & { name: string; op: string; line: number }): CompactInstruction {
  return {
    module: 'main',
    text: `${p.name} = ${p.op}() -> float_type, {2, 2}, {2, 1}`,
    type: 'float_type',
    lens: [2, 2],
    inputs: [],
    quantization: 'none',
    ...p,
  };
}

/** A `compile --format json` document (schema 1) for a small attention program. */
export function cliJson(over: { file?: string; diagnostics?: unknown[]; instructions?: CompactInstruction[]; attention?: unknown[]; omitFp8Fields?: boolean } = {}): string {
  const instructions = over.instructions ?? [
    instruction({ name: 'q', op: '@param', line: 2, text: 'q = @param:q -> half_type, {1, 4, 8, 8}, {256, 64, 8, 1}' }),
    instruction({ name: '@1', op: 'dot', line: 3, onnxNode: 'qk_matmul', onnxOpType: 'MatMul', quantization: 'skipped', attention: { region: 0, role: 'qk', reason: 'first GEMM of attention' } }),
    instruction({ name: '@2', op: 'softmax', line: 4, onnxNode: 'softmax', onnxOpType: 'Softmax', quantization: 'skipped', attention: { region: 0, role: 'softmax', reason: 'softmax of attention' } }),
    instruction({ name: '@3', op: 'quantizelinear', line: 5, onnxNode: 'out_proj', onnxOpType: 'MatMul', quantization: 'quantized', scale: 0.0125 }),
    instruction({ name: '@4', op: 'quant_dot', line: 6, onnxNode: 'out_proj', onnxOpType: 'MatMul', quantization: 'quantized', scale: 0.0125 }),
    instruction({ name: '@5', op: '@return', line: 7, text: '@5 = @return(@4)' }),
  ];
  const program = ['module: "main"', ...instructions.map((i) => i.text), '', ''].join('\n');
  const doc: Record<string, unknown> = {
    schema: 1,
    file: over.file ?? '/ws/model.onnx',
    program,
    inputs: [],
    outputs: [],
    diagnostics: over.diagnostics ?? [
      { severity: 'warning', code: 'ONNX_SYMBOLIC_DIM_DEFAULTED', message: 'input q: dim 0 defaulted to 1', onnxNode: 'qk_matmul' },
      { severity: 'info', code: 'FP8_ATTENTION_SKIPPED', message: 'attention region 0 left out of Q/DQ', instruction: '@2' },
      { severity: 'error', code: 'SOMETHING_GLOBAL', message: 'a model-level problem' },
    ],
    stats: { instructions: instructions.length, modules: 1 },
    instructions: over.omitFp8Fields ? instructions.map(({ quantization: _q, attention: _a, scale: _s, ...rest }) => rest) : instructions,
    timings: {},
  };
  if (!over.omitFp8Fields) doc['attention'] = over.attention ?? [{ id: 0, pattern: 'dot-softmax-dot', instructions: ['@1', '@2'], onnxNodes: ['qk_matmul', 'softmax'] }];
  return JSON.stringify(doc);
}

/** Waits until `cond()` holds, failing after `ms`. Polls with setImmediate, so it works under mocked timers. */
export async function until(cond: () => boolean, ms = 2000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

/** `perf --format json` of the ONNX attention node test on lavapipe (test/webview/fixtures), for one strategy. */
export function perfJson(strategy: 'skip' | 'keep', edit?: (doc: Record<string, unknown>) => void): string {
  const doc = JSON.parse(readFileSync(repoPath(`test/webview/fixtures/perf-attention-4d-${strategy}.json`), 'utf8')) as Record<string, unknown>;
  edit?.(doc);
  return JSON.stringify(doc);
}
