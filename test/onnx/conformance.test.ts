// The ONNX backend node tests (test/data/onnx-node-tests, 491 cases) through the whole front end:
// load → import → reference interpreter → compare with output_N.pb. Prints a pass/fail/unsupported table
// per op group (groups as listed in the data's SOURCE.md) and fails on any failing or unsupported case
// except the few listed in EXPECTED_UNSUPPORTED, which must fail with exactly the stated ModelError.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModelFile, loadTensorFile } from '../../src/onnx/load.js';
import { importModel, NotConstantError, type ImportResult } from '../../src/onnx/import.js';
import type { OnnxModel } from '../../src/onnx/model.js';
import { evaluateProgram } from '../../src/ref/evaluate.js';
import { ModelError } from '../../src/errors.js';
import type { Tensor } from '../../src/ir/tensor.js';
import type { ElementType } from '../../src/ir/types.js';
import { compareTensors, type Tolerance } from './helpers/compare.js';

const DATA = 'test/data/onnx-node-tests';

/** Cases whose value types the compiler does not model (sequence / optional), with the error they must give. */
const EXPECTED_UNSUPPORTED: Readonly<Record<string, RegExp>> = {
  test_identity_opt: /graph input 'opt_in' has unsupported type optional/,
  test_identity_sequence: /graph input 'x' has unsupported type sequence/,
};

/** Float tolerances; fp8/fp4/e8m0, integers and bools compare bit-exact (helpers/compare.ts). */
function tolerance(t: ElementType): Tolerance {
  if (t === 'half_type') return { rtol: 1e-3, atol: 1e-3 };
  if (t === 'bf16_type') return { rtol: 1e-2, atol: 1e-2 };
  return { rtol: 1e-4, atol: 1e-5 };
}

/** Op group of every case, from SOURCE.md's `### group (n)` sections. */
function caseGroups(): Map<string, string> {
  const groups = new Map<string, string>();
  let group = '';
  for (const line of readFileSync(join(DATA, 'SOURCE.md'), 'utf8').split('\n')) {
    const heading = /^### (\S+) \(\d+\)/.exec(line);
    if (heading) group = heading[1]!;
    else if (group) for (const m of line.matchAll(/`(test_[^`]+)`/g)) groups.set(m[1]!, group);
  }
  return groups;
}

type Outcome = { kind: 'pass' } | { kind: 'fail' | 'unsupported'; reason: string };

/**
 * Imports the model. The node tests feed shape-deciding values (Reshape's shape, Slice's starts, …) as
 * graph inputs; when the importer says one must be a constant, its test value is bound at compile time.
 */
function importCase(model: OnnxModel, values: ReadonlyMap<string, Tensor>): ImportResult {
  const constantInputs = new Map<string, Tensor>();
  for (;;) {
    try {
      return importModel(model, { constantInputs });
    } catch (e) {
      const value = e instanceof NotConstantError ? values.get(e.inputName) : undefined;
      if (!value || constantInputs.has((e as NotConstantError).inputName)) throw e;
      constantInputs.set((e as NotConstantError).inputName, value);
    }
  }
}

function runCase(name: string): Outcome {
  const dir = join(DATA, name);
  const data = join(dir, 'test_data_set_0');
  let result: ImportResult;
  const values = new Map<string, Tensor>();
  try {
    const model = loadModelFile(join(dir, 'model.onnx'));
    const graphInputs = model.graph.inputs.filter((vi) => !model.graph.initializers.has(vi.name));
    graphInputs.forEach((vi, k) => {
      const file = join(data, `input_${k}.pb`);
      if (vi.type?.kind === 'tensor' && existsSync(file)) values.set(vi.name, loadTensorFile(file).tensor);
    });
    result = importCase(model, values);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof ModelError && /unsupported/.test(message)) return { kind: 'unsupported', reason: message };
    return { kind: 'fail', reason: `import: ${message}` };
  }
  const mismatch = result.diagnostics.find((d) => d.code.startsWith('ONNX_OUTPUT_'));
  if (mismatch) return { kind: 'fail', reason: `import: ${mismatch.message}` };
  try {
    const params = new Map(result.inputs.map((input) => [input.name, values.get(input.name)!]));
    const actual = evaluateProgram(result.program, params);
    for (let k = 0; k < result.outputs.length; k++) {
      const file = join(data, `output_${k}.pb`);
      if (!existsSync(file)) return { kind: 'fail', reason: `missing ${file}` };
      const why = compareTensors(actual[k]!, loadTensorFile(file).tensor, tolerance);
      if (why) return { kind: 'fail', reason: `output ${k} (${result.outputs[k]!.name}): ${why}` };
    }
    return { kind: 'pass' };
  } catch (e) {
    return { kind: 'fail', reason: `evaluate: ${e instanceof Error ? e.message : String(e)}` };
  }
}

test('ONNX backend node tests import, evaluate and match their outputs', () => {
  const groups = caseGroups();
  const cases = readdirSync(DATA)
    .filter((n) => n.startsWith('test_'))
    .sort();
  assert.ok(cases.length > 0, 'no node test cases found');
  const table = new Map<string, { pass: number; fail: number; unsupported: number }>();
  const problems: string[] = [];
  for (const name of cases) {
    const group = groups.get(name) ?? '(unlisted)';
    const row = table.get(group) ?? { pass: 0, fail: 0, unsupported: 0 };
    table.set(group, row);
    const outcome = runCase(name);
    const expected = EXPECTED_UNSUPPORTED[name];
    if (expected) {
      if (outcome.kind === 'unsupported' && expected.test(outcome.reason)) row.unsupported++;
      else {
        row.fail++;
        problems.push(`${name}: expected an unsupported-type error matching ${expected}, got ${outcome.kind}${outcome.kind === 'pass' ? '' : `: ${outcome.reason}`}`);
      }
      continue;
    }
    row[outcome.kind]++;
    if (outcome.kind !== 'pass') problems.push(`${name}: ${outcome.kind}: ${outcome.reason}`);
  }

  const totals = { pass: 0, fail: 0, unsupported: 0 };
  const lines = ['op group               pass  fail  unsupported'];
  for (const [group, row] of [...table].sort((a, b) => a[0].localeCompare(b[0]))) {
    lines.push(`${group.padEnd(22)} ${String(row.pass).padStart(4)}  ${String(row.fail).padStart(4)}  ${String(row.unsupported).padStart(11)}`);
    totals.pass += row.pass;
    totals.fail += row.fail;
    totals.unsupported += row.unsupported;
  }
  lines.push(`${'total'.padEnd(22)} ${String(totals.pass).padStart(4)}  ${String(totals.fail).padStart(4)}  ${String(totals.unsupported).padStart(11)}`);
  console.log(lines.join('\n'));
  if (problems.length > 0) console.log(problems.join('\n'));

  assert.equal(problems.length, 0, `${problems.length} node test case(s) failed or were unsupported:\n${problems.join('\n')}`);
  assert.equal(totals.unsupported, Object.keys(EXPECTED_UNSUPPORTED).length);
});
