// The IR view: a read-only custom editor for *.onnx (priority "option": "Open With…", and opened by
// Compile fp8) hosting the webview bundle dist/webview/ir-view.js. The host talks to it only through
// src/protocol/messages.ts: it sends nothing until the webview says `ready` (and again after each
// reload, e.g. when the tab was hidden), then the model, the last results, failures and running compiles.
// Closing the editor forgets the model: its compiles stop and its diagnostics go away.

import { basename } from 'node:path';
import { ATTENTION_QDQ_VALUES, type AttentionQdq, isFromWebviewMessage, type ToWebviewMessage } from '../src/protocol/messages.js';
import type { CompileEvent, CompileService } from './compile-service.js';
import { CONFIG_SECTION } from './compile-options.js';
import type { Vscode, vscode } from './vscode-api.js';
import { makeNonce, webviewHtml } from './webview-html.js';

export const IR_VIEW_TYPE = 'onnxFp8.irView';

/** Opens the IR text document of a model at a 1-based line; provided by the commands module. */
export type OpenIrText = (model: vscode.Uri, strategy: AttentionQdq, line: number) => Promise<boolean>;

class ModelDocument implements vscode.CustomDocument {
  constructor(
    readonly uri: vscode.Uri,
    private readonly onDispose: () => void,
  ) {}
  dispose(): void {
    this.onDispose();
  }
}

