// fuse-gemm and propagate-constant: a quantized GEMM with its quantize prologue and dequantize epilogue
// is one group (the seed's `…quantizelinear_quant_dot_dequantizelinear` kernel); quantized constant
// weights fold to fp8 literals first; evaluation is unchanged bit for bit.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeOp } from '../../src/ops/index.js';
import type { Instruction } from '../../src/ir/instruction.js';
import { Program } from '../../src/ir/program.js';
import { Shape } from '../../src/ir/shape.js';
import { Tensor } from '../../src/ir/tensor.js';
import { moduleToString } from '../../src/ir/printer.js';
import { fuseGemm } from '../../src/passes/fuse-gemm.js';
import { propagateConstant } from '../../src/passes/propagate-constant.js';
import { eliminateDeadCode } from '../../src/passes/eliminate-dead-code.js';
import { DiagnosticSink } from '../../src/diagnostics.js';
import { evaluateProgram } from '../../src/ref/evaluate.js';
import { randomInputs, seededRandom } from '../../src/inputs/random-inputs.js';
import { gemmThenGelu } from '../helpers/gemm-then-gelu.js';

const ctx = { diagnostics: new DiagnosticSink() };

/** x (fp8, from an earlier kernel) · q(w) → dq, with w a parameter or a constant weight. */
function quantizedGemm(weight: 'param' | 'literal'): Program {
  const p = new Program();
  const m = p.mainModule();
  const x = m.addParameter('x', new Shape('fp8e4m3fn_type', [1, 2, 8, 4]));
  const next = seededRandom(1);
  const w =
    weight === 'param'
      ? m.addParameter('w', new Shape('half_type', [1, 2, 4, 4]))
      : m.addLiteral(Tensor.fromNumbers('half_type', [1, 2, 4, 4], Array.from({ length: 32 }, () => next() - 0.5)));
  const mb = (v: number, type: 'half_type' | 'fp8e4m3fn_type', lens: number[]) =>
    m.addInstruction(makeOp('multibroadcast', { out_lens: lens }), [m.addLiteral(Tensor.scalar(type, v))]);
  const qw = m.addInstruction(makeOp('quantizelinear'), [w, mb(0.01, 'half_type', [1, 2, 4, 4]), mb(0, 'fp8e4m3fn_type', [1, 2, 4, 4])]);
  const g = m.addInstruction(makeOp('quant_dot'), [x, qw]);
  const dq = m.addInstruction(makeOp('dequantizelinear'), [g, mb(0.0001, 'half_type', [1, 2, 8, 4])]);
  m.addReturn([dq]);
  return p;
}

const opsIn = (p: Program, name: string) => p.getModule(name)!.instructions().map((i: Instruction) => i.op.name).filter((n) => !n.startsWith('@') && n !== 'multibroadcast');

test('quantize prologue, quant_dot and dequantize epilogue are one gemm group', () => {
  const p = quantizedGemm('param');
  fuseGemm.apply(p, ctx);
  eliminateDeadCode.apply(p, ctx);
  p.validate();
  assert.match(moduleToString(p.mainModule()), /= group\[tag=gemm\]\(w,x\), \[gemm0\] -> half_type, \{1, 2, 8, 4\}/);
  assert.deepEqual(opsIn(p, 'gemm0'), ['quantizelinear', 'quant_dot', 'dequantizelinear']);
});

test('a constant weight is quantized at compile time: the gemm reads an fp8 literal', () => {
  const p = quantizedGemm('literal');
  propagateConstant.apply(p, ctx);
  eliminateDeadCode.apply(p, ctx);
  fuseGemm.apply(p, ctx);
  eliminateDeadCode.apply(p, ctx);
  const main = moduleToString(p.mainModule());
  assert.match(main, /^@0 = @literal\{ \.\.\. \} -> fp8e4m3fn_type, \{1, 2, 4, 4\}/m);
  assert.match(main, /= group\[tag=gemm\]\(x,@0\), \[gemm0\]/);
  assert.doesNotMatch(main, /quantizelinear/);
  assert.deepEqual(opsIn(p, 'gemm0'), ['quant_dot', 'dequantizelinear']);
});

test('fusion and constant folding keep the results bit for bit', () => {
  for (const weight of ['param', 'literal'] as const) {
    const plain = quantizedGemm(weight);
    const fused = quantizedGemm(weight);
    propagateConstant.apply(fused, ctx);
    fuseGemm.apply(fused, ctx);
    eliminateDeadCode.apply(fused, ctx);
    const inputs = randomInputs(plain.mainModule(), 9);
    const [a] = evaluateProgram(plain, inputs);
    const [b] = evaluateProgram(fused, inputs);
    assert.deepEqual(Array.from(b!.toFloat32Array()), Array.from(a!.toFloat32Array()), weight);
  }
});

