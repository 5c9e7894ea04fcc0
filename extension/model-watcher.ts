// Recompiles a model that was compiled before (successfully or not) when its file changes on disk,
// debounced per file so a model written in several chunks compiles once. Watches `**/*.onnx` in the
// workspace, plus one watcher per compiled model that lies outside every workspace folder. A deleted
// model loses its diagnostics.

import { basename, dirname } from 'node:path';
import type { AttentionQdq } from '../src/protocol/messages.js';
import type { CompileService } from './compile-service.js';
import type { DiagnosticsPublisher } from './diagnostics.js';
import type { Vscode, vscode } from './vscode-api.js';

export const WATCH_DEBOUNCE_MS = 500;

/** Calls `fire(key)` once, `delayMs` after the last `trigger(key)`. */
export class Debouncer<K> {
  private readonly timers = new Map<K, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly delayMs: number,
    private readonly fire: (key: K) => void,
  ) {}

  trigger(key: K): void {
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.fire(key);
      }, this.delayMs),
    );
  }

  cancel(key: K): void {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
  }

  get pending(): number {
    return this.timers.size;
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}

export class ModelWatcher implements vscode.Disposable {
  private readonly debouncer: Debouncer<string>;
  private readonly uris = new Map<string, vscode.Uri>();
  private readonly outside = new Map<string, vscode.FileSystemWatcher>();
  private readonly disposables: vscode.Disposable[] = [];

  static register(vs: Vscode, service: CompileService, diagnostics: DiagnosticsPublisher, log: vscode.LogOutputChannel, delayMs = WATCH_DEBOUNCE_MS): ModelWatcher {
    return new ModelWatcher(vs, service, diagnostics, log, delayMs);
  }

  private constructor(
    private readonly vs: Vscode,
    private readonly service: CompileService,
    private readonly diagnostics: DiagnosticsPublisher,
    private readonly log: vscode.LogOutputChannel,
    delayMs: number,
  ) {
    this.debouncer = new Debouncer(delayMs, (key) => this.recompile(key));
    this.listen(vs.workspace.createFileSystemWatcher('**/*.onnx'));
    this.disposables.push(
      service.onDidChange((e) => {
        if (e.kind === 'started') this.watchOutside(e.uri);
        if (e.kind === 'forgotten') this.unwatch(e.uri);
      }),
    );
  }

  private listen(w: vscode.FileSystemWatcher): void {
    this.disposables.push(
      w,
      w.onDidChange((u) => this.changed(u)),
      w.onDidCreate((u) => this.changed(u)),
      w.onDidDelete((u) => this.deleted(u)),
    );
  }

  /** Models outside the workspace folders get a watcher of their own. */
  private watchOutside(uri: vscode.Uri): void {
    const key = uri.toString();
    if (uri.scheme !== 'file' || this.outside.has(key) || this.vs.workspace.getWorkspaceFolder(uri)) return;
    const w = this.vs.workspace.createFileSystemWatcher(new this.vs.RelativePattern(this.vs.Uri.file(dirname(uri.fsPath)), basename(uri.fsPath)));
    w.onDidChange((u) => this.changed(u));
    w.onDidCreate((u) => this.changed(u));
    w.onDidDelete((u) => this.deleted(u));
    this.outside.set(key, w);
  }

  private unwatch(uri: vscode.Uri): void {
    const key = uri.toString();
    this.debouncer.cancel(key);
    this.outside.get(key)?.dispose();
    this.outside.delete(key);
  }

  private changed(uri: vscode.Uri): void {
    const s = this.service.session(uri);
    if (!s || (s.results.size === 0 && s.failures.size === 0)) return;
    this.uris.set(uri.toString(), uri);
    this.debouncer.trigger(uri.toString());
  }

  private deleted(uri: vscode.Uri): void {
    this.debouncer.cancel(uri.toString());
    if (this.service.session(uri)) this.diagnostics.clear(uri);
  }

  private recompile(key: string): void {
    const uri = this.uris.get(key);
    const s = uri && this.service.session(uri);
    if (!uri || !s) return;
    const strategies = new Set<AttentionQdq>([...s.results.keys(), ...s.failures.keys()]);
    this.log.info(`${basename(uri.path)} changed on disk: recompiling (${[...strategies].join(', ')})`);
    for (const strategy of strategies) void this.service.compile(uri, strategy, { progress: 'window' });
  }

  dispose(): void {
    this.debouncer.dispose();
    for (const w of this.outside.values()) w.dispose();
    this.outside.clear();
    for (const d of this.disposables) d.dispose();
  }
}
