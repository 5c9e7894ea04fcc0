// Compiles models through the CLI child process and remembers, per model and attention strategy, the last
// good result and the last failure. A new compile of the same model and strategy cancels the one running
// (latest wins); a failure never replaces the last good result. Everything that shows results (the IR
// view, the IR text document, the Problems panel) listens to `onDidChange`.

import { basename, dirname } from 'node:path';
import type { AttentionQdq, CompileFailure, CompiledView } from '../src/protocol/messages.js';
import { type CliOutputError, parseCliError, parseCompileJson, unknownOption } from './cli-output.js';
import { type CliLauncher, runCli } from './cli-process.js';
import { CONFIG_SECTION, compileArgs, type Fp8Settings, isFp8Option, readSettings } from './compile-options.js';
import type { Vscode, vscode } from './vscode-api.js';

export type CompileOutcome = 'compiled' | 'failed' | 'cancelled';

/** Where a compile shows its progress: a cancellable notification (user asked), the status bar (watcher), or nowhere. */
export type ProgressMode = 'notification' | 'window' | 'none';

export interface CompileRecord {
  readonly view: CompiledView;
  /** The printed program (the IR text document's content). */
  readonly text: string;
}

interface EventBase {
  readonly uri: vscode.Uri;
  readonly strategy: AttentionQdq;
  /** True when `strategy` is the one the settings select (its diagnostics go to the Problems panel). */
  readonly primary: boolean;
}

export type CompileEvent =
  | (EventBase & { readonly kind: 'started' })
  | (EventBase & { readonly kind: 'compiled'; readonly record: CompileRecord })
  | (EventBase & { readonly kind: 'failed'; readonly failure: CompileFailure })
  | (EventBase & { readonly kind: 'cancelled' })
  | { readonly kind: 'forgotten'; readonly uri: vscode.Uri };

export class ModelSession {
  readonly results = new Map<AttentionQdq, CompileRecord>();
  readonly failures = new Map<AttentionQdq, CompileFailure>();
  readonly running = new Map<AttentionQdq, { readonly controller: AbortController; readonly generation: number }>();
  constructor(readonly uri: vscode.Uri) {}
}

type RunResult =
  | { readonly kind: 'compiled'; readonly record: CompileRecord }
  | { readonly kind: 'failed'; readonly failure: CompileFailure }
  | { readonly kind: 'cancelled' };

export interface CompileOptions {
  readonly progress: ProgressMode;
  /** Aborting it cancels this compile (the workspace command's cancel). */
  readonly signal?: AbortSignal;
}

export class CompileService implements vscode.Disposable {
  private readonly sessions = new Map<string, ModelSession>();
  private readonly emitter: vscode.EventEmitter<CompileEvent>;
  /** FP8 options this CLI rejected as unknown (it predates them); left out of later compiles. */
  private readonly unsupported = new Set<string>();
  private generation = 0;
  readonly onDidChange: vscode.Event<CompileEvent>;

  constructor(
    private readonly vs: Vscode,
    private readonly log: vscode.LogOutputChannel,
    private readonly launcher: CliLauncher,
  ) {
    this.emitter = new vs.EventEmitter<CompileEvent>();
    this.onDidChange = this.emitter.event;
  }

  settings(uri: vscode.Uri): Fp8Settings {
    return readSettings(this.vs.workspace.getConfiguration(CONFIG_SECTION, uri));
  }

  primaryStrategy(uri: vscode.Uri): AttentionQdq {
    return this.settings(uri).attentionQdq;
  }

  session(uri: vscode.Uri): ModelSession | undefined {
    return this.sessions.get(uri.toString());
  }

  allSessions(): readonly ModelSession[] {
    return [...this.sessions.values()];
  }

  isRunning(uri: vscode.Uri, strategy: AttentionQdq): boolean {
    return this.session(uri)?.running.has(strategy) ?? false;
  }

  /** Cancels the model's compiles and drops its results (its view closed or its file went away). */
  forget(uri: vscode.Uri): void {
    const s = this.session(uri);
    if (!s) return;
    for (const r of s.running.values()) r.controller.abort();
    this.sessions.delete(uri.toString());
    this.emitter.fire({ kind: 'forgotten', uri });
  }

  async compile(uri: vscode.Uri, strategy: AttentionQdq, options: CompileOptions): Promise<CompileOutcome> {
    const key = uri.toString();
    let session = this.sessions.get(key);
    if (!session) {
      session = new ModelSession(uri);
      this.sessions.set(key, session);
    }
    session.running.get(strategy)?.controller.abort();
    const controller = new AbortController();
    const generation = ++this.generation;
    session.running.set(strategy, { controller, generation });
    if (options.signal?.aborted) controller.abort();
    options.signal?.addEventListener('abort', () => controller.abort(), { once: true });
    const base = { uri, strategy, primary: this.primaryStrategy(uri) === strategy };
    this.emitter.fire({ ...base, kind: 'started' });

    const title = `Compile fp8: ${basename(uri.path)}${strategy === 'keep' ? ' (attention Q/DQ kept)' : ''}`;
    const work = (): Promise<RunResult> => this.run(uri, strategy, controller.signal);
    let result: RunResult;
    try {
      if (options.progress === 'notification') {
        result = await this.vs.window.withProgress({ location: this.vs.ProgressLocation.Notification, title, cancellable: true }, (_progress, token) => {
          token.onCancellationRequested(() => controller.abort());
          return work();
        });
      } else if (options.progress === 'window') {
        result = await this.vs.window.withProgress({ location: this.vs.ProgressLocation.Window, title }, work);
      } else {
        result = await work();
      }
    } catch (e) {
      result = { kind: 'failed', failure: this.failure(uri, strategy, { kind: 'internal', file: uri.fsPath, cause: (e as Error)?.message ?? String(e) }) };
    }

    // A newer compile of the same model and strategy, or forget(), superseded this one: stay quiet.
    if (this.sessions.get(key) !== session || session.running.get(strategy)?.generation !== generation) return 'cancelled';
    session.running.delete(strategy);
    switch (result.kind) {
      case 'compiled':
        session.results.set(strategy, result.record);
        session.failures.delete(strategy);
        this.emitter.fire({ ...base, kind: 'compiled', record: result.record });
        return 'compiled';
      case 'failed':
        session.failures.set(strategy, result.failure);
        this.emitter.fire({ ...base, kind: 'failed', failure: result.failure });
        return 'failed';
      case 'cancelled':
        this.emitter.fire({ ...base, kind: 'cancelled' });
        return 'cancelled';
      default:
        return result satisfies never;
    }
  }

