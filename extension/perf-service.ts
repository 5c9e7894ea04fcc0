// Runs `onnx-fp8 perf --format json` on a model in a child Node process: once with the attention
// strategy the settings choose, or twice (skip, then keep) to compare them. dawn.node is loaded only in
// that child, never in the extension host, so a GPU fault or hang costs the child, not the editor; cancel
// kills it (SIGTERM, SIGKILL after 500 ms: cli-process.ts). One run at a time: a new run cancels the
// one in flight. Progress (which run, elapsed time, the child's latest stderr line) and the end of each
// run are events; finished and failed runs go to the history (perf-history.ts).

import { randomUUID } from 'node:crypto';
import { basename, dirname } from 'node:path';
import type { AttentionQdq, PerfFailure, PerfMode, PerfProgress, PerfReport, PerfRunning, PerfRunRecord } from '../src/protocol/messages.js';
import { CliOutputError } from './cli-output.js';
import { type CliLauncher, type CliResult, runCli } from './cli-process.js';
import { CONFIG_SECTION, readSettings } from './compile-options.js';
import type { PerfHistory } from './perf-history.js';
import { parsePerfError, parsePerfJson } from './perf-output.js';
import { perfArgs, perfLauncher, readPerfSettings } from './perf-options.js';
import type { Vscode, vscode } from './vscode-api.js';

export type PerfEvent =
  | { readonly kind: 'started'; readonly run: PerfRunning }
  | { readonly kind: 'progress'; readonly progress: PerfProgress }
  | { readonly kind: 'finished'; readonly run: PerfRunRecord }
  | { readonly kind: 'history' }
  | { readonly kind: 'target' };

/** Why a run did not start. */
export type PerfRefusal = 'untrusted' | 'no-model' | 'not-a-file';

export type PerfStart = { readonly started: true; readonly done: Promise<PerfRunRecord> } | { readonly started: false; readonly refusal: PerfRefusal; readonly reason: string };

/** How often the panel hears the elapsed time of a run that prints nothing. */
export const PERF_TICK_MS = 1000;

export const UNTRUSTED_REASON =
  'Run WebGPU perf needs a trusted workspace: it runs the model on the GPU through a native module (dawn.node) in a Node process, and the perf runner\'s Node path may come from the workspace settings.';

type StepResult = { readonly kind: 'report'; readonly report: PerfReport } | { readonly kind: 'failed'; readonly failure: PerfFailure } | { readonly kind: 'cancelled' };

export class PerfService implements vscode.Disposable {
  private readonly emitter: vscode.EventEmitter<PerfEvent>;
  readonly onDidChange: vscode.Event<PerfEvent>;
  private current: { readonly running: PerfRunning; readonly controller: AbortController; lastProgress?: PerfProgress } | undefined;
  private targetUri: vscode.Uri | undefined;

  constructor(
    private readonly vs: Vscode,
    private readonly log: vscode.LogOutputChannel,
    private readonly launcher: CliLauncher,
    readonly history: PerfHistory,
  ) {
    this.emitter = new vs.EventEmitter<PerfEvent>();
    this.onDidChange = this.emitter.event;
  }

  /** The model the panel's Run buttons measure: the last one perf was asked to run. */
  get target(): vscode.Uri | undefined {
    return this.targetUri;
  }

  set target(uri: vscode.Uri | undefined) {
    if (uri?.toString() === this.targetUri?.toString()) return;
    this.targetUri = uri;
    this.emitter.fire({ kind: 'target' });
  }

  /** The run in flight and its latest progress, if any. */
  running(): { readonly running: PerfRunning; readonly progress?: PerfProgress } | undefined {
    return this.current ? { running: this.current.running, ...(this.current.lastProgress ? { progress: this.current.lastProgress } : {}) } : undefined;
  }

  /** Kills the running perf child, if any. */
  cancel(): boolean {
    if (!this.current) return false;
    this.current.controller.abort();
    return true;
  }

  async clearHistory(): Promise<void> {
    await this.history.clear();
    this.emitter.fire({ kind: 'history' });
  }

