// The perf settings (onnxFp8.perfIterations, onnxFp8.perfNodePath, onnxFp8.perfTimeoutSeconds) and the
// perf command line: `perf <model> --format json` plus the same FP8 options a compile gets, plus
// `--iterations N`. The runner's Node is the editor's own (ELECTRON_RUN_AS_NODE) unless the user names one.

import type { AttentionQdq } from '../src/protocol/messages.js';
import type { CliLauncher } from './cli-process.js';
import { compileArgs, type ConfigLike, type Fp8Settings } from './compile-options.js';

export interface PerfSettings {
  /** Timed runs (`--iterations`). */
  readonly iterations: number;
  /** The Node binary that runs the perf CLI; empty: the editor's own runtime. */
  readonly nodePath: string;
  readonly timeoutMs: number;
}

export const DEFAULT_PERF_ITERATIONS = 20;
export const MAX_PERF_ITERATIONS = 100_000;
export const DEFAULT_PERF_TIMEOUT_S = 300;

export function readPerfSettings(config: ConfigLike): PerfSettings {
  const n = config.get<number>('perfIterations');
  const node = config.get<string>('perfNodePath');
  const timeout = config.get<number>('perfTimeoutSeconds');
  return {
    iterations: typeof n === 'number' && Number.isFinite(n) && n >= 1 ? Math.min(MAX_PERF_ITERATIONS, Math.floor(n)) : DEFAULT_PERF_ITERATIONS,
    nodePath: typeof node === 'string' ? node.trim() : '',
    timeoutMs: typeof timeout === 'number' && timeout > 0 ? Math.round(timeout * 1000) : DEFAULT_PERF_TIMEOUT_S * 1000,
  };
}

export interface PerfArgsInput {
  readonly model: string;
  readonly strategy: AttentionQdq;
  readonly settings: Fp8Settings;
  readonly baseDir: string;
  readonly iterations: number;
}

export function perfArgs(a: PerfArgsInput): string[] {
  // compileArgs gives `compile <model> --format json --fp8 …`; perf takes the same options.
  const [, ...rest] = compileArgs({ model: a.model, strategy: a.strategy, settings: a.settings, baseDir: a.baseDir, unsupported: new Set() });
  return ['perf', ...rest, '--iterations', String(a.iterations)];
}

/** The launcher for perf runs: the user's Node (a plain Node, no ELECTRON_RUN_AS_NODE) when one is set. */
export function perfLauncher(base: CliLauncher, nodePath: string): CliLauncher {
  if (nodePath === '') return base;
  const env: NodeJS.ProcessEnv = { ...base.env };
  delete env['ELECTRON_RUN_AS_NODE'];
  return { ...base, node: nodePath, env };
}
