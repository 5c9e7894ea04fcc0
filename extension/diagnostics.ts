// The Problems panel: each compile's diagnostics go on the .onnx file (line 1, since the Problems panel
// cannot point into a binary file opened in a custom editor; vscode#211351) and line-precise on the IR
// text document (`onnx-fp8-ir:`), linked to each other. A failed compile puts its error on the .onnx file
// and leaves the IR document's diagnostics, which still describe the text it shows. Recompiling replaces
// them; closing the model (forget) clears them.

import type { CompactDiagnostic, CompactProgram, Severity } from '../src/protocol/compact-ir.js';
import type { CompileFailure, FailureKind } from '../src/protocol/messages.js';
import type { CompileEvent, CompileService } from './compile-service.js';
import { irUri } from './ir-uri.js';
import type { Vscode, vscode } from './vscode-api.js';

export const DIAGNOSTIC_SOURCE = 'onnx-fp8';

/** Stable codes for compiles that produced no program (the CLI's own codes are listed in docs/cli.md). */
export const FAILURE_CODES: Readonly<Record<FailureKind, string>> = {
  model: 'FP8_COMPILE_MODEL_ERROR',
  usage: 'FP8_COMPILE_USAGE_ERROR',
  internal: 'FP8_COMPILE_INTERNAL_ERROR',
  timeout: 'FP8_COMPILE_TIMEOUT',
  spawn: 'FP8_COMPILE_SPAWN_ERROR',
  output: 'FP8_COMPILE_OUTPUT_ERROR',
};

/** A diagnostic placed on a line of the printed program (0-based line, character range on it). */
export interface IrDiagnosticPlace {
  readonly diagnostic: CompactDiagnostic;
  readonly line: number;
  readonly startCharacter: number;
  readonly endCharacter: number;
}

/**
 * Where each diagnostic lands in the printed program: on its instruction's line, else on the first
 * instruction made from its ONNX node, else nowhere (it stays on the .onnx file only).
 */
export function placeDiagnostics(program: CompactProgram): Map<CompactDiagnostic, IrDiagnosticPlace> {
  const byName = new Map<string, (typeof program.instructions)[number]>();
  const byNode = new Map<string, (typeof program.instructions)[number]>();
  for (const ins of program.instructions) {
    if (!byName.has(ins.name)) byName.set(ins.name, ins);
    if (ins.onnxNode !== undefined && !byNode.has(ins.onnxNode)) byNode.set(ins.onnxNode, ins);
  }
  const out = new Map<CompactDiagnostic, IrDiagnosticPlace>();
  for (const d of program.diagnostics) {
    const ins = (d.instruction !== undefined ? byName.get(d.instruction) : undefined) ?? (d.onnxNode !== undefined ? byNode.get(d.onnxNode) : undefined);
    if (!ins) continue;
    const start = ins.text.length - ins.text.trimStart().length;
    out.set(d, { diagnostic: d, line: ins.line - 1, startCharacter: start, endCharacter: Math.max(start + 1, ins.text.length) });
  }
  return out;
}

/** The one-line message for a failed compile (the file is the resource the diagnostic sits on). */
export function failureMessage(f: CompileFailure): string {
  const node = f.onnxNode !== undefined ? `node '${f.onnxNode}'${f.onnxOpType ? ` (${f.onnxOpType})` : ''}: ` : '';
  return `${node}${f.cause}`;
}

export class DiagnosticsPublisher implements vscode.Disposable {
  private readonly collection: vscode.DiagnosticCollection;
  private readonly subscription: vscode.Disposable;
  /** IR document URIs that got diagnostics, per model, so forget() can clear them. */
  private readonly irUris = new Map<string, vscode.Uri[]>();

  static register(vs: Vscode, service: CompileService): DiagnosticsPublisher {
    return new DiagnosticsPublisher(vs, service);
  }

  private constructor(
    private readonly vs: Vscode,
    service: CompileService,
  ) {
    this.collection = vs.languages.createDiagnosticCollection(DIAGNOSTIC_SOURCE);
    this.subscription = service.onDidChange((e) => this.onEvent(e));
  }

  private severity(s: Severity): vscode.DiagnosticSeverity {
    switch (s) {
      case 'error':
        return this.vs.DiagnosticSeverity.Error;
      case 'warning':
        return this.vs.DiagnosticSeverity.Warning;
      case 'info':
        return this.vs.DiagnosticSeverity.Information;
      default:
        return s satisfies never;
    }
  }

  private make(range: vscode.Range, message: string, severity: vscode.DiagnosticSeverity, code: string): vscode.Diagnostic {
    const d = new this.vs.Diagnostic(range, message, severity);
    d.code = code;
    d.source = DIAGNOSTIC_SOURCE;
    return d;
  }

  private onEvent(e: CompileEvent): void {
    switch (e.kind) {
      case 'compiled': {
        const program = e.record.view.program;
        const ir = irUri(this.vs, e.uri, e.strategy);
        const places = placeDiagnostics(program);
        const top = new this.vs.Range(0, 0, 0, 0);
        const onIr: vscode.Diagnostic[] = [];
        const onModel: vscode.Diagnostic[] = [];
        for (const d of program.diagnostics) {
          const where = places.get(d);
          const md = this.make(top, d.message, this.severity(d.severity), d.code);
          if (where) {
            const range = new this.vs.Range(where.line, where.startCharacter, where.line, where.endCharacter);
            onIr.push(this.make(range, d.message, this.severity(d.severity), d.code));
            md.relatedInformation = [new this.vs.DiagnosticRelatedInformation(new this.vs.Location(ir, range), `IR line ${where.line + 1}${d.instruction ? ` (${d.instruction})` : ''}`)];
          }
          onModel.push(md);
        }
        this.collection.set(ir, onIr);
        this.rememberIr(e.uri, ir);
        if (e.primary) this.collection.set(e.uri, onModel);
        return;
      }
      case 'failed':
        if (e.primary) {
          const f = e.failure;
          this.collection.set(e.uri, [this.make(new this.vs.Range(0, 0, 0, 0), failureMessage(f), this.vs.DiagnosticSeverity.Error, FAILURE_CODES[f.kind])]);
        }
        return;
      case 'forgotten':
        this.collection.delete(e.uri);
        for (const u of this.irUris.get(e.uri.toString()) ?? []) this.collection.delete(u);
        this.irUris.delete(e.uri.toString());
        return;
      case 'started':
      case 'cancelled':
        return;
      default:
        return e satisfies never;
    }
  }

  private rememberIr(model: vscode.Uri, ir: vscode.Uri): void {
    const list = this.irUris.get(model.toString()) ?? [];
    if (!list.some((u) => u.toString() === ir.toString())) list.push(ir);
    this.irUris.set(model.toString(), list);
  }

  /** Removes a model's diagnostics without forgetting its results (its file was deleted). */
  clear(model: vscode.Uri): void {
    this.collection.delete(model);
    for (const u of this.irUris.get(model.toString()) ?? []) this.collection.delete(u);
  }

  dispose(): void {
    this.subscription.dispose();
    this.collection.dispose();
  }
}
