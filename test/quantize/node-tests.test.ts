// The FP8 program of every attention node test (the Attention op, opset 23/24, and its *_expanded
// function bodies) runs on the reference interpreter: no NaN where the float program has none, with
// skip and with keep, calibrated on the case's own inputs. Prints the SQNR spread (fp8 vs float).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { compileModel, type CompileOptions, type CompileResult } from '../../src/compiler.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { NotConstantError } from '../../src/onnx/import.js';
import { loadModelFile, loadTensorFile } from '../../src/onnx/load.js';
import type { OnnxModel } from '../../src/onnx/model.js';
import { evaluateProgram } from '../../src/ref/evaluate.js';
import { repoPath } from '../helpers/paths.js';

const DATA = repoPath('test', 'data', 'onnx-node-tests');

/** Compiles a case to the quantized stage, binding graph inputs the importer needs as constants to their test values. */
function compileCase(dir: string, model: OnnxModel, options: CompileOptions): CompileResult {
  const constantInputs = new Map<string, Tensor>();
  for (;;) {
    try {
      return compileModel(model, { stage: 'quantized', ...options, constantInputs });
    } catch (e) {
      if (!(e instanceof NotConstantError) || constantInputs.has(e.inputName)) throw e;
      const k = model.graph.inputs.filter((vi) => !model.graph.initializers.has(vi.name)).findIndex((vi) => vi.name === e.inputName);
      const file = join(dir, 'test_data_set_0', `input_${k}.pb`);
      if (k < 0 || !existsSync(file)) throw e;
      constantInputs.set(e.inputName, loadTensorFile(file).tensor);
    }
  }
}

/** The case's inputs by name (test_data_set_0), only those the program still has as parameters. */
function caseInputs(dir: string, model: OnnxModel, r: CompileResult): Map<string, Tensor> {
  const graphInputs = model.graph.inputs.filter((vi) => !model.graph.initializers.has(vi.name));
  const params = new Set(r.program.mainModule().parameterNames());
  const out = new Map<string, Tensor>();
  graphInputs.forEach((vi, k) => {
    const file = join(dir, 'test_data_set_0', `input_${k}.pb`);
    if (params.has(vi.name) && existsSync(file)) out.set(vi.name, loadTensorFile(file).tensor);
  });
  return out;
}

/** SQNR in dB of `approx` against `exact` over the elements where `exact` is finite (∞ when equal). */
function sqnr(exact: Tensor, approx: Tensor): number {
  const a = exact.toFloat32Array();
  const b = approx.toFloat32Array();
  let signal = 0;
  let noise = 0;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]!)) continue;
    signal += a[i]! * a[i]!;
    noise += (a[i]! - b[i]!) ** 2;
  }
  if (noise === 0) return Infinity;
  return 10 * Math.log10(signal / noise);
}

const hasNaN = (t: Tensor) => t.toFloat32Array().some(Number.isNaN);

test('attention node tests: FP8 programs (skip and keep) run without new NaNs; SQNR spread printed', () => {
  const cases = readdirSync(DATA).filter((d) => d.startsWith('test_attention_')).sort();
  assert.ok(cases.length >= 150, `only ${cases.length} attention cases`);
  const problems: string[] = [];
  const spread: Record<string, number[]> = { skip: [], keep: [] };
  const identical: Record<string, number> = { skip: 0, keep: 0 };
  for (const name of cases) {
    const dir = join(DATA, name);
    const model = loadModelFile(join(dir, 'model.onnx'));
    const float = compileCase(dir, model, {});
    const inputs = caseInputs(dir, model, float);
    const reference = evaluateProgram(float.program, inputs);
    for (const attentionQdq of ['skip', 'keep'] as const) {
      const q = compileCase(dir, model, { fp8: { attentionQdq, calibrationSets: [inputs] } });
      const outputs = evaluateProgram(q.program, inputs);
      outputs.forEach((t, k) => {
        if (hasNaN(t) && !hasNaN(reference[k]!)) problems.push(`${name} (${attentionQdq}) output ${k}: NaN where the float output has none`);
        const db = sqnr(reference[k]!, t);
        if (Number.isFinite(db)) spread[attentionQdq]!.push(db);
        else identical[attentionQdq]!++;
      });
    }
  }
  const summary = (key: string) => {
    const s = [...spread[key]!].sort((a, b) => a - b);
    if (s.length === 0) return `all ${identical[key]} outputs equal to the float program's`;
    const at = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!.toFixed(1);
    return `${s.length} outputs differ: SQNR min ${at(0)} dB, p10 ${at(0.1)}, median ${at(0.5)}, max ${s[s.length - 1]!.toFixed(1)}; ${identical[key]} equal`;
  };
  console.log(`fp8 vs float outputs of the ${cases.length} attention node tests\n  skip: ${summary('skip')}\n  keep: ${summary('keep')}`);
  // Skipping attention leaves these attention-only graphs in float; keep really quantizes them.
  assert.equal(spread['skip']!.length, 0);
  assert.ok(spread['keep']!.length > cases.length / 2);
  // One e4m3 Q/DQ costs about 31.5 dB (reference/quantization.md §4.4); nothing here falls far below.
  assert.ok(Math.min(...spread['keep']!) > 25, `worst keep SQNR ${Math.min(...spread['keep']!).toFixed(1)} dB`);
  assert.deepEqual(problems, []);
});

test('every other node test compiles with --fp8 and runs: without a quant_dot the program is the float one', () => {
  const cases = readdirSync(DATA).filter((d) => d.startsWith('test_') && !d.startsWith('test_attention_')).sort();
  const problems: string[] = [];
  let compiled = 0;
  let quantized = 0;
  for (const name of cases) {
    const dir = join(DATA, name);
    let model: OnnxModel;
    let float: CompileResult;
    try {
      model = loadModelFile(join(dir, 'model.onnx'));
      float = compileCase(dir, model, {});
    } catch {
      continue; // what the importer rejects is the conformance tests' business (test/onnx)
    }
    try {
      const inputs = caseInputs(dir, model, float);
      const q = compileCase(dir, model, { fp8: { attentionQdq: 'skip', calibrationSets: [inputs] }, validate: true });
      compiled++;
      const hasQuantDot = q.program.mainModule().instructions().some((i) => i.op.name === 'quant_dot');
      if (hasQuantDot) quantized++;
      else if (q.program.toString() !== float.program.toString()) problems.push(`${name}: no quant_dot, yet the program differs from the float one`);
      const reference = evaluateProgram(float.program, inputs);
      evaluateProgram(q.program, inputs).forEach((t, k) => {
        if (hasNaN(t) && !hasNaN(reference[k]!)) problems.push(`${name} output ${k}: NaN where the float output has none`);
      });
    } catch (e) {
      problems.push(`${name}: ${(e as Error).message}`);
    }
  }
  assert.deepEqual(problems, []);
  assert.ok(compiled > 250, `only ${compiled} cases compiled`);
  assert.ok(quantized >= 10, `only ${quantized} cases have a quant_dot`);
});
