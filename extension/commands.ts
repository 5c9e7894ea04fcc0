// The commands: Compile fp8 (a model, or every model selected in the explorer), Show compiled IR (the
// read-only IR text), Compile fp8 for the whole workspace (files.exclude honoured, progress, cancel), Run
// WebGPU perf (the FP8 Perf panel), and the internal reveal command CodeLenses use. Handlers only route:
// compiling is CompileService's job, measuring PerfService's.

import { basename } from 'node:path';
import type { AttentionQdq } from '../src/protocol/messages.js';
import type { CompileOutcome, CompileService } from './compile-service.js';
import { failureMessage } from './diagnostics.js';
import { REVEAL_COMMAND } from './ir-document.js';
import { IR_VIEW_TYPE, type IrEditorProvider, type OpenIrText } from './ir-editor.js';
import { irUri, parseIrUri } from './ir-uri.js';
import { MANAGE_TRUST_COMMAND, type PerfPanelProvider, RUN_PERF_COMMAND } from './perf-panel.js';
import type { PerfService } from './perf-service.js';
import type { Vscode, vscode } from './vscode-api.js';

export const COMMANDS = {
  compile: 'onnxFp8.compile',
  showCompiledIr: 'onnxFp8.showCompiledIr',
  compileWorkspace: 'onnxFp8.compileWorkspace',
  runPerf: RUN_PERF_COMMAND,
  revealInstruction: REVEAL_COMMAND,
} as const;

function isModel(u: vscode.Uri): boolean {
  return u.path.toLowerCase().endsWith('.onnx');
}

/** Opens a model's IR text document (compiled or compiling) at a 1-based line, beside the active editor. */
export function irTextOpener(vs: Vscode): OpenIrText {
  return async (model, strategy, line) => {
    const doc = await vs.workspace.openTextDocument(irUri(vs, model, strategy));
    const at = new vs.Position(Math.max(0, line - 1), 0);
    await vs.window.showTextDocument(doc, { preview: true, viewColumn: vs.ViewColumn.Beside, selection: new vs.Range(at, at) });
    return true;
  };
}

export interface CommandDeps {
  readonly vs: Vscode;
  readonly service: CompileService;
  readonly editor: IrEditorProvider;
  readonly log: vscode.LogOutputChannel;
  readonly openIrText: OpenIrText;
  /** How many models the workspace command compiles at once. */
  readonly concurrency: number;
  readonly perf: PerfService;
  readonly perfPanel: PerfPanelProvider;
}

