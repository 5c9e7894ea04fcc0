// Diagnostics: what the compiler tells the user about its decisions (CLI JSON, Problems panel, IR view).
// Codes are stable strings (docs/cli.md lists them); messages are one sentence.

import type { CompactDiagnostic, Severity } from './protocol/compact-ir.js';

export type { Severity };

/** One diagnostic; the same record the CLI's JSON and the extension show (src/protocol/compact-ir.ts). */
export type Diagnostic = CompactDiagnostic;

export class DiagnosticSink {
  readonly items: Diagnostic[] = [];

  add(d: Diagnostic): void {
    this.items.push(d);
  }

  info(code: string, message: string, extra: Partial<Diagnostic> = {}): void {
    this.add({ ...extra, severity: 'info', code, message });
  }

  warning(code: string, message: string, extra: Partial<Diagnostic> = {}): void {
    this.add({ ...extra, severity: 'warning', code, message });
  }
}
