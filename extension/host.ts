// Wires the extension together from an injected `vscode` API and CLI launcher: the log channel, the
// compile service, diagnostics, the IR text document, the IR view, the file watcher and the commands.
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
  context.subscriptions.push(
    log,
    service,
    diagnostics,
    IrDocumentProvider.register(vs, service),
    editor,
    watcher,
    registerCommands({ vs, service, editor, log, openIrText, concurrency }),
  );
  return { service, editor, diagnostics, watcher, log };
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
