// The compiler driver: read an ONNX file, import it, run the pass pipeline. Used by the CLI, the
// extension's compile worker and the tests; it never prints and never exits the process.

import type { Diagnostic } from './diagnostics.js';
import { DiagnosticSink } from './diagnostics.js';
import { ModelError } from './errors.js';
import type { Program } from './ir/program.js';
import type { Shape } from './ir/shape.js';
import { importModel, type ImportOptions } from './onnx/import.js';
import { loadModelFile } from './onnx/load.js';
import type { OnnxModel } from './onnx/model.js';
import { buildPipeline, runPasses, type PipelineOptions } from './passes/pipeline.js';

export interface CompileOptions extends ImportOptions, PipelineOptions {
  /** Check the IR invariants after every pass (tests; slower). */
  readonly validate?: boolean;
}

export interface ValueSignature {
  readonly name: string;
  readonly shape: Shape;
}

export interface CompileResult {
  readonly file: string;
  readonly program: Program;
  readonly diagnostics: readonly Diagnostic[];
  readonly inputs: readonly ValueSignature[];
  readonly outputs: readonly ValueSignature[];
  /** Milliseconds spent reading, importing and in the passes. */
  readonly timings: { readonly readMs: number; readonly importMs: number; readonly passesMs: number };
}

export function compileModel(model: OnnxModel, options: CompileOptions = {}, readMs = 0): CompileResult {
  const t0 = performance.now();
  let imported;
  try {
    imported = importModel(model, options);
  } catch (e) {
    throw e instanceof ModelError ? e.at({ file: model.file }) : e;
  }
  const t1 = performance.now();
  const sink = new DiagnosticSink();
  for (const d of imported.diagnostics) sink.add(d);
  try {
    runPasses(imported.program, buildPipeline(options), { diagnostics: sink }, options.validate ?? false);
  } catch (e) {
    throw e instanceof ModelError ? e.at({ file: model.file }) : e;
  }
  const t2 = performance.now();
  return {
    file: model.file,
    program: imported.program,
    diagnostics: sink.items,
    inputs: imported.inputs,
    outputs: imported.outputs,
    timings: { readMs, importMs: t1 - t0, passesMs: t2 - t1 },
  };
}

export function compileFile(path: string, options: CompileOptions = {}): CompileResult {
  const t0 = performance.now();
  const model = loadModelFile(path);
  return compileModel(model, options, performance.now() - t0);
}
