// Wires the extension together from an injected `vscode` API and CLI launcher: the log channel, the
// compile service, diagnostics, the IR text document, the IR view, the file watcher, the perf service and
// its panel, and the commands.
// extension.ts calls this with the real API; tests call it with a fake (test/extension/fake-vscode.ts).
// Activation registers things and starts nothing; the first compile spawns the first child process.

import { availableParallelism } from 'node:os';
import type { CliLauncher } from './cli-process.js';
import { irTextOpener, registerCommands } from './commands.js';
import { CompileService } from './compile-service.js';
import { DiagnosticsPublisher } from './diagnostics.js';
import { IrDocumentProvider } from './ir-document.js';
import { IrEditorProvider } from './ir-editor.js';
import { ModelWatcher, WATCH_DEBOUNCE_MS } from './model-watcher.js';
import { PerfHistory } from './perf-history.js';
import { PerfPanelProvider } from './perf-panel.js';
import { PerfService } from './perf-service.js';
import type { Vscode, vscode } from './vscode-api.js';

export interface HostDeps {
  readonly launcher: CliLauncher;
  /** Models the workspace command compiles at once (default: cores − 1, at most 4). */
  readonly concurrency?: number;
  readonly watchDebounceMs?: number;
}

/** What activation built; tests reach into it, extension.ts ignores it. */
export interface Host {
  readonly service: CompileService;
  readonly editor: IrEditorProvider;
  readonly diagnostics: DiagnosticsPublisher;
  readonly watcher: ModelWatcher;
  readonly perf: PerfService;
  readonly perfPanel: PerfPanelProvider;
  readonly log: vscode.LogOutputChannel;
}

export function activateWith(vs: Vscode, context: vscode.ExtensionContext, deps: HostDeps): Host {
  const log = vs.window.createOutputChannel('ONNX FP8', { log: true });
  const service = new CompileService(vs, log, deps.launcher);
  const diagnostics = DiagnosticsPublisher.register(vs, service);
  const openIrText = irTextOpener(vs);
  const editor = IrEditorProvider.register(vs, context.extensionUri, service, log, openIrText);
  const watcher = ModelWatcher.register(vs, service, diagnostics, log, deps.watchDebounceMs ?? WATCH_DEBOUNCE_MS);
  const concurrency = deps.concurrency ?? Math.max(1, Math.min(4, availableParallelism() - 1));
  const perf = new PerfService(vs, log, deps.launcher, new PerfHistory(context.workspaceState));
  const perfPanel = PerfPanelProvider.register(vs, context.extensionUri, perf, log);
  context.subscriptions.push(
    log,
    service,
    diagnostics,
    IrDocumentProvider.register(vs, service),
    editor,
    watcher,
    perf,
    perfPanel,
    registerCommands({ vs, service, editor, log, openIrText, concurrency, perf, perfPanel }),
  );
  return { service, editor, diagnostics, watcher, perf, perfPanel, log };
}

// Re-exported for the unit tests, which load this module as one bundle.
export { runCli, KILL_GRACE_MS } from './cli-process.js';
export { parseCliError, parseCompileJson, unknownOption } from './cli-output.js';
export { compileArgs, readSettings } from './compile-options.js';
export { placeDiagnostics, failureMessage, FAILURE_CODES } from './diagnostics.js';
export { describeInstruction } from './ir-document.js';
export { irUri, parseIrUri, IR_SCHEME } from './ir-uri.js';
export { IR_VIEW_TYPE } from './ir-editor.js';
export { COMMANDS } from './commands.js';
export { Debouncer } from './model-watcher.js';
export { webviewHtml, contentSecurityPolicy, escapeHtml, makeNonce } from './webview-html.js';
export { parsePerfJson, parsePerfError } from './perf-output.js';
export { perfArgs, perfLauncher, readPerfSettings, DEFAULT_PERF_ITERATIONS } from './perf-options.js';
export { PERF_VIEW_ID, RUN_PERF_COMMAND } from './perf-panel.js';
export { PERF_HISTORY_KEY, MAX_PERF_RUNS } from './perf-history.js';
export { PERF_TICK_MS, UNTRUSTED_REASON } from './perf-service.js';
