// A small fake of the `vscode` API: just what extension/ uses, with recorders tests can read (registered
// commands, diagnostics per URI, progress notifications with a cancel button, messages shown, webview
// panels and views and what was posted to them, file watchers whose events tests fire, workspace trust,
// the workspace state). Passed to activateWith() through the `Vscode` seam (extension/vscode-api.ts);
// nothing here imports the real module.

import type { Vscode } from '../../extension/vscode-api.js';

type Listener<T> = (value: T) => unknown;

export class Disposable {
  constructor(private readonly fn: () => void = () => {}) {}
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => items.forEach((d) => d.dispose()));
  }
  dispose(): void {
    this.fn();
  }
}

export class EventEmitter<T> {
  private listeners: Listener<T>[] = [];
  readonly event = (listener: Listener<T>): Disposable => {
    this.listeners.push(listener);
    return new Disposable(() => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    });
  };
  fire(value: T): void {
    for (const l of [...this.listeners]) l(value);
  }
  get listenerCount(): number {
    return this.listeners.length;
  }
  dispose(): void {
    this.listeners = [];
  }
}

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly authority: string,
    readonly path: string,
    readonly query: string,
    readonly fragment: string,
  ) {}
  static file(path: string): Uri {
    return new Uri('file', '', path, '', '');
  }
  static from(c: { scheme: string; authority?: string; path?: string; query?: string; fragment?: string }): Uri {
    return new Uri(c.scheme, c.authority ?? '', c.path ?? '', c.query ?? '', c.fragment ?? '');
  }
  static parse(s: string): Uri {
    const m = /^([a-z][\w+.-]*):(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/i.exec(s);
    if (!m) throw new Error(`bad uri ${s}`);
    return new Uri(m[1]!, m[2] ?? '', decodeURIComponent(m[3] ?? ''), decodeURIComponent(m[4] ?? ''), decodeURIComponent(m[5] ?? ''));
  }
  static joinPath(base: Uri, ...parts: string[]): Uri {
    return new Uri(base.scheme, base.authority, [base.path.replace(/\/$/, ''), ...parts].join('/'), base.query, base.fragment);
  }
  get fsPath(): string {
    return this.path;
  }
  with(c: { scheme?: string; path?: string; query?: string }): Uri {
    return new Uri(c.scheme ?? this.scheme, this.authority, c.path ?? this.path, c.query ?? this.query, this.fragment);
  }
  toString(): string {
    const enc = (s: string): string => encodeURIComponent(s).replace(/%2F/g, '/');
    return `${this.scheme}:${this.authority || this.scheme === 'file' ? `//${this.authority}` : ''}${enc(this.path)}${this.query ? `?${encodeURIComponent(this.query)}` : ''}${this.fragment ? `#${encodeURIComponent(this.fragment)}` : ''}`;
  }
}

export class Position {
  constructor(
    readonly line: number,
    readonly character: number,
  ) {}
}

export class Range {
  readonly start: Position;
  readonly end: Position;
  constructor(a: number | Position, b: number | Position, c?: number, d?: number) {
    if (typeof a === 'number' && typeof b === 'number') {
      this.start = new Position(a, b);
      this.end = new Position(c ?? a, d ?? b);
    } else {
      this.start = a as Position;
      this.end = b as Position;
    }
  }
}

export const DiagnosticSeverity = { Error: 0, Warning: 1, Information: 2, Hint: 3 } as const;

export class Location {
  constructor(
    readonly uri: Uri,
    readonly range: Range,
  ) {}
}

export class DiagnosticRelatedInformation {
  constructor(
    readonly location: Location,
    readonly message: string,
  ) {}
}

export class Diagnostic {
  code: string | undefined;
  source: string | undefined;
  relatedInformation: DiagnosticRelatedInformation[] | undefined;
  constructor(
    readonly range: Range,
    readonly message: string,
    readonly severity: number,
  ) {}
}

