// The compact IR: what the compiler tells its viewers (the CLI's JSON, the extension's IR view) about a
// compiled program, one record per printed instruction — never tensor data. Types only: shared by src/
// (which builds it), extension/ and webview/ (which read it).

export type Severity = 'error' | 'warning' | 'info';

export interface CompactDiagnostic {
  readonly severity: Severity;
  /** Stable code, listed in docs/cli.md. */
  readonly code: string;
  readonly message: string;
  readonly onnxNode?: string;
  /** Printed name of the instruction it is about (`@12`). */
  readonly instruction?: string;
}

/** How an instruction relates to FP8 quantization. */
export type QuantizationState =
  /** In a matched attention region: its inputs were left out of Q/DQ (the skip set). */
  | 'skipped'
  /** A Q/DQ instruction, or an op that reads quantized inputs (quant_dot). */
  | 'quantized'
  /** Neither. */
  | 'none';

export interface CompactInstruction {
  /** Printed name: `@5`, a parameter name, or `main:pointwise0:@1` in a submodule. */
  readonly name: string;
  readonly module: string;
  /** Op name (`dot`, `quantizelinear`, `@param`). */
  readonly op: string;
  /** The whole printed line, exactly as the text output has it. */
  readonly text: string;
  /** Line number (1-based) of `text` in the printed program. */
  readonly line: number;
  readonly type: string;
  readonly lens: readonly number[];
  readonly inputs: readonly string[];
  readonly onnxNode?: string;
  readonly onnxOpType?: string;
  readonly quantization: QuantizationState;
  /** Set for skip-set members: region id and why. */
  readonly attention?: { readonly region: number; readonly role: string; readonly reason: string };
  /** Set for Q/DQ instructions and quantized ops. */
  readonly scale?: number;
  /**
   * Lowered programs: the symbol of the kernel the instruction is (a `gpu::code_object`) or runs in (an
   * instruction of a kernel's submodule, e.g. `wgsl_quantizelinear_quant_dot_dequantizelinear_convert`).
   */
  readonly kernel?: string;
}

export interface CompactAttentionRegion {
  readonly id: number;
  readonly pattern: string;
  /** Printed names of the region's instructions, in program order. */
  readonly instructions: readonly string[];
  readonly onnxNodes: readonly string[];
}

export interface CompactProgram {
  readonly file: string;
  readonly instructions: readonly CompactInstruction[];
  readonly attention: readonly CompactAttentionRegion[];
  readonly diagnostics: readonly CompactDiagnostic[];
  readonly stats: {
    /** Instructions of main. */
    readonly instructions: number;
    readonly modules: number;
    /** Kernel instructions (`gpu::code_object`) of main: 0 before the lowered stage (absent from older CLIs). */
    readonly kernels?: number;
    /** Bytes of the one scratch buffer memory-coloring laid out: 0 before the lowered stage (absent from older CLIs). */
    readonly scratchBytes?: number;
  };
}
