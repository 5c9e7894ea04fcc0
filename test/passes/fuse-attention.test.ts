// fuse-attention: regions marked by find-attention become group[tag=attention] (MIGraphX's
// fuse_attention tests, §9 items 12–14 and 16): with and without scale/mask/epilogue, the keep strategy
// left unfused, an outside user blocks fusion; fused programs evaluate bit for bit like the original.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeOp } from '../../src/ops/index.js';
import type { AttentionMark, Instruction } from '../../src/ir/instruction.js';
import { Program } from '../../src/ir/program.js';
import { Shape } from '../../src/ir/shape.js';
import { Tensor } from '../../src/ir/tensor.js';
import { moduleToString } from '../../src/ir/printer.js';
import { fuseAttention } from '../../src/passes/fuse-attention.js';
import { rewriteReduce } from '../../src/passes/rewrite-reduce.js';
import { eliminateDeadCode } from '../../src/passes/eliminate-dead-code.js';
import { DiagnosticSink } from '../../src/diagnostics.js';
import { evaluateProgram } from '../../src/ref/evaluate.js';
import { randomInputs } from '../../src/inputs/random-inputs.js';

const H = [1, 2, 8, 4]; // batch, heads, sequence, head size (small: numerics are checked)
const S = [1, 2, 8, 8];

interface Options {
  scale?: boolean;
  mask?: 'param' | 'causal';
  epilogue?: boolean;
  leakScores?: boolean;
}

function attention(o: Options) {
  const p = new Program();
  const m = p.mainModule();
  const mark = (ins: Instruction, role: AttentionMark['role']) => {
    ins.meta.attention = { region: 0, pattern: 'test', role };
    return ins;
  };
  const q = m.addParameter('q', new Shape('half_type', H));
  const k = m.addParameter('k', new Shape('half_type', H));
  const v = m.addParameter('v', new Shape('half_type', H));
  const kt = m.addInstruction(makeOp('transpose', { permutation: [0, 1, 3, 2] }), [k]);
  let s = mark(m.addInstruction(makeOp('dot'), [q, kt]), 'gemm1');
  if (o.scale) {
    const c = m.addInstruction(makeOp('multibroadcast', { out_lens: S }), [m.addLiteral(Tensor.scalar('half_type', 0.125))]);
    s = mark(m.addInstruction(makeOp('mul'), [s, c]), 'scores');
  }
  if (o.mask === 'param') {
    const mask = m.addParameter('mask', new Shape('half_type', [1, 1, 8, 8]));
    s = mark(m.addInstruction(makeOp('add'), [s, m.addInstruction(makeOp('multibroadcast', { out_lens: S }), [mask])]), 'scores');
  } else if (o.mask === 'causal') {
    const causal = Tensor.fromNumbers('bool_type', [8, 8], Array.from({ length: 64 }, (_, i) => (i % 8 <= Math.floor(i / 8) ? 1 : 0)));
    const cond = m.addInstruction(makeOp('multibroadcast', { out_lens: S }), [m.addLiteral(causal)]);
    const fill = m.addInstruction(makeOp('multibroadcast', { out_lens: S }), [m.addLiteral(Tensor.scalar('half_type', -Infinity))]);
    s = mark(m.addInstruction(makeOp('where'), [cond, s, fill]), 'scores');
  }
  const probs = mark(m.addInstruction(makeOp('softmax', { axis: 3 }), [s]), 'softmax');
  let out = mark(m.addInstruction(makeOp('dot'), [probs, v]), 'gemm2');
  const outputs: Instruction[] = [];
  if (o.epilogue) {
    const sc = m.addInstruction(makeOp('multibroadcast', { out_lens: H }), [m.addLiteral(Tensor.scalar('half_type', 0.01))]);
    const zp = m.addInstruction(makeOp('multibroadcast', { out_lens: H }), [m.addLiteral(Tensor.scalar('fp8e4m3fn_type', 0))]);
    out = m.addInstruction(makeOp('quantizelinear'), [out, sc, zp]);
    out = m.addInstruction(makeOp('convert', { target_type: 'float_type' }), [out]);
  }
  outputs.push(out);
  if (o.leakScores) outputs.push(s);
  m.addReturn(outputs);
  return p;
}

function fuse(p: Program): DiagnosticSink {
  const diagnostics = new DiagnosticSink();
  rewriteReduce.apply(p, { diagnostics });
  fuseAttention.apply(p, { diagnostics });
  eliminateDeadCode.apply(p, { diagnostics });
  p.validate();
  return diagnostics;
}

test('gemm → softmax → gemm becomes group[tag=attention] with the transposed K outside (MIGraphX gemm_softmax_gemm)', () => {
  const p = attention({});
  fuse(p);
  const main = moduleToString(p.mainModule());
  assert.match(main, /^@\d+ = group\[tag=attention\]\(q,@\d+,v\), \[attn0\] -> half_type, \{1, 2, 8, 4\}, \{64, 32, 4, 1\}$/m);
  assert.match(main, /= transpose\[permutation=\{0, 1, 3, 2\}\]\(k\)/);
  const sub = p.getModule('attn0')!;
  assert.deepEqual(sub.parameterNames().sort(), ['x0', 'x1', 'x2']);
  const ops = sub.instructions().map((i) => i.op.name).filter((n) => !n.startsWith('@') && n !== 'multibroadcast');
  assert.deepEqual(ops, ['dot', 'convert', 'reduce_max', 'sub', 'exp', 'reduce_sum', 'div', 'convert', 'dot']);
});

