// The "FP8 Perf" panel: a WebviewView in the bottom panel hosting dist/webview/perf-panel.js. It shows
// the perf runs of PerfService (progress, the per-kernel table and chart, skip vs keep, past runs) and
// asks it to run, cancel or clear. It talks to the page only through the perf unions of
// src/protocol/messages.ts, sends nothing until the page says `ready`, and everything again after each
// reload (the view is not kept alive while hidden).

import { basename } from 'node:path';
import { isFromPerfPanelMessage, type ToPerfPanelMessage } from '../src/protocol/messages.js';
import { CONFIG_SECTION, readSettings } from './compile-options.js';
import { readPerfSettings } from './perf-options.js';
import type { PerfEvent, PerfService } from './perf-service.js';
import type { Vscode, vscode } from './vscode-api.js';
import { makeNonce, webviewHtml } from './webview-html.js';

export const PERF_VIEW_ID = 'onnxFp8.perfPanel';
export const RUN_PERF_COMMAND = 'onnxFp8.runPerf';
/** VS Code's own command that opens the workspace trust editor. */
export const MANAGE_TRUST_COMMAND = 'workbench.trust.manage';

export class PerfPanelProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private ready = false;
  private readonly disposables: vscode.Disposable[] = [];
  private viewDisposables: vscode.Disposable[] = [];

  static register(vs: Vscode, extensionUri: vscode.Uri, perf: PerfService, log: vscode.LogOutputChannel): PerfPanelProvider {
    const provider = new PerfPanelProvider(vs, extensionUri, perf, log);
    provider.disposables.push(vs.window.registerWebviewViewProvider(PERF_VIEW_ID, provider, { webviewOptions: { retainContextWhenHidden: false } }));
    return provider;
  }

  private constructor(
    private readonly vs: Vscode,
    private readonly extensionUri: vscode.Uri,
    private readonly perf: PerfService,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.disposables.push(
      perf.onDidChange((e) => this.onPerfEvent(e)),
      vs.workspace.onDidGrantWorkspaceTrust(() => this.sendTarget()),
      vs.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(CONFIG_SECTION)) this.sendTarget();
      }),
    );
  }

  /** Brings the panel to the front (VS Code resolves the view if it was never shown). */
  async reveal(): Promise<void> {
    if (this.view) {
      this.view.show(true);
      return;
    }
    try {
      await this.vs.commands.executeCommand(`${PERF_VIEW_ID}.focus`);
    } catch (e) {
      this.log.warn(`could not open the FP8 Perf panel: ${String(e)}`);
    }
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    for (const d of this.viewDisposables) d.dispose();
    this.view = view;
    this.ready = false;
    const dist = this.vs.Uri.joinPath(this.extensionUri, 'dist', 'webview');
    view.webview.options = { enableScripts: true, localResourceRoots: [dist, this.vs.Uri.joinPath(this.extensionUri, 'media')] };
    view.webview.html = webviewHtml({
      cspSource: view.webview.cspSource,
      nonce: makeNonce(),
      scriptUri: view.webview.asWebviewUri(this.vs.Uri.joinPath(dist, 'perf-panel.js')).toString(),
      styleUri: view.webview.asWebviewUri(this.vs.Uri.joinPath(dist, 'perf-panel.css')).toString(),
      title: 'FP8 Perf',
      rootId: 'perf',
    });
    this.viewDisposables = [
      view.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      // A hidden view's page is torn down; it says `ready` again when shown.
      view.onDidChangeVisibility(() => {
        if (!view.visible) this.ready = false;
      }),
      view.onDidDispose(() => {
        if (this.view === view) {
          this.view = undefined;
          this.ready = false;
        }
      }),
    ];
  }

  private post(message: ToPerfPanelMessage): void {
    if (this.ready && this.view) void this.view.webview.postMessage(message);
  }

  private sendTarget(): void {
    const uri = this.perf.target;
    const settings = readSettings(this.vs.workspace.getConfiguration(CONFIG_SECTION, uri));
    const perf = readPerfSettings(this.vs.workspace.getConfiguration(CONFIG_SECTION, uri));
    this.post({
      type: 'perfTarget',
      ...(uri ? { fileName: basename(uri.fsPath) } : {}),
      trusted: this.vs.workspace.isTrusted,
      attentionQdq: settings.attentionQdq,
      iterations: perf.iterations,
    });
  }

  private sendAll(): void {
    this.sendTarget();
    this.post({ type: 'perfHistory', runs: this.perf.history.all() });
    const r = this.perf.running();
    if (r) {
      this.post({ type: 'perfStarted', run: r.running });
      if (r.progress) this.post({ type: 'perfProgress', progress: r.progress });
    }
  }

  private onPerfEvent(e: PerfEvent): void {
    switch (e.kind) {
      case 'started':
        this.post({ type: 'perfStarted', run: e.run });
        return;
      case 'progress':
        this.post({ type: 'perfProgress', progress: e.progress });
        return;
      case 'finished':
        this.post({ type: 'perfFinished', run: e.run });
        return;
      case 'history':
        this.post({ type: 'perfHistory', runs: this.perf.history.all() });
        return;
      case 'target':
        this.sendTarget();
        return;
      default:
        return e satisfies never;
    }
  }

  private onMessage(raw: unknown): void {
    if (!isFromPerfPanelMessage(raw)) {
      this.log.warn(`FP8 Perf panel sent a malformed message: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    switch (raw.type) {
      case 'ready':
        this.ready = true;
        this.sendAll();
        return;
      case 'log':
        this.log[raw.level](`FP8 Perf panel: ${raw.message}`);
        return;
      case 'runPerf': {
        const s = this.perf.start(this.perf.target ?? this.activeModel(), raw.mode);
        this.post({ type: 'response', id: raw.id, request: 'runPerf', ok: true, result: s.started ? { started: true } : { started: false, reason: s.reason } });
        return;
      }
      case 'cancelPerf':
        this.post({ type: 'response', id: raw.id, request: 'cancelPerf', ok: true, result: { cancelled: this.perf.cancel() } });
        return;
      case 'clearPerfHistory': {
        const { id } = raw;
        this.perf.clearHistory().then(
          () => this.post({ type: 'response', id, request: 'clearPerfHistory', ok: true, result: { cleared: true } }),
          (e: unknown) => this.post({ type: 'response', id, request: 'clearPerfHistory', ok: false, error: String(e) }),
        );
        return;
      }
      case 'manageTrust': {
        const { id } = raw;
        Promise.resolve(this.vs.commands.executeCommand(MANAGE_TRUST_COMMAND)).then(
          () => this.post({ type: 'response', id, request: 'manageTrust', ok: true, result: { opened: true } }),
          (e: unknown) => this.post({ type: 'response', id, request: 'manageTrust', ok: false, error: String(e) }),
        );
        return;
      }
      default:
        return raw satisfies never;
    }
  }

  /** The .onnx of the active editor tab (a text editor or the IR view), if any. */
  private activeModel(): vscode.Uri | undefined {
    const input: unknown = this.vs.window.tabGroups.activeTabGroup.activeTab?.input;
    const uri = typeof input === 'object' && input !== null && 'uri' in input && input.uri instanceof this.vs.Uri ? input.uri : this.vs.window.activeTextEditor?.document.uri;
    return uri && uri.path.toLowerCase().endsWith('.onnx') ? uri : undefined;
  }

  dispose(): void {
    for (const d of this.viewDisposables) d.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
