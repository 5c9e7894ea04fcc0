// Import a built model and evaluate it with the reference interpreter: the numeric half of the importer
// tests (the printed IR is the other half).

import type { Tensor } from '../../../src/ir/tensor.js';
import { importModel, type ImportOptions, type ImportResult } from '../../../src/onnx/import.js';
import type { OnnxModel } from '../../../src/onnx/model.js';
import { evaluateProgram } from '../../../src/ref/evaluate.js';

export function importAndRun(model: OnnxModel, inputs: Readonly<Record<string, Tensor>>, options?: ImportOptions): { result: ImportResult; outputs: Tensor[] } {
  const result = importModel(model, options);
  result.program.validate();
  const outputs = evaluateProgram(result.program, new Map(Object.entries(inputs)));
  return { result, outputs };
}

/** All elements as numbers, rounded to `digits` decimals so float noise does not matter. */
export function values(t: Tensor, digits = 5): number[] {
  return t.toNumbers().map((x) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : x) + 0);
}