  private failure(uri: vscode.Uri, strategy: AttentionQdq, f: Omit<CompileFailure, 'strategy' | 'at'>): CompileFailure {
    const where = [f.file, f.onnxNode !== undefined ? `node '${f.onnxNode}'${f.onnxOpType ? ` (${f.onnxOpType})` : ''}` : undefined].filter(Boolean).join(': ');
    this.log.error(`compile ${basename(uri.path)} [${strategy}] failed (${f.kind}): ${where}: ${f.cause}`);
    return { ...f, strategy, at: Date.now() };
  }

  private async run(uri: vscode.Uri, strategy: AttentionQdq, signal: AbortSignal): Promise<RunResult> {
    const fail = (f: Omit<CompileFailure, 'strategy' | 'at'>): RunResult => ({ kind: 'failed', failure: this.failure(uri, strategy, f) });
    if (uri.scheme !== 'file') {
      return fail({ kind: 'usage', file: uri.toString(), cause: `onnx-fp8 compiles files on disk; '${uri.scheme}:' resources are not supported` });
    }
    const model = uri.fsPath;
    const settings = this.settings(uri);
    const baseDir = this.vs.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? dirname(model);
    // Each retry drops one FP8 option the CLI does not know yet, so this ends.
    for (;;) {
      const args = compileArgs({ model, strategy, settings, baseDir, unsupported: this.unsupported });
      this.log.info(`compile ${basename(model)} [attention Q/DQ: ${strategy}]: ${this.launcher.cliPath} ${args.join(' ')}`);
      const r = await runCli(this.launcher, { args, cwd: dirname(model), timeoutMs: settings.timeoutMs, signal });
      switch (r.kind) {
        case 'cancelled':
          this.log.info(`compile ${basename(model)} [${strategy}] cancelled`);
          return { kind: 'cancelled' };
        case 'timeout':
          return fail({ kind: 'timeout', file: model, cause: `the compile took longer than ${r.timeoutMs / 1000} s (setting onnxFp8.compileTimeoutSeconds) and was stopped` });
        case 'spawn-error':
          return fail({ kind: 'spawn', file: model, cause: `could not start the onnx-fp8 CLI: ${r.message}` });
        case 'output-too-large':
          return fail({ kind: 'output', file: model, cause: `the CLI printed more than ${r.limitBytes >> 20} MiB of JSON` });
        case 'signalled':
          this.logStderr(r.stderr);
          return fail({ kind: 'internal', file: model, cause: `the onnx-fp8 CLI was stopped by ${r.signal} (out of memory?)` });
        case 'exited': {
          this.logStderr(r.stderr);
          if (r.code === 0) {
            try {
              const doc = parseCompileJson(r.stdout);
              const fp8 = !this.unsupported.has('fp8');
              const view: CompiledView = { strategy, fp8, program: doc.program, compiledAt: Date.now(), durationMs: r.durationMs, notes: this.notes() };
              const skipped = doc.program.instructions.filter((i) => i.quantization === 'skipped').length;
              const quantized = doc.program.instructions.filter((i) => i.quantization === 'quantized').length;
              this.log.info(`compiled ${basename(model)} [${strategy}] in ${r.durationMs} ms: ${doc.program.instructions.length} instructions, ${skipped} in the skip set, ${quantized} quantized`);
              return { kind: 'compiled', record: { view, text: doc.text } };
            } catch (e) {
              return fail({ kind: 'output', file: model, cause: (e as CliOutputError).message });
            }
          }
          const opt = r.code === 2 ? unknownOption(r.stderr) : undefined;
          if (opt !== undefined && isFp8Option(opt) && !this.unsupported.has(opt)) {
            this.unsupported.add(opt);
            this.log.warn(`this onnx-fp8 CLI does not know --${opt}; compiling without it`);
            continue;
          }
          const e = parseCliError(r.stderr, r.code, model);
          return fail(e.kind === 'usage' ? { ...e, cause: `${e.cause} (check the onnxFp8.* settings)` } : e);
        }
        default:
          return r satisfies never;
      }
    }
  }

  private notes(): string[] {
    if (this.unsupported.has('fp8')) {
      return ['This onnx-fp8 CLI has no --fp8 option yet: the program is shown without FP8 quantization, so skip and keep look the same.'];
    }
    return [...this.unsupported].map((o) => `This onnx-fp8 CLI has no --${o} option: that setting was not applied.`);
  }

  private logStderr(stderr: string): void {
    for (const line of stderr.split(/\r?\n/)) if (line.trim() !== '') this.log.warn(`cli: ${line}`);
  }

  dispose(): void {
    for (const s of this.sessions.values()) for (const r of s.running.values()) r.controller.abort();
    this.sessions.clear();
    this.emitter.dispose();
  }
}
