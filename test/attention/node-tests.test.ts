// find-attention over the ONNX backend node tests: each of the 152 test_attention_* cases (the Attention
// op, opset 23/24, and its *_expanded function bodies) must be exactly one region, with the features its
// name promises (GQA, past KV, softcap, causal, qk_matmul_output, softmax_precision) in the pattern.
// Prints a table; fails listing every case that deviates. Other MatMul/Gemm/Softmax node tests have no
// region, and the Softmax function bodies (*_expanded) are recognised as decomposed softmaxes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DiagnosticSink } from '../../src/diagnostics.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { importModel, NotConstantError, type ImportResult } from '../../src/onnx/import.js';
import { loadModelFile, loadTensorFile } from '../../src/onnx/load.js';
import type { OnnxModel } from '../../src/onnx/model.js';
import { findAttentionRegions, type AttentionRegion } from '../../src/passes/find-attention.js';
import { recognizeSoftmax } from '../../src/attention/softmax.js';
import { repoPath } from '../helpers/paths.js';

const DATA = repoPath('test', 'data', 'onnx-node-tests');

/** Imports a case, binding graph inputs the importer needs as constants to their test values. */
function importCase(dir: string): ImportResult {
  const model: OnnxModel = loadModelFile(join(dir, 'model.onnx'));
  const constantInputs = new Map<string, Tensor>();
  for (;;) {
    try {
      return importModel(model, { constantInputs });
    } catch (e) {
      if (!(e instanceof NotConstantError) || constantInputs.has(e.inputName)) throw e;
      const k = model.graph.inputs.filter((vi) => !model.graph.initializers.has(vi.name)).findIndex((vi) => vi.name === e.inputName);
      const file = join(dir, 'test_data_set_0', `input_${k}.pb`);
      if (k < 0 || !existsSync(file)) throw e;
      constantInputs.set(e.inputName, loadTensorFile(file).tensor);
    }
  }
}

/** The tags a case's name promises, and the ones it rules out. */
function expectedTags(name: string): { present: string[]; absent: string[] } {
  const present: string[] = [];
  const absent: string[] = [];
  const expanded = name.endsWith('_expanded');
  (expanded ? absent : present).push('ONNX Attention');
  (name.includes('gqa') ? present : absent).push('GQA expansion');
  (name.includes('past_and_present') ? present : absent).push('KV-cache concat');
  (name.includes('softcap') ? present : absent).push('softcap');
  (name.includes('qk_matmul') ? present : absent).push('extra output');
  // A causal mask alone is a constant and recognised; combined with a runtime mask or nonpad lengths it is not.
  const causalOnly = name.includes('causal') && !/mask|nonpad/.test(name);
  (causalOnly ? present : absent).push('causal mask');
  if (name.includes('softmax_precision')) present.push('cast island');
  return { present, absent };
}

interface Row {
  name: string;
  regions: AttentionRegion[];
  codes: string[];
  problem?: string;
}

function runCase(name: string): Row {
  const { program } = importCase(join(DATA, name));
  const sink = new DiagnosticSink();
  const regions = findAttentionRegions(program.mainModule(), sink);
  const codes = sink.items.map((d) => d.code);
  const row: Row = { name, regions, codes };
  if (regions.length !== 1) return { ...row, problem: `${regions.length} regions (${codes.join(', ')})` };
  const r = regions[0]!;
  const { present, absent } = expectedTags(name);
  const missing = present.filter((t) => !r.pattern.includes(t));
  const extra = absent.filter((t) => r.pattern.includes(t));
  if (missing.length > 0 || extra.length > 0) return { ...row, problem: `pattern '${r.pattern}' lacks [${missing.join(', ')}] / has [${extra.join(', ')}]` };
  const roles = [...r.roles.values()];
  if (roles.filter((x) => x === 'gemm1').length !== 1 || roles.filter((x) => x === 'gemm2').length !== 1 || !roles.includes('softmax')) {
    return { ...row, problem: `roles ${roles.join(' ')}` };
  }
  const wantWarning = name.includes('qk_matmul');
  if (codes.includes('ATTENTION_OUTSIDE_USE') !== wantWarning) return { ...row, problem: `diagnostics ${codes.join(', ')}` };
  if (codes.some((c) => c.startsWith('ATTENTION_REJECTED'))) return { ...row, problem: `diagnostics ${codes.join(', ')}` };
  return row;
}

test('every test_attention_* node test (Attention op and *_expanded) is exactly one region', () => {
  const cases = readdirSync(DATA)
    .filter((n) => n.startsWith('test_attention_'))
    .sort();
  assert.equal(cases.length, 152, 'the node-test data holds 152 attention cases');
  const rows = cases.map(runCase);

  const byPattern = new Map<string, number>();
  for (const r of rows) for (const g of r.regions) byPattern.set(g.pattern, (byPattern.get(g.pattern) ?? 0) + 1);
  const lines = [`attention node tests: ${rows.filter((r) => !r.problem).length}/${rows.length} one region as named`, 'cases  pattern'];
  for (const [p, count] of [...byPattern].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) lines.push(`${String(count).padStart(5)}  ${p}`);
  const problems = rows.filter((r) => r.problem).map((r) => `${r.name}: ${r.problem}`);
  console.log([...lines, ...problems].join('\n'));
  assert.deepEqual(problems, []);
  assert.equal(
    rows.filter((r) => !r.name.endsWith('_expanded')).length,
    76,
    'half the cases are the Attention op itself, half its expansion',
  );
});

test('no other node test has an attention region', () => {
  const others = readdirSync(DATA).filter((n) => n.startsWith('test_') && !n.startsWith('test_attention_') && /matmul|gemm|softmax|einsum/.test(n));
  assert.ok(others.length > 20, `${others.length} matmul/gemm/softmax cases`);
  for (const name of others) {
    const { program } = importCase(join(DATA, name));
    assert.deepEqual(findAttentionRegions(program.mainModule()), [], name);
  }
});

test('the ONNX Softmax function bodies (test_softmax_*_expanded) are recognised as decomposed softmaxes', () => {
  const cases = readdirSync(DATA).filter((n) => n.startsWith('test_softmax_') && n.includes('_expanded'));
  assert.equal(cases.length, 14);
  for (const name of cases) {
    const m = importCase(join(DATA, name)).program.mainModule();
    const found = m.instructions().map(recognizeSoftmax);
    const softmaxes = found.filter((f) => f.kind === 'softmax');
    assert.equal(softmaxes.length, 1, name);
    assert.equal(found.filter((f) => f.kind === 'malformed').length, 0, name);
    const match = softmaxes[0]!.match;
    // axis_N normalises axis N; the others use the default (or −1): the last axis.
    const named = /softmax_axis_(\d)/.exec(name);
    assert.equal(match.axis, named ? Number(named[1]) : match.input.shape.ndim - 1, name);
    assert.ok(match.decomposed && match.input.isParam(), `${name}: the softmax reads the graph input`);
  }
});