export function registerCommands(d: CommandDeps): vscode.Disposable {
  const { vs, service, editor, log } = d;

  const asModel = (u: vscode.Uri): vscode.Uri | undefined => parseIrUri(vs, u)?.model ?? (isModel(u) ? u : undefined);

  /** The models a command applies to: the explorer selection, the clicked resource, else the active tab. */
  const targets = (uri: unknown, selected: unknown): vscode.Uri[] => {
    if (Array.isArray(selected) && selected.length > 1) {
      return selected.filter((u): u is vscode.Uri => u instanceof vs.Uri).flatMap((u) => asModel(u) ?? []);
    }
    if (uri instanceof vs.Uri) return [asModel(uri)].flatMap((u) => u ?? []);
    const input: unknown = vs.window.tabGroups.activeTabGroup.activeTab?.input;
    const active = typeof input === 'object' && input !== null && 'uri' in input && input.uri instanceof vs.Uri ? input.uri : vs.window.activeTextEditor?.document.uri;
    return [active && asModel(active)].flatMap((u) => u ?? []);
  };

  const reportFailure = (uri: vscode.Uri, strategy: AttentionQdq): void => {
    const f = service.session(uri)?.failures.get(strategy);
    if (!f) return;
    void vs.window.showErrorMessage(`Compile fp8 failed: ${f.file}: ${failureMessage(f)}`, 'Show Log').then((choice) => {
      if (choice === 'Show Log') log.show(true);
    });
  };

  const compileOne = async (uri: vscode.Uri): Promise<CompileOutcome> => {
    const primary = service.primaryStrategy(uri);
    const session = service.session(uri);
    // The compare side, if the view shows one, is recompiled too (quietly).
    const other: AttentionQdq = primary === 'skip' ? 'keep' : 'skip';
    if (session?.results.has(other)) void service.compile(uri, other, { progress: 'window' });
    // Start first, then open: the view finds the compile running and does not start its own.
    const done = service.compile(uri, primary, { progress: 'notification' });
    await vs.commands.executeCommand('vscode.openWith', uri, IR_VIEW_TYPE);
    const outcome = await done;
    if (outcome === 'failed') reportFailure(uri, primary);
    return outcome;
  };

  const compileMany = async (uris: readonly vscode.Uri[], title: string): Promise<void> => {
    const counts = { compiled: 0, failed: 0, cancelled: 0 };
    let done = 0;
    let stopped = false;
    await vs.window.withProgress({ location: vs.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      const controller = new AbortController();
      token.onCancellationRequested(() => {
        stopped = true;
        controller.abort();
      });
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < uris.length && !controller.signal.aborted) {
          const uri = uris[next++]!;
          const outcome = await service.compile(uri, service.primaryStrategy(uri), { progress: 'none', signal: controller.signal });
          counts[outcome]++;
          done++;
          progress.report({ increment: 100 / uris.length, message: `${done}/${uris.length} ${basename(uri.path)}` });
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, Math.min(d.concurrency, uris.length)) }, worker));
    });
    const summary = `Compile fp8: ${counts.compiled} of ${uris.length} models compiled${counts.failed > 0 ? `, ${counts.failed} failed (see the Problems panel)` : ''}${stopped ? `; cancelled after ${done}` : ''}.`;
    log.info(summary);
    if (counts.failed > 0) void vs.window.showWarningMessage(summary);
    else void vs.window.showInformationMessage(summary);
  };

  const compile = async (uri?: unknown, selected?: unknown): Promise<void> => {
    const models = targets(uri, selected);
    if (models.length === 0) {
      void vs.window.showErrorMessage('Compile fp8: select an .onnx file in the explorer or open one first.');
      return;
    }
    if (models.length === 1) await compileOne(models[0]!);
    else await compileMany(models, `Compile fp8: ${models.length} models`);
  };

  const showCompiledIr = async (uri?: unknown): Promise<void> => {
    const model = targets(uri, undefined)[0];
    if (!model) {
      void vs.window.showErrorMessage('Show compiled IR: select an .onnx file in the explorer or open one first.');
      return;
    }
    const strategy = service.primaryStrategy(model);
    if (!service.session(model)?.results.has(strategy)) {
      const outcome = await service.compile(model, strategy, { progress: 'notification' });
      if (outcome === 'failed') reportFailure(model, strategy);
      if (outcome !== 'compiled') return;
    }
    await d.openIrText(model, strategy, 1);
  };

  const compileWorkspace = async (): Promise<void> => {
    const models = await vs.workspace.findFiles('**/*.onnx');
    if (models.length === 0) {
      void vs.window.showInformationMessage('Compile fp8: no .onnx files in this workspace (files.exclude applies).');
      return;
    }
    const sorted = [...models].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    await compileMany(sorted, 'Compile fp8: workspace');
  };

  /** Runs perf on the model (the settings' strategy) in the FP8 Perf panel; resolves when the run ends. */
  const runPerf = async (uri?: unknown, selected?: unknown): Promise<void> => {
    const model = targets(uri, selected)[0];
    if (!model) {
      void vs.window.showErrorMessage('Run WebGPU perf: select an .onnx file in the explorer or open one first.');
      return;
    }
    const start = d.perf.start(model, 'single');
    if (!start.started) {
      if (start.refusal === 'untrusted') {
        void vs.window.showWarningMessage(start.reason, 'Manage Workspace Trust').then((choice) => {
          if (choice === 'Manage Workspace Trust') void vs.commands.executeCommand(MANAGE_TRUST_COMMAND);
        });
      } else {
        void vs.window.showErrorMessage(`Run WebGPU perf: ${start.reason}`);
      }
      return;
    }
    await d.perfPanel.reveal();
    await start.done;
  };

  const reveal = async (model?: unknown, strategy?: unknown, name?: unknown): Promise<void> => {
    if (typeof model !== 'string' || (strategy !== 'skip' && strategy !== 'keep') || typeof name !== 'string') return;
    await editor.reveal(vs.Uri.parse(model, true), strategy, name);
  };

  return vs.Disposable.from(
    vs.commands.registerCommand(COMMANDS.compile, compile),
    vs.commands.registerCommand(COMMANDS.showCompiledIr, showCompiledIr),
    vs.commands.registerCommand(COMMANDS.compileWorkspace, compileWorkspace),
    vs.commands.registerCommand(COMMANDS.runPerf, runPerf),
    vs.commands.registerCommand(COMMANDS.revealInstruction, reveal),
  );
}
