// The compiled IR as a read-only text document (`onnx-fp8-ir:` scheme), one printed instruction per line,
// so diagnostics can point at a line and the user can read, search and copy the program. Attention
// regions get a CodeLens at their first instruction; hovering a line explains what quantization did to it.
// A document whose model was never compiled (e.g. a tab restored after a reload) starts a compile.

import { basename } from 'node:path';
import type { CompactInstruction } from '../src/protocol/compact-ir.js';
import type { AttentionQdq } from '../src/protocol/messages.js';
import type { CompileRecord, CompileService } from './compile-service.js';
import { IR_SCHEME, irUri, parseIrUri } from './ir-uri.js';
import type { Vscode, vscode } from './vscode-api.js';

export const REVEAL_COMMAND = 'onnxFp8.revealInstruction';

/** What the hover says about one instruction (plain text lines; model strings are never markdown). */
export function describeInstruction(ins: CompactInstruction): string[] {
  const lines: string[] = [];
  switch (ins.quantization) {
    case 'skipped':
      lines.push(`Skip set: left out of FP8 Q/DQ${ins.attention ? ` (attention region ${ins.attention.region}, ${ins.attention.role})` : ''}.`);
      if (ins.attention?.reason) lines.push(`Why: ${ins.attention.reason}`);
      break;
    case 'quantized':
      lines.push(`Quantized to FP8${ins.scale !== undefined ? `, scale ${ins.scale}` : ''}.`);
      break;
    case 'none':
      lines.push('Not quantized.');
      break;
    default:
      return ins.quantization satisfies never;
  }
  if (ins.onnxNode !== undefined) lines.push(`ONNX node: ${ins.onnxNode}${ins.onnxOpType ? ` (${ins.onnxOpType})` : ''}`);
  lines.push(`Shape: ${ins.type} {${ins.lens.join(', ')}}`);
  if (ins.kernel !== undefined) lines.push(`Kernel: ${ins.kernel}`);
  return lines;
}

export class IrDocumentProvider implements vscode.TextDocumentContentProvider, vscode.CodeLensProvider, vscode.HoverProvider {
  private readonly changed: vscode.EventEmitter<vscode.Uri>;
  readonly onDidChange: vscode.Event<vscode.Uri>;
  private readonly lensesChanged: vscode.EventEmitter<void>;
  readonly onDidChangeCodeLenses: vscode.Event<void>;

  static register(vs: Vscode, service: CompileService): vscode.Disposable {
    const p = new IrDocumentProvider(vs, service);
    const sub = service.onDidChange((e) => {
      // NOTE: a forgotten model's open IR documents keep their text: refreshing them would compile the
      // model again (see provideTextDocumentContent) and bring back the diagnostics closing just cleared.
      if (e.kind === 'compiled' || e.kind === 'failed') p.changed.fire(irUri(vs, e.uri, e.strategy));
      if (e.kind === 'compiled' || e.kind === 'forgotten') p.lensesChanged.fire();
    });
    const selector = { scheme: IR_SCHEME };
    return vs.Disposable.from(
      vs.workspace.registerTextDocumentContentProvider(IR_SCHEME, p),
      vs.languages.registerCodeLensProvider(selector, p),
      vs.languages.registerHoverProvider(selector, p),
      sub,
      p.changed,
      p.lensesChanged,
    );
  }

  private constructor(
    private readonly vs: Vscode,
    private readonly service: CompileService,
  ) {
    this.changed = new vs.EventEmitter<vscode.Uri>();
    this.onDidChange = this.changed.event;
    this.lensesChanged = new vs.EventEmitter<void>();
    this.onDidChangeCodeLenses = this.lensesChanged.event;
  }

  private record(uri: vscode.Uri): { model: vscode.Uri; strategy: AttentionQdq; record?: CompileRecord } | undefined {
    const parsed = parseIrUri(this.vs, uri);
    if (!parsed) return undefined;
    const record = this.service.session(parsed.model)?.results.get(parsed.strategy);
    return record ? { ...parsed, record } : parsed;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const r = this.record(uri);
    if (!r) return `; not an onnx-fp8 IR document: ${uri.toString()}\n`;
    if (r.record) return r.record.text;
    const failure = this.service.session(r.model)?.failures.get(r.strategy);
    if (failure) return `; compile of ${basename(r.model.path)} failed: ${failure.cause}\n`;
    if (!this.service.isRunning(r.model, r.strategy)) void this.service.compile(r.model, r.strategy, { progress: 'window' });
    return `; compiling ${basename(r.model.path)} (attention Q/DQ: ${r.strategy})…\n`;
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const r = this.record(document.uri);
    if (!r?.record) return [];
    const program = r.record.view.program;
    const byName = new Map(program.instructions.map((i) => [i.name, i]));
    const lenses: vscode.CodeLens[] = [];
    for (const region of program.attention) {
      const first = region.instructions.map((n) => byName.get(n)).find((i) => i !== undefined);
      if (!first) continue;
      const what = r.strategy === 'skip' ? 'left out of FP8 Q/DQ' : 'quantized (attention Q/DQ kept)';
      lenses.push(
        new this.vs.CodeLens(new this.vs.Range(first.line - 1, 0, first.line - 1, 0), {
          title: `Attention region ${region.id} (${region.pattern}): ${region.instructions.length} instructions ${what}`,
          command: REVEAL_COMMAND,
          arguments: [r.model.toString(), r.strategy, first.name],
        }),
      );
    }
    return lenses;
  }

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const r = this.record(document.uri);
    if (!r?.record) return undefined;
    const ins = r.record.view.program.instructions.find((i) => i.line === position.line + 1);
    if (!ins) return undefined;
    const md = new this.vs.MarkdownString();
    md.appendMarkdown('**');
    md.appendText(ins.name);
    md.appendMarkdown('** ');
    md.appendText(ins.op);
    md.appendMarkdown('\n\n');
    for (const line of describeInstruction(ins)) {
      md.appendText(line);
      md.appendMarkdown('\n\n');
    }
    return new this.vs.Hover(md);
  }
}
