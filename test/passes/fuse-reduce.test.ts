// fuse-reduce: softmax with its dequantize before and quantize after becomes one fused_reduce (the seed's
// "before" kernel), layernorm becomes one, outside uses stop growth; the fused program evaluates bit
// for bit like the original.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeOp } from '../../src/ops/index.js';
import type { Module } from '../../src/ir/module.js';
import type { Instruction } from '../../src/ir/instruction.js';
import { Program } from '../../src/ir/program.js';
import { Shape } from '../../src/ir/shape.js';
import { Tensor } from '../../src/ir/tensor.js';
import { moduleToString } from '../../src/ir/printer.js';
import { fuseReduce } from '../../src/passes/fuse-reduce.js';
import { rewriteReduce } from '../../src/passes/rewrite-reduce.js';
import { eliminateDeadCode } from '../../src/passes/eliminate-dead-code.js';
import { DiagnosticSink } from '../../src/diagnostics.js';
import { evaluateProgram } from '../../src/ref/evaluate.js';
import { randomInputs } from '../../src/inputs/random-inputs.js';
import { compileModel } from '../../src/compiler.js';
import { seedModel } from '../helpers/seed-model.js';

const ctx = { diagnostics: new DiagnosticSink() };
const lens = [2, 3, 8];

/** quant_dot → dq → softmax → q → quant_dot: attention as the keep strategy leaves it (fp8 scores). */
function quantizedSoftmax(): Program {
  const p = new Program();
  const m = p.mainModule();
  const a = m.addParameter('a', new Shape('fp8e4m3fn_type', [2, 3, 4]));
  const b = m.addParameter('b', new Shape('fp8e4m3fn_type', [2, 4, 8]));
  const v = m.addParameter('v', new Shape('fp8e4m3fn_type', [2, 8, 5]));
  const scale = (x: number) => m.addInstruction(makeOp('multibroadcast', { out_lens: lens }), [m.addLiteral(Tensor.scalar('float_type', x))]);
  const zp = () => m.addInstruction(makeOp('multibroadcast', { out_lens: lens }), [m.addLiteral(Tensor.scalar('fp8e4m3fn_type', 0))]);
  const scores = m.addInstruction(makeOp('quant_dot'), [a, b]);
  // quant_dot's float result is dequantized by the product of the input scales (no zero point).
  const dq = m.addInstruction(makeOp('dequantizelinear'), [scores, scale(0.0025)]);
  const sm = m.addInstruction(makeOp('softmax', { axis: 2 }), [dq]);
  const q = m.addInstruction(makeOp('quantizelinear'), [sm, scale(1 / 448), zp()]);
  m.addReturn([m.addInstruction(makeOp('quant_dot'), [q, v])]);
  rewriteReduce.apply(p, ctx);
  return p;
}

/** (x − mean) · rsqrt(variance + ε) over axis 2 of `x` (lens), appended to `m`. */
function layerNorm(m: Module, x: Instruction): Instruction {
  const mb = (i: Instruction) => m.addInstruction(makeOp('multibroadcast', { out_lens: lens }), [i]);
  const mean = m.addInstruction(makeOp('reduce_mean', { axes: [2] }), [x]);
  const d = m.addInstruction(makeOp('sub'), [x, mb(mean)]);
  const v = m.addInstruction(makeOp('reduce_mean', { axes: [2] }), [m.addInstruction(makeOp('mul'), [d, d])]);
  const eps = m.addInstruction(makeOp('multibroadcast', { out_lens: [2, 3, 1] }), [m.addLiteral(Tensor.scalar('float_type', 1e-5))]);
  return m.addInstruction(makeOp('mul'), [d, mb(m.addInstruction(makeOp('rsqrt'), [m.addInstruction(makeOp('add'), [v, eps])]))]);
}