/** One open IR view (one webview panel for one model). */
class IrView {
  private ready = false;
  private pendingReveal: { strategy: AttentionQdq; name: string } | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    readonly uri: vscode.Uri,
    readonly panel: vscode.WebviewPanel,
    private readonly service: CompileService,
    private readonly log: vscode.LogOutputChannel,
    private readonly openIrText: OpenIrText,
  ) {
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      // A hidden webview is torn down (no retainContextWhenHidden); it says `ready` again when shown.
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
      }),
    );
  }

  post(message: ToWebviewMessage): void {
    if (this.ready) void this.panel.webview.postMessage(message);
  }

  reveal(strategy: AttentionQdq, name: string): void {
    this.panel.reveal();
    if (this.ready) this.post({ type: 'reveal', strategy, name });
    else this.pendingReveal = { strategy, name };
  }

  /** Everything the webview needs after (re)loading. */
  private sendAll(): void {
    this.post({ type: 'model', fileName: basename(this.uri.path), primary: this.service.primaryStrategy(this.uri) });
    const session = this.service.session(this.uri);
    for (const s of ATTENTION_QDQ_VALUES) {
      const record = session?.results.get(s);
      if (record) this.post({ type: 'compiled', view: record.view });
      // A failure is dropped when a later compile succeeds, so one that is still here is the newest news.
      const failure = session?.failures.get(s);
      if (failure) this.post({ type: 'compileFailed', failure });
      if (session?.running.has(s)) this.post({ type: 'compileStarted', strategy: s });
    }
    if (this.pendingReveal) {
      this.post({ type: 'reveal', ...this.pendingReveal });
      this.pendingReveal = undefined;
    }
  }

  onCompileEvent(e: CompileEvent): void {
    switch (e.kind) {
      case 'started':
        this.post({ type: 'compileStarted', strategy: e.strategy });
        return;
      case 'compiled':
        this.post({ type: 'compiled', view: e.record.view });
        return;
      case 'failed':
        this.post({ type: 'compileFailed', failure: e.failure });
        return;
      case 'cancelled':
        this.post({ type: 'compileCancelled', strategy: e.strategy });
        return;
      case 'forgotten':
        return;
      default:
        return e satisfies never;
    }
  }

  private onMessage(raw: unknown): void {
    if (!isFromWebviewMessage(raw)) {
      this.log.warn(`IR view sent a malformed message: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    switch (raw.type) {
      case 'ready':
        this.ready = true;
        this.sendAll();
        return;
      case 'log':
        this.log[raw.level](`IR view: ${raw.message}`);
        return;
      case 'compile': {
        const { id } = raw;
        this.service.compile(this.uri, raw.strategy, { progress: 'notification' }).then(
          (outcome) => this.post({ type: 'response', id, request: 'compile', ok: true, result: { outcome } }),
          (e: unknown) => this.post({ type: 'response', id, request: 'compile', ok: false, error: String(e) }),
        );
        return;
      }
      case 'openIrText': {
        const { id } = raw;
        this.openIrText(this.uri, raw.strategy, raw.line).then(
          (opened) => this.post({ type: 'response', id, request: 'openIrText', ok: true, result: { opened } }),
          (e: unknown) => this.post({ type: 'response', id, request: 'openIrText', ok: false, error: String(e) }),
        );
        return;
      }
      default:
        return raw satisfies never;
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

export class IrEditorProvider implements vscode.CustomReadonlyEditorProvider<ModelDocument>, vscode.Disposable {
  private readonly views = new Map<string, IrView>();
  private readonly disposables: vscode.Disposable[] = [];

  static register(vs: Vscode, extensionUri: vscode.Uri, service: CompileService, log: vscode.LogOutputChannel, openIrText: OpenIrText): IrEditorProvider {
    const provider = new IrEditorProvider(vs, extensionUri, service, log, openIrText);
    provider.disposables.push(
      vs.window.registerCustomEditorProvider(IR_VIEW_TYPE, provider, {
        webviewOptions: { retainContextWhenHidden: false },
        supportsMultipleEditorsPerDocument: false,
      }),
    );
    return provider;
  }

  private constructor(
    private readonly vs: Vscode,
    private readonly extensionUri: vscode.Uri,
    private readonly service: CompileService,
    private readonly log: vscode.LogOutputChannel,
    private readonly openIrText: OpenIrText,
  ) {
    this.disposables.push(
      service.onDidChange((e) => this.views.get(e.uri.toString())?.onCompileEvent(e)),
      vs.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(CONFIG_SECTION)) this.onSettingsChanged();
      }),
    );
  }

  /** True when a model has an open IR view. */
  has(uri: vscode.Uri): boolean {
    return this.views.has(uri.toString());
  }

  /** Selects an instruction in the model's IR view, opening the view if needed. */
  async reveal(uri: vscode.Uri, strategy: AttentionQdq, name: string): Promise<void> {
    if (!this.views.has(uri.toString())) await this.vs.commands.executeCommand('vscode.openWith', uri, IR_VIEW_TYPE);
    this.views.get(uri.toString())?.reveal(strategy, name);
  }

  openCustomDocument(uri: vscode.Uri): ModelDocument {
    return new ModelDocument(uri, () => this.service.forget(uri));
  }

  resolveCustomEditor(document: ModelDocument, panel: vscode.WebviewPanel): void {
    const uri = document.uri;
    const dist = this.vs.Uri.joinPath(this.extensionUri, 'dist', 'webview');
    panel.webview.options = { enableScripts: true, localResourceRoots: [dist, this.vs.Uri.joinPath(this.extensionUri, 'media')] };
    panel.webview.html = webviewHtml({
      cspSource: panel.webview.cspSource,
      nonce: makeNonce(),
      scriptUri: panel.webview.asWebviewUri(this.vs.Uri.joinPath(dist, 'ir-view.js')).toString(),
      styleUri: panel.webview.asWebviewUri(this.vs.Uri.joinPath(dist, 'ir-view.css')).toString(),
      title: `FP8 IR: ${basename(uri.path)}`,
      rootId: 'ir',
    });
    const view = new IrView(uri, panel, this.service, this.log, this.openIrText);
    this.views.set(uri.toString(), view);
    panel.onDidDispose(() => {
      view.dispose();
      if (this.views.get(uri.toString()) === view) this.views.delete(uri.toString());
    });
    // Opened with "Open With…" on a model never compiled: compile it (Compile fp8 starts one itself).
    const primary = this.service.primaryStrategy(uri);
    const session = this.service.session(uri);
    if (!session?.results.has(primary) && !session?.failures.has(primary) && !session?.running.has(primary)) {
      void this.service.compile(uri, primary, { progress: 'notification' });
    }
  }

  /** Settings changed: each open view switches primary strategy and recompiles what it shows. */
  private onSettingsChanged(): void {
    for (const view of this.views.values()) {
      const primary = this.service.primaryStrategy(view.uri);
      view.post({ type: 'model', fileName: basename(view.uri.path), primary });
      const session = this.service.session(view.uri);
      const strategies = new Set<AttentionQdq>([primary, ...(session?.results.keys() ?? [])]);
      for (const s of strategies) void this.service.compile(view.uri, s, { progress: 'window' });
    }
  }

  dispose(): void {
    for (const v of this.views.values()) v.dispose();
    this.views.clear();
    for (const d of this.disposables) d.dispose();
  }
}