test('the prologue takes one quantize or convert per operand: a GELU before the quantize stays outside', () => {
  // BERT's FFN: h = gelu(u); quant_dot(q(h), w8). The GEMM kernel applies one op to an operand as it loads it.
  const p = new Program();
  const m = p.mainModule();
  const u = m.addParameter('u', new Shape('float_type', [1, 4, 8]));
  const w = m.addParameter('w', new Shape('fp8e4m3fn_type', [1, 8, 4]));
  const k = (v: number, type: 'float_type' | 'fp8e4m3fn_type' = 'float_type') => m.addInstruction(makeOp('multibroadcast', { out_lens: [1, 4, 8] }), [m.addLiteral(Tensor.scalar(type, v))]);
  const op = (name: string, ...args: Instruction[]) => m.addInstruction(makeOp(name), args);
  const gelu = op('mul', op('mul', u, op('add', op('erf', op('div', u, k(Math.SQRT2))), k(1))), k(0.5));
  const q = op('quantizelinear', gelu, k(0.05), k(0, 'fp8e4m3fn_type'));
  m.addReturn([op('quant_dot', q, w)]);
  const params = randomInputs(m, 2);
  const before = evaluateProgram(p, params)[0]!;
  fuseGemm.apply(p, ctx);
  eliminateDeadCode.apply(p, ctx);
  const main = moduleToString(p.mainModule());
  assert.match(main, /= group\[tag=gemm\]\(@\d+,w\)/, main);
  const gemm = p.toString().split('module: "gemm0"\n')[1]!;
  assert.deepEqual([...gemm.matchAll(/= ([a-z_]+)[[(]/g)].map((x) => x[1]).filter((o) => o !== 'multibroadcast'), ['quantizelinear', 'quant_dot']);
  for (const o of ['div', 'erf', 'add', 'mul']) assert.match(main, new RegExp(`= ${o}\\(`), `${o} stays in main for fuse-pointwise`);
  assert.deepEqual([...evaluateProgram(p, params)[0]!.toFloat32Array()], [...before.toFloat32Array()]);
});

test('the epilogue takes GELU after the GEMM: x is read twice, by x / √2 and by the product, both in the chain', () => {
  const p = gemmThenGelu(false);
  const params = randomInputs(p.mainModule(), 4);
  const before = evaluateProgram(p, params)[0]!;
  fuseGemm.apply(p, ctx);
  eliminateDeadCode.apply(p, ctx);
  p.validate();
  assert.deepEqual(opsIn(p, 'gemm0'), ['dot', 'add', 'div', 'erf', 'add', 'mul', 'mul']);
  assert.doesNotMatch(moduleToString(p.mainModule()), /erf/);
  assert.deepEqual([...evaluateProgram(p, params)[0]!.toFloat32Array()], [...before.toFloat32Array()]);
});

test('a value of the epilogue also read outside the chain ends the group there (the GELU after it stays outside)', () => {
  const p = gemmThenGelu(true);
  const params = randomInputs(p.mainModule(), 4);
  const before = evaluateProgram(p, params);
  fuseGemm.apply(p, ctx);
  eliminateDeadCode.apply(p, ctx);
  p.validate();
  assert.deepEqual(opsIn(p, 'gemm0'), ['dot', 'add']);
  assert.match(moduleToString(p.mainModule()), /= erf\(/);
  assert.deepEqual(evaluateProgram(p, params).map((t) => [...t.toFloat32Array()]), before.map((t) => [...t.toFloat32Array()]));
});

test('fuse-gemm twice changes nothing', () => {
  const p = quantizedGemm('param');
  fuseGemm.apply(p, ctx);
  const once = p.toString();
  fuseGemm.apply(p, ctx);
  assert.equal(p.toString(), once);
});

test('propagate-constant folds an elementwise op on broadcast scalars to a broadcast scalar, never a full tensor', () => {
  const p = new Program();
  const m = p.mainModule();
  const x = m.addParameter('x', new Shape('float_type', [64, 64]));
  const mb = (v: number) => m.addInstruction(makeOp('multibroadcast', { out_lens: [64, 64] }), [m.addLiteral(Tensor.scalar('float_type', v))]);
  const scale = m.addInstruction(makeOp('mul'), [mb(0.5), mb(0.25)]);
  m.addReturn([m.addInstruction(makeOp('dequantizelinear'), [x, scale])]);
  propagateConstant.apply(p, ctx);
  eliminateDeadCode.apply(p, ctx);
  const main = moduleToString(p.mainModule());
  assert.match(main, /^@0 = @literal\{0\.125\} -> float_type, \{1\}, \{0\}$/m);
  assert.match(main, /= multibroadcast\[out_lens=\{64, 64\},out_dyn_dims=\{\}\]\(@0\)/);
  assert.doesNotMatch(main, /= mul\(/);
});
