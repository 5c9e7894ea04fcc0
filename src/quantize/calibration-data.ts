// Calibration inputs from disk (`--calibration DIR`), in the ONNX test-data layout: DIR/input_N.pb is one
// input set; DIR/<set>/input_N.pb (e.g. test_data_set_0, test_data_set_1, …) are several, read in
// name order (digit runs as numbers). Each tensor is matched to a model input by name, else by position,
// and must have its type and dims. Every problem is a ModelError naming the file.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Shape } from '../ir/shape.js';
import type { Tensor } from '../ir/tensor.js';
import { ModelError } from '../errors.js';
import { loadTensorFile } from '../onnx/load.js';
import { compareNumericAware } from '../ref/interpret.js';

export interface InputSignature {
  readonly name: string;
  readonly shape: Shape;
}

function inputFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /^input_\d+\.pb$/.test(f))
    .sort((a, b) => Number(a.slice(6, -3)) - Number(b.slice(6, -3)));
}

/** Reads input_0.pb, input_1.pb, … of one folder as one value per model input. */
export function readInputSet(dir: string, inputs: readonly InputSignature[]): Map<string, Tensor> {
  if (!existsSync(dir)) throw new ModelError('input folder does not exist', { file: dir });
  const files = inputFiles(dir);
  if (files.length !== inputs.length) {
    throw new ModelError(`found ${files.length} input_N.pb file(s), the model has ${inputs.length} input(s) (${inputs.map((i) => i.name).join(', ')})`, { file: dir });
  }
  const out = new Map<string, Tensor>();
  files.forEach((f, k) => {
    const path = join(dir, f);
    const { name, tensor } = loadTensorFile(path);
    const target = inputs.find((i) => i.name === name) ?? inputs[k]!;
    const want = target.shape;
    if (tensor.type !== want.type || tensor.shape.lens.join(',') !== want.lens.join(',')) {
      throw new ModelError(`tensor is ${tensor.type} {${tensor.shape.lens.join(', ')}} but model input '${target.name}' is ${want.type} {${want.lens.join(', ')}}`, { file: path });
    }
    if (out.has(target.name)) throw new ModelError(`a second tensor for model input '${target.name}'`, { file: path });
    out.set(target.name, tensor);
  });
  return out;
}

/** The input sets under `dir`: the folder itself when it holds input_N.pb files, else its subfolders that do. */
export function readCalibrationSets(dir: string, inputs: readonly InputSignature[]): Map<string, Tensor>[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new ModelError('calibration folder does not exist', { file: dir });
  if (inputFiles(dir).length > 0) return [readInputSet(dir, inputs)];
  const sets = readdirSync(dir)
    .filter((d) => statSync(join(dir, d)).isDirectory() && inputFiles(join(dir, d)).length > 0)
    .sort(compareNumericAware);
  if (sets.length === 0) throw new ModelError('no input_N.pb files here or in its subfolders (expected DIR/input_0.pb or DIR/test_data_set_0/input_0.pb)', { file: dir });
  return sets.map((d) => readInputSet(join(dir, d), inputs));
}
