// The ONNX backend node tests (test/data/onnx-node-tests) as compile inputs: each case's model, its
// input values, and the graph inputs the importer needs as constants (Reshape's shape, …) bound to them.

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CompileOptions, CompileResult } from '../../src/compiler.js';
import { compileModel } from '../../src/compiler.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { importModel, NotConstantError } from '../../src/onnx/import.js';
import { loadModelFile, loadTensorFile } from '../../src/onnx/load.js';
import type { OnnxModel } from '../../src/onnx/model.js';
import { repoPath } from './paths.js';

export const NODE_TESTS = repoPath('test/data/onnx-node-tests');

export function nodeTestNames(): string[] {
  return readdirSync(NODE_TESTS)
    .filter((n) => n.startsWith('test_'))
    .sort();
}

export interface NodeTestCase {
  readonly name: string;
  readonly model: OnnxModel;
  /** The case's input values by graph input name (tensor inputs with a file). */
  readonly values: ReadonlyMap<string, Tensor>;
  readonly constantInputs: ReadonlyMap<string, Tensor>;
}

/** Loads a case; throws what the front end throws for the cases it rejects. */
export function loadNodeTest(name: string): NodeTestCase {
  const dir = join(NODE_TESTS, name);
  const model = loadModelFile(join(dir, 'model.onnx'));
  const values = new Map<string, Tensor>();
  model.graph.inputs
    .filter((vi) => !model.graph.initializers.has(vi.name))
    .forEach((vi, k) => {
      const file = join(dir, 'test_data_set_0', `input_${k}.pb`);
      if (vi.type?.kind === 'tensor' && existsSync(file)) values.set(vi.name, loadTensorFile(file).tensor);
    });
  const constantInputs = new Map<string, Tensor>();
  for (;;) {
    try {
      importModel(model, { constantInputs });
      break;
    } catch (e) {
      const value = e instanceof NotConstantError ? values.get(e.inputName) : undefined;
      if (!value || constantInputs.has((e as NotConstantError).inputName)) throw e;
      constantInputs.set((e as NotConstantError).inputName, value);
    }
  }
  return { name, model, values, constantInputs };
}

export function compileNodeTest(c: NodeTestCase, options: CompileOptions = {}): CompileResult {
  return compileModel(c.model, { ...options, constantInputs: c.constantInputs });
}

/** The parameters of a compiled case: its input values by name. */
export function nodeTestParams(c: NodeTestCase, r: CompileResult): Map<string, Tensor> {
  return new Map(r.inputs.map((input) => [input.name, c.values.get(input.name)!]));
}
