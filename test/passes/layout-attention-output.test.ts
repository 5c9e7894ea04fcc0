// layout-attention-output: an attention output transposed (heads back beside the head dim) and reshaped
// for the output projection is written in the transposed order, so the reshape is a view, not a copy.
// The printed IR shows it (the group's strides, a layout op ending its submodule); evaluation is bit for
// bit the same; outputs, head-dim permutations and transposes without a reshape are left alone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Program } from '../../src/ir/program.js';
import { programNames, printInstruction, moduleToString } from '../../src/ir/printer.js';
import { runPasses } from '../../src/passes/pipeline.js';
import { findAttention } from '../../src/passes/find-attention.js';
import { rewriteReduce } from '../../src/passes/rewrite-reduce.js';
import { fuseAttention } from '../../src/passes/fuse-attention.js';
import { layoutAttentionOutput } from '../../src/passes/layout-attention-output.js';
import { eliminateDeadCode } from '../../src/passes/eliminate-dead-code.js';
import { DiagnosticSink } from '../../src/diagnostics.js';
import { evaluateProgram } from '../../src/ref/evaluate.js';
import { randomInputs } from '../../src/inputs/random-inputs.js';
import { attentionThenGemm } from '../helpers/attention-then-gemm.js';

const ctx = () => ({ diagnostics: new DiagnosticSink() });

/** The program fused (attention group), then with the pass: main's lines and both programs' outputs. */
function withAndWithout(p: Program) {
  runPasses(p, [findAttention, rewriteReduce, fuseAttention, eliminateDeadCode], ctx(), true);
  const params = randomInputs(p.mainModule(), 3);
  const before = evaluateProgram(p, params);
  const beforeText = moduleToString(p.mainModule());
  runPasses(p, [layoutAttentionOutput], ctx(), true);
  const names = programNames(p);
  const lines = p.mainModule().instructions().map((i) => printInstruction(i, names));
  return { before, after: evaluateProgram(p, params), beforeText, lines, group: p.mainModule().instructions().find((i) => i.op.name === 'group')! };
}

test('an attention output transposed and reshaped for a GEMM is laid out in the transposed order: the reshape is a view', () => {
  const { before, after, lines, group } = withAndWithout(attentionThenGemm(8));
  const sub = moduleToString(group.moduleInputs[0]!).trim().split('\n');
  assert.match(sub.at(-2)!, /^@\d+ = layout\[permutation=\{0, 2, 1, 3\}\]\(@\d+\) -> float_type, \{1, 2, 8, 8\}, \{128, 8, 16, 1\}$/);
  assert.match(sub.at(-1)!, /^@\d+ = @return\(@\d+\)$/);
  const line = (op: string) => lines.find((l) => l.includes(` = ${op}`))!;
  assert.match(line('group'), /-> float_type, \{1, 2, 8, 8\}, \{128, 8, 16, 1\}$/);
  // The transpose is standard, so the reshape reads it in place.
  assert.match(line('transpose[permutation={0, 2, 1, 3}]'), /-> float_type, \{1, 8, 2, 8\}, \{128, 16, 8, 1\}$/);
  assert.ok(group.outputs[0]!.shape.standard);
  assert.deepEqual(after.map((t) => [...t.toFloat32Array()]), before.map((t) => [...t.toFloat32Array()]));
});

test('left alone: a transpose the program returns, a permutation that moves the head dim, a second run', () => {
  for (const tail of ['returned', 'head-dim'] as const) {
    const { before, after, beforeText, lines } = withAndWithout(attentionThenGemm(8, tail));
    assert.equal(lines.join('\n'), beforeText.trim(), tail);
    assert.ok(!lines.some((l) => l.includes('layout')), tail);
    assert.deepEqual(after.map((t) => [...t.toFloat32Array()]), before.map((t) => [...t.toFloat32Array()]), tail);
  }
  const p = attentionThenGemm(8);
  runPasses(p, [findAttention, rewriteReduce, fuseAttention, eliminateDeadCode, layoutAttentionOutput, layoutAttentionOutput], ctx(), true);
  const group = p.mainModule().instructions().find((i) => i.op.name === 'group')!;
  assert.equal(group.moduleInputs[0]!.instructions().filter((i) => i.op.name === 'layout').length, 1);
});