export class CodeLens {
  constructor(
    readonly range: Range,
    readonly command?: { title: string; command: string; arguments?: unknown[] },
  ) {}
}

export class MarkdownString {
  value = '';
  appendText(s: string): this {
    this.value += s.replace(/[\\`*_{}[\]()#+\-.!<>|~]/g, '\\$&');
    return this;
  }
  appendMarkdown(s: string): this {
    this.value += s;
    return this;
  }
}

export class Hover {
  constructor(readonly contents: MarkdownString) {}
}

export class RelativePattern {
  constructor(
    readonly base: Uri,
    readonly pattern: string,
  ) {}
}

export const ProgressLocation = { SourceControl: 1, Window: 10, Notification: 15 } as const;
export const ViewColumn = { Active: -1, Beside: -2, One: 1 } as const;

export interface LogLine {
  readonly level: string;
  readonly message: string;
}

export class FakeLog {
  readonly lines: LogLine[] = [];
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
  trace(message: string): void {
    this.lines.push({ level: 'trace', message });
  }
  debug(message: string): void {
    this.lines.push({ level: 'debug', message });
  }
  info(message: string): void {
    this.lines.push({ level: 'info', message });
  }
  warn(message: string): void {
    this.lines.push({ level: 'warn', message });
  }
  error(message: string): void {
    this.lines.push({ level: 'error', message });
  }
  show(): void {}
  dispose(): void {}
}

export class FakeToken {
  isCancellationRequested = false;
  private readonly emitter = new EventEmitter<void>();
  readonly onCancellationRequested = this.emitter.event;
  cancel(): void {
    this.isCancellationRequested = true;
    this.emitter.fire();
  }
}

export interface ProgressRecord {
  readonly options: { location: number; title?: string; cancellable?: boolean };
  readonly token: FakeToken;
  readonly reports: { message?: string; increment?: number }[];
  done: boolean;
}

export class FakeWebview {
  options: { enableScripts?: boolean; localResourceRoots?: Uri[] } = {};
  html = '';
  readonly cspSource = 'https://fake.vscode-cdn.net';
  readonly posted: unknown[] = [];
  private readonly received = new EventEmitter<unknown>();
  readonly onDidReceiveMessage = this.received.event;
  asWebviewUri(u: Uri): Uri {
    return Uri.from({ scheme: 'https', authority: 'fake.vscode-cdn.net', path: u.path });
  }
  postMessage(m: unknown): Promise<boolean> {
    this.posted.push(m);
    return Promise.resolve(true);
  }
  /** Test helper: the webview sends `m` to the host. */
  send(m: unknown): void {
    this.received.fire(m);
  }
}

export class FakePanel {
  readonly webview = new FakeWebview();
  visible = true;
  revealed = 0;
  private readonly disposed = new EventEmitter<void>();
  readonly onDidDispose = this.disposed.event;
  private readonly viewState = new EventEmitter<{ webviewPanel: FakePanel }>();
  readonly onDidChangeViewState = this.viewState.event;
  reveal(): void {
    this.revealed++;
  }
  setVisible(v: boolean): void {
    this.visible = v;
    this.viewState.fire({ webviewPanel: this });
  }
  dispose(): void {
    this.disposed.fire();
  }
}

/** A WebviewView (the perf panel), shown in the bottom panel. */
export class FakeWebviewView {
  readonly webview = new FakeWebview();
  visible = true;
  shown = 0;
  private readonly disposed = new EventEmitter<void>();
  readonly onDidDispose = this.disposed.event;
  private readonly visibility = new EventEmitter<void>();
  readonly onDidChangeVisibility = this.visibility.event;
  constructor(readonly viewType: string) {}
  show(): void {
    this.shown++;
  }
  setVisible(v: boolean): void {
    this.visible = v;
    this.visibility.fire();
  }
  dispose(): void {
    this.disposed.fire();
  }
}

interface WebviewViewProviderLike {
  resolveWebviewView(view: FakeWebviewView, context: unknown, token: unknown): void | Promise<void>;
}

/** context.workspaceState: a Memento kept in memory (share one between activations to model a restart). */
export class FakeMemento {
  readonly values = new Map<string, unknown>();
  updates = 0;
  keys(): string[] {
    return [...this.values.keys()];
  }
  get<T>(key: string, fallback?: T): T | undefined {
    return this.values.has(key) ? (JSON.parse(JSON.stringify(this.values.get(key))) as T) : fallback;
  }
  update(key: string, value: unknown): Promise<void> {
    this.updates++;
    if (value === undefined) this.values.delete(key);
    else this.values.set(key, JSON.parse(JSON.stringify(value)));
    return Promise.resolve();
  }
}

export class FakeWatcher {
  readonly change = new EventEmitter<Uri>();
  readonly create = new EventEmitter<Uri>();
  readonly del = new EventEmitter<Uri>();
  readonly onDidChange = this.change.event;
  readonly onDidCreate = this.create.event;
  readonly onDidDelete = this.del.event;
  disposed = false;
  constructor(readonly pattern: string | RelativePattern) {}
  dispose(): void {
    this.disposed = true;
  }
}

interface CustomEditorProviderLike {
  openCustomDocument(uri: Uri, context: unknown, token: unknown): { uri: Uri; dispose(): void } | Promise<{ uri: Uri; dispose(): void }>;
  resolveCustomEditor(doc: { uri: Uri; dispose(): void }, panel: FakePanel, token: unknown): void | Promise<void>;
}

interface ContentProviderLike {
  provideTextDocumentContent(uri: Uri): string;
  onDidChange?: (listener: (uri: Uri) => void) => { dispose(): void };
}

export interface FakeDocument {
  readonly uri: Uri;
  getText(): string;
}

export class FakeVscode {
  readonly commands = new Map<string, (...args: unknown[]) => unknown>();
  readonly executed: { command: string; args: unknown[] }[] = [];
  readonly diagnostics = new Map<string, Diagnostic[]>();
  readonly progress: ProgressRecord[] = [];
  readonly messages: { level: 'error' | 'warning' | 'info'; text: string }[] = [];
  readonly configuration = new Map<string, unknown>();
  readonly watchers: FakeWatcher[] = [];
  readonly contentProviders = new Map<string, ContentProviderLike>();
  readonly customEditors = new Map<string, CustomEditorProviderLike>();
  readonly codeLensProviders: unknown[] = [];
  readonly hoverProviders: unknown[] = [];
  readonly editors = new Map<string, { doc: { uri: Uri; dispose(): void }; panel: FakePanel }>();
  readonly shown: { doc: FakeDocument; options: unknown }[] = [];
  readonly logs: FakeLog[] = [];
  workspaceFolders: Uri[] = [Uri.file('/ws')];
  findFilesResult: Uri[] = [];
  readonly webviewViewProviders = new Map<string, WebviewViewProviderLike>();
  readonly webviewViews = new Map<string, FakeWebviewView>();
  /** workspace.isTrusted; grantTrust() also fires onDidGrantWorkspaceTrust. */
  trusted = true;
  /** What the next showWarningMessage/showErrorMessage resolves to (a button label). */
  messageChoice: string | undefined;
  private readonly configChanged = new EventEmitter<{ affectsConfiguration(section: string): boolean }>();
  private readonly trustGranted = new EventEmitter<void>();

  readonly context = { subscriptions: [] as { dispose(): unknown }[], extensionUri: Uri.file('/ext'), workspaceState: new FakeMemento() };

  grantTrust(): void {
    this.trusted = true;
    this.trustGranted.fire();
  }

  /** Shows a contributed webview view (as clicking its panel tab does): resolves it the first time. */
  async openView(viewId: string): Promise<FakeWebviewView> {
    const existing = this.webviewViews.get(viewId);
    if (existing) {
      existing.show();
      return existing;
    }
    const provider = this.webviewViewProviders.get(viewId);
    if (!provider) throw new Error(`no webview view provider ${viewId}`);
    const view = new FakeWebviewView(viewId);
    this.webviewViews.set(viewId, view);
    await provider.resolveWebviewView(view, {}, new FakeToken());
    return view;
  }

  /** Sets a setting (`onnxFp8.attentionQdq`) and fires onDidChangeConfiguration. */
  setConfiguration(key: string, value: unknown): void {
    this.configuration.set(key, value);
    this.configChanged.fire({ affectsConfiguration: (s) => key === s || key.startsWith(`${s}.`) });
  }

  /** The diagnostics on a URI, or [] */
  diagnosticsOn(uri: Uri): Diagnostic[] {
    return this.diagnostics.get(uri.toString()) ?? [];
  }

  async openWith(uri: Uri, viewType: string): Promise<FakePanel> {
    const existing = this.editors.get(uri.toString());
    if (existing) {
      existing.panel.reveal();
      return existing.panel;
    }
    const provider = this.customEditors.get(viewType);
    if (!provider) throw new Error(`no custom editor ${viewType}`);
    const doc = await provider.openCustomDocument(uri, {}, new FakeToken());
    const panel = new FakePanel();
    this.editors.set(uri.toString(), { doc, panel });
    await provider.resolveCustomEditor(doc, panel, new FakeToken());
    return panel;
  }

  /** Closes the custom editor of `uri` (panel, then document, as VS Code does). */
  closeEditor(uri: Uri): void {
    const e = this.editors.get(uri.toString());
    if (!e) return;
    this.editors.delete(uri.toString());
    e.panel.dispose();
    e.doc.dispose();
  }

  async execute(command: string, ...args: unknown[]): Promise<unknown> {
    return this.api.commands.executeCommand(command, ...args);
  }

  readonly api: Vscode;

  constructor() {
    const self = this;
    const api = {
      Uri,
      Position,
      Range,
      Location,
      Diagnostic,
      DiagnosticSeverity,
      DiagnosticRelatedInformation,
      CodeLens,
      Hover,
      MarkdownString,
      EventEmitter,
      Disposable,
      RelativePattern,
      ProgressLocation,
      ViewColumn,
      window: {
        createOutputChannel(name: string): FakeLog {
          const log = new FakeLog(name);
          self.logs.push(log);
          return log;
        },
        async withProgress<R>(
          options: ProgressRecord['options'],
          task: (progress: { report(v: { message?: string; increment?: number }): void }, token: FakeToken) => Promise<R>,
        ): Promise<R> {
          const rec: ProgressRecord = { options, token: new FakeToken(), reports: [], done: false };
          self.progress.push(rec);
          try {
            return await task({ report: (v) => rec.reports.push(v) }, rec.token);
          } finally {
            rec.done = true;
          }
        },
        showErrorMessage(text: string): Promise<string | undefined> {
          self.messages.push({ level: 'error', text });
          return Promise.resolve(self.messageChoice);
        },
        showWarningMessage(text: string): Promise<string | undefined> {
          self.messages.push({ level: 'warning', text });
          return Promise.resolve(self.messageChoice);
        },
        showInformationMessage(text: string): Promise<undefined> {
          self.messages.push({ level: 'info', text });
          return Promise.resolve(undefined);
        },
        registerCustomEditorProvider(viewType: string, provider: CustomEditorProviderLike): Disposable {
          self.customEditors.set(viewType, provider);
          return new Disposable(() => self.customEditors.delete(viewType));
        },
        registerWebviewViewProvider(viewId: string, provider: WebviewViewProviderLike): Disposable {
          if (self.webviewViewProviders.has(viewId)) throw new Error(`webview view ${viewId} registered twice`);
          self.webviewViewProviders.set(viewId, provider);
          return new Disposable(() => self.webviewViewProviders.delete(viewId));
        },
        showTextDocument(doc: FakeDocument, options: unknown): Promise<unknown> {
          self.shown.push({ doc, options });
          return Promise.resolve({ document: doc });
        },
        tabGroups: { activeTabGroup: { activeTab: undefined as { input: unknown } | undefined } },
        activeTextEditor: undefined,
      },
      workspace: {
        get isTrusted(): boolean {
          return self.trusted;
        },
        onDidGrantWorkspaceTrust: self.trustGranted.event,
        getConfiguration(section: string) {
          return { get: <T>(key: string): T | undefined => self.configuration.get(`${section}.${key}`) as T | undefined };
        },
        onDidChangeConfiguration: self.configChanged.event,
        getWorkspaceFolder(uri: Uri) {
          const f = self.workspaceFolders.find((w) => uri.path.startsWith(`${w.path}/`));
          return f ? { uri: f, name: f.path, index: 0 } : undefined;
        },
        createFileSystemWatcher(pattern: string | RelativePattern): FakeWatcher {
          const w = new FakeWatcher(pattern);
          self.watchers.push(w);
          return w;
        },
        findFiles(include: string): Promise<Uri[]> {
          if (include !== '**/*.onnx') throw new Error(`unexpected findFiles(${include})`);
          return Promise.resolve([...self.findFilesResult]);
        },
        registerTextDocumentContentProvider(scheme: string, provider: ContentProviderLike): Disposable {
          self.contentProviders.set(scheme, provider);
          return new Disposable(() => self.contentProviders.delete(scheme));
        },
        // Like VS Code, a document asks its provider for text when opened and again only when the
        // provider fires onDidChange for it.
        openTextDocument(uri: Uri): Promise<FakeDocument> {
          const p = self.contentProviders.get(uri.scheme);
          if (!p) throw new Error(`no content provider for ${uri.scheme}`);
          let text = p.provideTextDocumentContent(uri);
          p.onDidChange?.((u) => {
            if (u.toString() === uri.toString()) text = p.provideTextDocumentContent(uri);
          });
          return Promise.resolve({ uri, getText: () => text });
        },
      },
      languages: {
        createDiagnosticCollection() {
          return {
            set(uri: Uri, diags: Diagnostic[]): void {
              self.diagnostics.set(uri.toString(), [...diags]);
            },
            delete(uri: Uri): void {
              self.diagnostics.delete(uri.toString());
            },
            clear(): void {
              self.diagnostics.clear();
            },
            dispose(): void {
              self.diagnostics.clear();
            },
          };
        },
        registerCodeLensProvider(_selector: unknown, p: unknown): Disposable {
          self.codeLensProviders.push(p);
          return new Disposable();
        },
        registerHoverProvider(_selector: unknown, p: unknown): Disposable {
          self.hoverProviders.push(p);
          return new Disposable();
        },
      },
      commands: {
        registerCommand(id: string, fn: (...args: unknown[]) => unknown): Disposable {
          if (self.commands.has(id)) throw new Error(`command ${id} registered twice`);
          self.commands.set(id, fn);
          return new Disposable(() => self.commands.delete(id));
        },
        async executeCommand(id: string, ...args: unknown[]): Promise<unknown> {
          self.executed.push({ command: id, args });
          if (id === 'vscode.openWith') {
            await self.openWith(args[0] as Uri, args[1] as string);
            return undefined;
          }
          // VS Code's own commands the extension runs: a view's focus command and the trust editor.
          if (id.endsWith('.focus') && self.webviewViewProviders.has(id.slice(0, -'.focus'.length))) {
            await self.openView(id.slice(0, -'.focus'.length));
            return undefined;
          }
          if (id === 'workbench.trust.manage') return undefined;
          const fn = self.commands.get(id);
          if (!fn) throw new Error(`command '${id}' not found`);
          return fn(...args);
        },
      },
    };
    this.api = api as unknown as Vscode;
  }
}