  /** Starts a run (cancelling the one in flight) unless the workspace is untrusted or `uri` is no file. */
  start(uri: vscode.Uri | undefined, mode: PerfMode): PerfStart {
    if (!this.vs.workspace.isTrusted) return { started: false, refusal: 'untrusted', reason: UNTRUSTED_REASON };
    if (!uri) return { started: false, refusal: 'no-model', reason: 'Choose a model first: right-click an .onnx file → Run WebGPU perf.' };
    if (uri.scheme !== 'file') return { started: false, refusal: 'not-a-file', reason: `onnx-fp8 runs perf on files on disk; '${uri.scheme}:' resources are not supported.` };
    this.target = uri;
    this.current?.controller.abort();
    const fp8 = readSettings(this.vs.workspace.getConfiguration(CONFIG_SECTION, uri));
    const perf = readPerfSettings(this.vs.workspace.getConfiguration(CONFIG_SECTION, uri));
    const strategies: AttentionQdq[] = mode === 'compare' ? ['skip', 'keep'] : [fp8.attentionQdq];
    const running: PerfRunning = { id: randomUUID(), fileName: basename(uri.fsPath), mode, strategies, iterations: perf.iterations, startedAt: Date.now() };
    const controller = new AbortController();
    const current = { running, controller } as NonNullable<typeof this.current>;
    this.current = current;
    this.emitter.fire({ kind: 'started', run: running });

    const done = (async (): Promise<PerfRunRecord> => {
      const reports: Partial<Record<AttentionQdq, PerfReport>> = {};
      let failure: PerfFailure | undefined;
      let cancelled = false;
      const launcher = perfLauncher(this.launcher, perf.nodePath);
      const baseDir = this.vs.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? dirname(uri.fsPath);
      for (const [i, strategy] of strategies.entries()) {
        const args = perfArgs({ model: uri.fsPath, strategy, settings: fp8, baseDir, iterations: perf.iterations });
        const progress = (line?: string): void => {
          const p: PerfProgress = { id: running.id, strategy, step: i + 1, steps: strategies.length, elapsedMs: Date.now() - running.startedAt, ...(line ? { line } : {}) };
          if (this.current === current) current.lastProgress = p;
          this.emitter.fire({ kind: 'progress', progress: p });
        };
        const r = await this.step(launcher, args, uri, strategy, perf.timeoutMs, perf.nodePath, controller.signal, progress);
        if (r.kind === 'report') reports[strategy] = r.report;
        else if (r.kind === 'failed') failure = r.failure;
        else cancelled = true;
        if (r.kind !== 'report') break;
      }
      const record: PerfRunRecord = {
        id: running.id,
        model: uri.fsPath,
        fileName: running.fileName,
        mode,
        strategies,
        fp8Format: fp8.fp8Format,
        iterations: perf.iterations,
        startedAt: running.startedAt,
        durationMs: Date.now() - running.startedAt,
        outcome: cancelled ? 'cancelled' : failure ? 'failed' : 'done',
        reports,
        ...(failure ? { failure } : {}),
      };
      if (this.current === current) this.current = undefined;
      this.log.info(`perf ${running.fileName} [${strategies.join(', ')}] ${record.outcome} in ${record.durationMs} ms`);
      if (record.outcome !== 'cancelled') {
        await this.history.add(record).catch((e: unknown) => this.log.warn(`could not save the perf run: ${String(e)}`));
      }
      this.emitter.fire({ kind: 'finished', run: record });
      if (record.outcome !== 'cancelled') this.emitter.fire({ kind: 'history' });
      return record;
    })();
    done.catch((e: unknown) => this.log.error(`perf run failed inside the extension: ${String(e)}`));
    return { started: true, done };
  }

  /** One CLI run, with a progress tick every PERF_TICK_MS and each stderr line passed on. */
  private async step(
    launcher: CliLauncher,
    args: string[],
    uri: vscode.Uri,
    strategy: AttentionQdq,
    timeoutMs: number,
    nodePath: string,
    signal: AbortSignal,
    progress: (line?: string) => void,
  ): Promise<StepResult> {
    this.log.info(`${launcher.node} ${launcher.cliPath} ${args.join(' ')}`);
    let lastLine: string | undefined;
    let partial = '';
    progress();
    const ticker = setInterval(() => progress(lastLine), PERF_TICK_MS);
    let result: CliResult;
    try {
      result = await runCli(launcher, {
        args,
        cwd: dirname(uri.fsPath),
        timeoutMs,
        signal,
        maxOutputBytes: 64 * 1024 * 1024,
        onStderr: (text) => {
          const lines = (partial + text).split(/\r?\n/);
          partial = lines.pop() ?? '';
          const last = lines.map((l) => l.trim()).filter((l) => l !== '').at(-1);
          if (last !== undefined) {
            lastLine = last.length > 300 ? `${last.slice(0, 300)}…` : last;
            progress(lastLine);
          }
        },
      });
    } finally {
      clearInterval(ticker);
    }
    const failed = (f: Omit<PerfFailure, 'strategy'>): StepResult => {
      this.log.error(`perf ${basename(uri.fsPath)} [${strategy}] failed (${f.kind}): ${f.message}${f.fix ? ` (how to fix: ${f.fix})` : ''}`);
      return { kind: 'failed', failure: { ...f, strategy } };
    };
    switch (result.kind) {
      case 'exited':
        if (result.stderr.trim() !== '') this.log.info(`perf stderr:\n${result.stderr.trimEnd()}`);
        if (result.code !== 0) return failed(parsePerfError(result.stderr, result.code));
        try {
          return { kind: 'report', report: parsePerfJson(result.stdout) };
        } catch (e) {
          return failed({ kind: 'output', message: `could not read the perf report: ${e instanceof CliOutputError ? e.message : String(e)}` });
        }
      case 'cancelled':
        return { kind: 'cancelled' };
      case 'timeout':
        return failed({ kind: 'timeout', message: `the perf run took longer than ${Math.round(result.timeoutMs / 1000)} s and was stopped`, fix: 'raise onnxFp8.perfTimeoutSeconds or lower onnxFp8.perfIterations' });
      case 'signalled':
        return failed({ kind: 'internal', message: `the perf runner was killed by ${result.signal} (a GPU driver fault or out of memory?)${result.stderr.trim() ? `: ${result.stderr.trim().split('\n').at(-1)}` : ''}` });
      case 'spawn-error':
        return failed({
          kind: 'spawn',
          message: `could not start ${launcher.node}: ${result.message}`,
          ...(nodePath !== '' ? { fix: 'check "Node path for the perf runner" (onnxFp8.perfNodePath)' } : {}),
        });
      case 'output-too-large':
        return failed({ kind: 'output', message: `the perf report is larger than ${result.limitBytes} bytes` });
      default:
        return result satisfies never;
    }
  }

  dispose(): void {
    this.current?.controller.abort();
    this.emitter.dispose();
  }
}
