// Diagnostics: what the compiler tells the user about its decisions (CLI JSON, Problems panel, IR view).
// Codes are stable strings (docs/cli.md lists them); messages are one sentence.

export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  readonly severity: Severity;
  /** Stable code, e.g. `ONNX_SYMBOLIC_DIM_DEFAULTED`. */
  readonly code: string;
  readonly message: string;
  /** The ONNX node it is about, when there is one. */
  readonly onnxNode?: string;
  /** The printed instruction name (`@12`) it is about, when there is one. */
  readonly instruction?: string;
}

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
