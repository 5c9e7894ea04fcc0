// A lowered program is the fused program run kernel by kernel through one scratch buffer: the reference
// interpreter evaluates both (a kernel instruction runs its submodule and writes its output buffer, a
// view of the scratch bytes), and they must agree bit for bit, which also checks that memory-coloring
// never lets two live values share bytes. On every ONNX node test and on the examples. And the
// acceptance check for attention: every `*_expanded` attention node test, compiled with --fp8, is one
// attention kernel per fused region and evaluates to what the program did before fusion.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CompileOptions } from '../../src/compiler.js';
import { compileFile, compileModel } from '../../src/compiler.js';
import type { Program } from '../../src/ir/program.js';
import type { Module } from '../../src/ir/module.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { CODE_OBJECT } from '../../src/ops/kernel.js';
import { evaluateProgram } from '../../src/ref/evaluate.js';
import { randomInputs } from '../../src/inputs/random-inputs.js';
import { runPasses } from '../../src/passes/pipeline.js';
import { propagateConstant } from '../../src/passes/propagate-constant.js';
import { rewriteReduce } from '../../src/passes/rewrite-reduce.js';
import { DiagnosticSink } from '../../src/diagnostics.js';
import { compileNodeTest, loadNodeTest, nodeTestNames, nodeTestParams, type NodeTestCase } from '../helpers/node-tests.js';
import { seedModel } from '../helpers/seed-model.js';
import { repoPath } from '../helpers/paths.js';

/** A standard tensor's stored bytes. */
function bytesOf(t: Tensor): Uint8Array {
  const c = t.contiguous();
  const size = c.data.BYTES_PER_ELEMENT;
  return new Uint8Array(c.data.buffer, c.data.byteOffset + c.offset * size, c.shape.elements() * size);
}

/** The first element whose stored bits differ (NaN payloads included), or undefined. */
function firstDifference(a: Tensor, b: Tensor): string | undefined {
  if (a.type !== b.type || a.shape.lens.join() !== b.shape.lens.join()) return `${a.shape} vs ${b.shape}`;
  const x = bytesOf(a);
  const y = bytesOf(b);
  const size = x.length / Math.max(1, a.shape.elements());
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return `element ${Math.floor(i / size)}: ${a.get(Math.floor(i / size))} vs ${b.get(Math.floor(i / size))}`;
  return undefined;
}

function sameOutputs(what: string, a: readonly Tensor[], b: readonly Tensor[]): void {
  assert.equal(a.length, b.length, what);
  a.forEach((t, k) => {
    const d = firstDifference(t, b[k]!);
    assert.equal(d, undefined, `${what}, output ${k}: ${d}`);
  });
}

/** Cases the front end takes (2 of the node tests it rejects: sequences / optionals). */
function loadable(): NodeTestCase[] {
  const out: NodeTestCase[] = [];
  for (const name of nodeTestNames()) {
    try {
      out.push(loadNodeTest(name));
    } catch {
      // rejected by the importer, as the conformance test pins
    }
  }
  return out;
}

const cases = loadable();

test('every node test: the lowered program evaluates to the fused program’s outputs, bit for bit', () => {
  assert.ok(cases.length > 480, `${cases.length} node tests`);
  for (const c of cases) {
    const fused = compileNodeTest(c, { stage: 'fused' });
    const lowered = compileNodeTest(c);
    const params = nodeTestParams(c, fused);
    sameOutputs(c.name, evaluateProgram(lowered.program, params), evaluateProgram(fused.program, params));
  }
});

test('examples: the seed block (skip, keep, float) and the BERT layer (fp8, float) lowered evaluate as fused', () => {
  const runs: [string, () => ReturnType<typeof compileModel>, () => ReturnType<typeof compileModel>][] = [];
  for (const options of [{ fp8: { attentionQdq: 'skip' as const } }, { fp8: { attentionQdq: 'keep' as const } }, {}]) {
    runs.push([`seed ${JSON.stringify(options)}`, () => compileModel(seedModel(64), { ...options, stage: 'fused' }), () => compileModel(seedModel(64), options)]);
  }
  const bert = repoPath('examples', 'bert_layer.onnx');
  const inputDims = new Map([['sequence', 16]]);
  for (const options of [{ fp8: { attentionQdq: 'skip' as const } }, {}]) {
    runs.push([`bert ${JSON.stringify(options)}`, () => compileFile(bert, { ...options, inputDims, stage: 'fused' }), () => compileFile(bert, { ...options, inputDims })]);
  }
  for (const [what, fused, lowered] of runs) {
    const f = fused();
    const l = lowered();
    const params = randomInputs(f.program.mainModule(), 11);
    sameOutputs(what, evaluateProgram(l.program, params), evaluateProgram(f.program, params));
  }
});

/** The submodules a kernel runs, recursively. */
function modulesOf(m: Module, out = new Set<Module>()): Set<Module> {
  for (const ins of m) {
    for (const sub of ins.moduleInputs) {
      if (out.has(sub)) continue;
      out.add(sub);
      modulesOf(sub, out);
    }
  }
  return out;
}

/** Kernels of main that run a `group[tag=attention]`, and how many groups each runs. */
function attentionKernels(p: Program): number[] {
  const counts: number[] = [];
  for (const k of p.mainModule().instructions().filter((i) => i.op.name === CODE_OBJECT)) {
    const mods = new Set<Module>();
    for (const sub of k.moduleInputs) {
      mods.add(sub);
      modulesOf(sub, mods);
    }
    const groups = [...mods].flatMap((m) => m.instructions()).filter((i) => i.op.name === 'group' && i.op.str('tag') === 'attention').length;
    if (groups > 0) counts.push(groups);
  }
  return counts;
}

test('every *_expanded attention node test with --fp8: one attention kernel per fused region, outputs as before fusion bit for bit', () => {
  const expanded = cases.filter((c) => c.name.startsWith('test_attention') && c.name.endsWith('_expanded'));
  assert.ok(expanded.length >= 70, `${expanded.length} expanded attention tests`);
  const fp8: CompileOptions = { fp8: { attentionQdq: 'skip' } };
  let fusedRegions = 0;
  for (const c of expanded) {
    const lowered = compileNodeTest(c, fp8);
    const regions = lowered.diagnostics.filter((d) => d.code === 'ATTENTION_REGION').length;
    const notFused = lowered.diagnostics.filter((d) => d.code.startsWith('ATTENTION_NOT_FUSED'));
    // Regions that return their scores (qk_matmul_output modes) fuse too: the scores are recomputed.
    assert.deepEqual(notFused.map((d) => d.message), [], c.name);
    const kernels = attentionKernels(lowered.program);
    assert.ok(regions > 0, `${c.name}: no attention region found`);
    assert.equal(kernels.length, regions, `${c.name}: ${kernels.length} attention kernels for ${regions} regions`);
    assert.ok(kernels.every((g) => g === 1), `${c.name}: a kernel runs ${kernels.join(', ')} attention groups`);
    fusedRegions += kernels.length;
    // Before fusion: quantized, then the two rewrites that fix the numerics (folded constants, the
    // decomposed softmax), but nothing outlined yet.
    const before = compileNodeTest(c, { ...fp8, stage: 'quantized' });
    runPasses(before.program, [propagateConstant, rewriteReduce], { diagnostics: new DiagnosticSink() });
    const params = nodeTestParams(c, before);
    sameOutputs(c.name, evaluateProgram(lowered.program, params), evaluateProgram(before.program, params));
  }
  assert.equal(fusedRegions, expanded.length, `${fusedRegions} regions fused for ${expanded.length} expanded attention tests`);
});