const opsOf = (text: string, module: string) =>
  [...text.split(`module: "${module}"\n`)[1]!.split('\n\n')[0]!.matchAll(/= ([a-z_:]+)[[(]/g)].map((x) => x[1]!);

/**
 * Runs fuse-reduce (and dead-code elimination) on `p`, checks that it makes one fused_reduce and that the
 * program evaluates bit for bit as before, and returns main's text and the fused module's ops.
 */
function fuseOne(p: Program, seed: number): { main: string; ops: string[] } {
  const inputs = randomInputs(p.mainModule(), seed);
  const before = evaluateProgram(p, inputs);
  fuseReduce.apply(p, ctx);
  eliminateDeadCode.apply(p, ctx);
  const main = moduleToString(p.mainModule());
  assert.equal(main.match(/= fused_reduce/g)?.length, 1, main);
  evaluateProgram(p, inputs).forEach((t, k) => assert.deepEqual(Array.from(t.toFloat32Array()), Array.from(before[k]!.toFloat32Array())));
  return { main, ops: opsOf(p.toString(), 'main:reduce0').filter((o) => o !== 'multibroadcast') };
}

test('dequantize → softmax → quantize is one fused_reduce whose ops read as the seed kernel name', () => {
  const p = quantizedSoftmax();
  fuseReduce.apply(p, ctx);
  eliminateDeadCode.apply(p, ctx);
  const text = p.toString();
  assert.equal(text.match(/= fused_reduce\[axes=\{2\}\]/g)?.length, 1, text);
  const names = opsOf(text, 'main:reduce0').filter((n) => n !== 'multibroadcast');
  assert.deepEqual(names, ['dequantizelinear', 'reduce_max', 'sub', 'exp', 'reduce_sum', 'div', 'quantizelinear']);
  assert.match(moduleToString(p.mainModule()), /= fused_reduce\[axes=\{2\}\]\(@\d+\), \[main:reduce0\] -> fp8e4m3fn_type, \{2, 3, 8\}/);
});

test('the fused program evaluates bit for bit like the unfused one', () => {
  const plain = quantizedSoftmax();
  const fused = quantizedSoftmax();
  fuseReduce.apply(fused, ctx);
  const inputs = randomInputs(plain.mainModule(), 11);
  const [a] = evaluateProgram(plain, inputs);
  const [b] = evaluateProgram(fused, inputs);
  assert.deepEqual(Array.from(b!.toFloat32Array()), Array.from(a!.toFloat32Array()));
});

test('layer normalization (mean, variance, rsqrt, scale, shift) is one fused_reduce', () => {
  const p = new Program();
  const m = p.mainModule();
  m.addReturn([layerNorm(m, m.addParameter('x', new Shape('float_type', lens)))]);
  const inputs = randomInputs(m, 3);
  const [before] = evaluateProgram(p, inputs);
  fuseReduce.apply(p, ctx);
  eliminateDeadCode.apply(p, ctx);
  const text = p.toString();
  assert.equal(text.match(/= fused_reduce/g)?.length, 1, text);
  assert.deepEqual(opsOf(text, 'main:reduce0').filter((n) => n !== 'multibroadcast'), ['reduce_mean', 'sub', 'mul', 'reduce_mean', 'add', 'rsqrt', 'mul']);
  const [after] = evaluateProgram(p, inputs);
  assert.deepEqual(Array.from(after!.toFloat32Array()), Array.from(before!.toFloat32Array()));
});

test('a member used outside ends the region: the consumers after it are left out', () => {
  const p = new Program();
  const m = p.mainModule();
  const x = m.addParameter('x', new Shape('float_type', lens));
  const e = m.addInstruction(makeOp('exp'), [x]);
  const s = m.addInstruction(makeOp('reduce_sum', { axes: [2] }), [e]);
  const d = m.addInstruction(makeOp('div'), [e, m.addInstruction(makeOp('multibroadcast', { out_lens: lens }), [s])]);
  const n = m.addInstruction(makeOp('neg'), [d]);
  m.addReturn([n, d]); // d is used outside twice: by neg and by the return
  const { main, ops } = fuseOne(p, 4);
  // The region grew to neg, then dropped it (two members were used outside): exp, sum and div are one kernel.
  assert.deepEqual(ops, ['exp', 'reduce_sum', 'div']);
  assert.match(main, /= neg\(@\d+\)/);
  assert.doesNotMatch(main, /= div\(/);
});

test("a layernorm read by the next GEMM's quantize and by a residual add is one fused_reduce; the quantize is left to fuse-gemm", () => {
  // BERT's first layernorm under --fp8: y = ln(x); q = quantize(y) feeds a quant_dot whose result is added back to y.
  const p = new Program();
  const m = p.mainModule();
  const w = m.addParameter('w', new Shape('fp8e4m3fn_type', [2, 8, 8]));
  const k = (t: 'float_type' | 'fp8e4m3fn_type', v: number) => m.addInstruction(makeOp('multibroadcast', { out_lens: lens }), [m.addLiteral(Tensor.scalar(t, v))]);
  const y = layerNorm(m, m.addParameter('x', new Shape('float_type', lens)));
  const q = m.addInstruction(makeOp('quantizelinear'), [y, k('float_type', 0.02), k('fp8e4m3fn_type', 0)]);
  const h = m.addInstruction(makeOp('quant_dot'), [q, w]);
  m.addReturn([m.addInstruction(makeOp('add'), [h, y])]);
  const { main, ops } = fuseOne(p, 8);
  assert.deepEqual(ops, ['reduce_mean', 'sub', 'mul', 'reduce_mean', 'add', 'rsqrt', 'mul']);
  assert.match(main, /= quantizelinear\[[^\]]*\]\(@\d+,/, 'the quantize stays in main for the GEMM');
});

test('a broadcast that ends the region stays outside: the fused reduction writes its value per row', () => {
  // "Is the row fully masked", broadcast back over the keys for the attention block that reads it.
  const p = new Program();
  const m = p.mainModule();
  const x = m.addParameter('x', new Shape('float_type', lens));
  const inf = m.addInstruction(makeOp('multibroadcast', { out_lens: [2, 3, 1] }), [m.addLiteral(Tensor.scalar('float_type', -Infinity))]);
  const masked = m.addInstruction(makeOp('equal'), [m.addInstruction(makeOp('reduce_max', { axes: [2] }), [x]), inf]);
  m.addReturn([m.addInstruction(makeOp('multibroadcast', { out_lens: lens }), [masked])]);
  const { main } = fuseOne(p, 9);
  assert.match(main, /@\d+ = fused_reduce\[axes=\{2\}\]\(x\), \[main:reduce0\] -> bool_type, \{2, 3, 1\}/, main);
  assert.match(main, /= multibroadcast\[out_lens=\{2, 3, 8\}[^\]]*\]\(@\d+\) -> bool_type/);
});

test('fusing twice changes nothing; a program without reductions is unchanged', () => {
  const p = quantizedSoftmax();
  fuseReduce.apply(p, ctx);
  const once = p.toString();
  fuseReduce.apply(p, ctx);
  assert.equal(p.toString(), once);
  const q = new Program();
  const qm = q.mainModule();
  qm.addReturn([qm.addInstruction(makeOp('exp'), [qm.addParameter('x', new Shape('float_type', [3]))])]);
  const before = q.toString();
  fuseReduce.apply(q, ctx);
  assert.equal(q.toString(), before);
});

test("fused kernels name their own ONNX node, not the node their output quantize was made for", () => {
  // Under --fp8 a region's output is often the quantize of the next MatMul's input, which carries that node.
  const nodes = (strategy: 'skip' | 'keep') =>
    compileModel(seedModel(32), { fp8: { attentionQdq: strategy } })
      .program.mainModule()
      .instructions()
      .filter((i) => i.op.name === 'gpu::code_object')
      .map((i) => `${i.op.str('symbol_name').includes('reduce_max') ? (i.op.str('symbol_name').startsWith('wgsl_') ? 'attention' : 'softmax') : 'gemm'} ${i.origin?.node} ${i.origin?.opType}`);
  // keep: Q·Kᵀ, dq → softmax → q (its q is pv_matmul's input), P·V (its q is out_proj's input), w_o.
  assert.deepEqual(nodes('keep'), ['gemm qk_matmul MatMul', 'softmax softmax Softmax', 'gemm pv_matmul MatMul', 'gemm out_proj MatMul']);
  // skip: the attention kernel (its epilogue q is out_proj's input) is named after its P·V MatMul.
  assert.deepEqual(nodes('skip'), ['attention pv_matmul MatMul', 'gemm out_proj MatMul']);
});