test('scale constant and causal mask move inside; a mask from the inputs becomes a group input', () => {
  const causal = attention({ scale: true, mask: 'causal' });
  fuse(causal);
  assert.match(moduleToString(causal.mainModule()), /group\[tag=attention\]\(q,@\d+,v\)/);
  const sub = causal.getModule('attn0')!;
  assert.equal(sub.instructions().filter((i) => i.isLiteral()).length, 3, moduleToString(sub));
  const masked = attention({ scale: true, mask: 'param' });
  fuse(masked);
  assert.match(moduleToString(masked.mainModule()), /group\[tag=attention\]\(q,@\d+,@\d+,v\)/);
  assert.equal(masked.getModule('attn0')!.parameters().length, 4);
});

test('the quantizelinear epilogue is absorbed: the group writes fp8 (the seed\'s "after" kernel)', () => {
  const p = attention({ scale: true, epilogue: true });
  fuse(p);
  assert.match(moduleToString(p.mainModule()), /= group\[tag=attention\]\(q,@\d+,v\), \[attn0\] -> float_type, \{1, 2, 8, 4\}/);
  const ops = p.getModule('attn0')!.instructions().map((i) => i.op.name);
  assert.deepEqual(ops.slice(-3), ['quantizelinear', 'convert', '@return']);
});

test('quantized GEMMs (the keep strategy) are left unfused, with a diagnostic', () => {
  const p = new Program();
  const m = p.mainModule();
  const mark = (ins: Instruction, role: AttentionMark['role']) => {
    ins.meta.attention = { region: 0, pattern: 'test', role };
    return ins;
  };
  const fp8 = (name: string, lens: number[]) => m.addParameter(name, new Shape('fp8e4m3fn_type', lens));
  const mb = (v: number, type: 'float_type' | 'fp8e4m3fn_type', lens: number[]) =>
    m.addInstruction(makeOp('multibroadcast', { out_lens: lens }), [m.addLiteral(Tensor.scalar(type, v))]);
  const s = mark(m.addInstruction(makeOp('quant_dot'), [fp8('q', H), fp8('kt', [1, 2, 4, 8])]), 'gemm1');
  const dq = mark(m.addInstruction(makeOp('dequantizelinear'), [s, mb(0.0025, 'float_type', S)]), 'scores');
  const sm = mark(m.addInstruction(makeOp('softmax', { axis: 3 }), [dq]), 'softmax');
  const q = mark(m.addInstruction(makeOp('quantizelinear'), [sm, mb(1 / 448, 'float_type', S), mb(0, 'fp8e4m3fn_type', S)]), 'probs');
  m.addReturn([mark(m.addInstruction(makeOp('quant_dot'), [q, fp8('v', H)]), 'gemm2')]);
  const d = fuse(p);
  assert.doesNotMatch(p.toString(), /group/);
  assert.ok(d.items.some((x) => x.code === 'ATTENTION_NOT_FUSED_QUANTIZED' && /--attention-qdq keep/.test(x.message)));
});

test('scores that are also a graph output are recomputed outside, and the block still fuses (bit for bit)', () => {
  const plain = attention({ scale: true, leakScores: true });
  const fused = attention({ scale: true, leakScores: true });
  rewriteReduce.apply(plain, { diagnostics: new DiagnosticSink() });
  const d = fuse(fused);
  const main = moduleToString(fused.mainModule());
  assert.match(main, /= group\[tag=attention\]/);
  assert.equal(main.match(/= dot\(/g)?.length, 1, 'the recomputed score dot is outside the group');
  assert.ok(d.items.some((x) => x.code === 'ATTENTION_SCORES_RECOMPUTED'));
  const inputs = randomInputs(plain.mainModule(), 4);
  const a = evaluateProgram(plain, inputs);
  const b = evaluateProgram(fused, inputs);
  a.forEach((t, k) => assert.deepEqual(Array.from(b[k]!.toFloat32Array()), Array.from(t.toFloat32Array()), `output ${k}`));
});

test('an intermediate read by another op stops fusion, with a diagnostic', () => {
  const p = attention({ scale: true });
  const m = p.mainModule();
  const scores = m.instructions().find((i) => i.meta.attention?.role === 'scores')!;
  const ret = m.returnInstruction()!;
  const neg = m.insertInstruction(ret, makeOp('neg'), [scores]);
  m.replaceReturn([...ret.inputs, neg]);
  const d = fuse(p);
  assert.doesNotMatch(p.toString(), /group/);
  assert.ok(d.items.some((x) => x.code === 'ATTENTION_NOT_FUSED_OUTSIDE_USE' && /also used outside/.test(x.message)));
});

test('fused programs evaluate bit for bit like the unfused ones', () => {
  for (const o of [{}, { scale: true, mask: 'causal' as const }, { scale: true, mask: 'param' as const, epilogue: true }]) {
    const plain = attention(o);
    const fused = attention(o);
    rewriteReduce.apply(plain, { diagnostics: new DiagnosticSink() });
    fuse(fused);
    const inputs = randomInputs(plain.mainModule(), 2);
    const a = evaluateProgram(plain, inputs);
    const b = evaluateProgram(fused, inputs);
    assert.deepEqual(Array.from(b[0]!.toFloat32Array()), Array.from(a[0]!.toFloat32Array()), JSON.stringify(o));
  }
});

test('fusing twice changes nothing', () => {
  const p = attention({ scale: true, mask: 'param', epilogue: true });
  fuse(p);
  const once = p.toString();
  fuse(p);
  assert.equal(p.toString(), once);
});
