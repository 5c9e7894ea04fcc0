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
import { buildPipeline, runPasses, type PipelineOptions, type Stage } from './passes/pipeline.js';
import { readCalibrationSets } from './quantize/calibration-data.js';

export interface CompileOptions extends ImportOptions, PipelineOptions {
  /** Check the IR invariants after every pass (tests; slower). */
  readonly validate?: boolean;
  /** `--calibration DIR` (with `fp8`): read the FP8 calibration input sets from DIR. */
  readonly calibrationDir?: string;
}

export interface ValueSignature {
  readonly name: string;
  readonly shape: Shape;
}

export interface CompileResult {
  readonly file: string;
  /** The stage the pipeline ran to (`lowered` unless options.stage says otherwise). */
  readonly stage: Stage;
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
    // Calibration data is read once the model's inputs (names, bound shapes) are known.
    const fp8 = options.fp8 && options.calibrationDir ? { ...options.fp8, calibrationSets: readCalibrationSets(options.calibrationDir, imported.inputs) } : options.fp8;
    runPasses(imported.program, buildPipeline({ ...options, fp8 }), { diagnostics: sink }, options.validate ?? false);
  } catch (e) {
    throw e instanceof ModelError ? e.at({ file: model.file }) : e;
  }
  const t2 = performance.now();
  return {
    file: model.file,
    stage: options.stage ?? 'lowered',
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
