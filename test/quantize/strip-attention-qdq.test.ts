// strip-attention-qdq (`--attention-qdq remove`), the MIGraphX way: fuse_attention's
// fp8_quant_gemm_softmax_gemm (reference/migraphx.md §9 behaviour 15) with find-attention's marks in place
// of the quant_dot → dq → softmax pattern, and the prototype's op_capture_skip_attention graph.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Instruction } from '../../src/ir/instruction.js';
import type { Module } from '../../src/ir/module.js';
import { moduleToString } from '../../src/ir/printer.js';
import { Shape } from '../../src/ir/shape.js';
import { Tensor } from '../../src/ir/tensor.js';
import type { ElementType } from '../../src/ir/types.js';
import { makeOp } from '../../src/ops/index.js';
import { captureArguments } from '../../src/passes/capture-arguments.js';
import { quantizeFp8 } from '../../src/passes/quantize-fp8.js';
import { stripAttentionQdq } from '../../src/passes/strip-attention-qdq.js';
import { addQuantizeOp, assertSameSorted, opsNamed, program, run } from './helpers.js';

const half = (...lens: number[]) => new Shape('half_type', lens);
const op = (m: Module, name: string, inputs: Instruction[], attrs = {}) => m.addInstruction(makeOp(name, attrs), inputs);
const lit = (m: Module, v: number, t: ElementType) => m.addLiteral(Tensor.scalar(t, v));
const PATTERN = 'dot → softmax → dot';
const mark = (ins: Instruction, role: 'gemm1' | 'gemm2' | 'scores' | 'softmax' | 'probs') => (ins.meta.attention = { region: 0, pattern: PATTERN, role });

/** reduce_max / sub / exp / reduce_sum / div over the last axis (rewrite_reduce's decomposed softmax). */
function softmax(m: Module, x: Instruction, marked: boolean): Instruction {
  const lens = [...x.shape.lens];
  const axes = [lens.length - 1];
  const mx = op(m, 'multibroadcast', [op(m, 'reduce_max', [x], { axes })], { out_lens: lens });
  const e = op(m, 'exp', [op(m, 'sub', [x, mx])]);
  const s = op(m, 'multibroadcast', [op(m, 'reduce_sum', [e], { axes })], { out_lens: lens });
  const y = op(m, 'div', [e, s]);
  if (marked) for (const i of [mx, e, s, y]) mark(i, 'softmax');
  return y;
}

test('fp8_quant_gemm_softmax_gemm: region quant_dots go back to float dots on the original inputs; none remains', () => {
  // q, k, v half [1, 12, 256, 256]; Q with scale 0.05 on q, kᵀ, P and v; dq scale 0.0025 after the first quant_dot.
  const lens = [1, 12, 256, 256];
  const { p, m } = program();
  const q = m.addParameter('q', half(...lens));
  const k = m.addParameter('k', half(...lens));
  const v = m.addParameter('v', half(...lens));
  const sh = lit(m, 0.05, 'half_type');
  const sf = lit(m, 0.05, 'float_type');
  const zero = lit(m, 0, 'fp8e4m3fn_type');
  const kt = op(m, 'transpose', [k], { permutation: [0, 1, 3, 2] });
  const qd1 = op(m, 'quant_dot', [addQuantizeOp(m, 'quantizelinear', q, sh, zero), addQuantizeOp(m, 'quantizelinear', kt, sh, zero)]);
  const dq1 = addQuantizeOp(m, 'dequantizelinear', qd1, lit(m, 0.0025, 'float_type'));
  const probs = softmax(m, dq1, true);
  const qd2 = op(m, 'quant_dot', [addQuantizeOp(m, 'quantizelinear', probs, sf, zero), addQuantizeOp(m, 'quantizelinear', v, sh, zero)]);
  const dq2 = addQuantizeOp(m, 'dequantizelinear', qd2, lit(m, 0.0025, 'float_type'));
  m.addReturn([dq2]);
  for (const [i, role] of [[qd1, 'gemm1'], [dq1, 'gemm1'], [qd2, 'gemm2'], [dq2, 'gemm2']] as const) mark(i, role);

  const e = program().m;
  const eq = e.addParameter('q', half(...lens));
  const ek = e.addParameter('k', half(...lens));
  const ev = e.addParameter('v', half(...lens));
  const d1 = op(e, 'convert', [op(e, 'dot', [eq, op(e, 'transpose', [ek], { permutation: [0, 1, 3, 2] })])], { target_type: 'float_type' });
  const eprobs = softmax(e, d1, false);
  // The float probabilities meet half V: converted to V's type, as find_quant_attention's dequantize_gemm does.
  const d2 = op(e, 'dot', [op(e, 'convert', [eprobs], { target_type: 'half_type' }), ev]);
  e.addReturn([op(e, 'convert', [d2], { target_type: 'float_type' })]);

  const sink = run(p, stripAttentionQdq);
  assert.equal(opsNamed(m, 'quant_dot').length, 0);
  assertSameSorted(m, e);
  assert.match(sink.items.find((d) => d.code === 'FP8_ATTENTION_QDQ_REMOVED')?.message ?? '', /2 quant_dot\(s\) turned back into float dots/);
  assert.match(opsNamed(m, 'dot')[0]!.meta.quantizationSkipped ?? '', /Q\/DQ removed after quantization/);
});

test('a region quant_dot whose operand is not a quantizelinear stays, with a warning; unmarked quant_dots stay', () => {
  const build = () => {
    const { p, m } = program();
    const a = m.addParameter('a', new Shape('fp8e4m3fn_type', [4, 8]));
    const b = m.addParameter('b', half(8, 2));
    const s = lit(m, 0.5, 'half_type');
    const zero = lit(m, 0, 'fp8e4m3fn_type');
    const marked = op(m, 'quant_dot', [a, addQuantizeOp(m, 'quantizelinear', b, s, zero)]);
    mark(marked, 'gemm1');
    const plain = op(m, 'quant_dot', [a, addQuantizeOp(m, 'quantizelinear', b, s, zero)]);
    m.addReturn([addQuantizeOp(m, 'dequantizelinear', marked, lit(m, 0.25, 'float_type')), addQuantizeOp(m, 'dequantizelinear', plain, lit(m, 0.25, 'float_type'))]);
    return { p, m };
  };
  const { p, m } = build();
  const sink = run(p, stripAttentionQdq);
  assert.equal(moduleToString(m), moduleToString(build().m));
  assert.match(sink.items.find((d) => d.code === 'FP8_ATTENTION_QDQ_KEPT')?.message ?? '', /an operand is not a quantizelinear output/);
});

test('op_capture_skip_attention (PR prototype): attention dots get no dq inputs, the projections around them do', () => {
  // pre = dot(x, wq) → dot(pre, kᵀ) → softmax → dot(·, v) → out = dot(·, wo), attention hand-marked.
  const f = (...lens: number[]) => new Shape('float_type', lens);
  const { p, m } = program();
  const x = m.addParameter('x', f(2, 4, 8));
  const wq = m.addParameter('wq', f(2, 8, 8));
  const k = m.addParameter('k', f(2, 4, 8));
  const v = m.addParameter('v', f(2, 4, 8));
  const wo = m.addParameter('wo', f(2, 8, 8));
  const pre = op(m, 'dot', [x, wq]);
  const scores = op(m, 'dot', [pre, op(m, 'transpose', [k], { permutation: [0, 2, 1] })]);
  const sm = op(m, 'softmax', [scores], { axis: 2 });
  const attn = op(m, 'dot', [sm, v]);
  const out = op(m, 'dot', [attn, wo]);
  m.addReturn([out]);
  mark(scores, 'gemm1');
  mark(sm, 'softmax');
  mark(attn, 'gemm2');
  run(p, captureArguments({ quantizeOps: ['dot'], attention: 'skip' }), quantizeFp8({ format: 'e4m3fn', seed: 0 }));
  const dqInputs = (i: Instruction) => i.inputs.map((x) => x.op.name === 'dequantizelinear');
  assert.deepEqual(dqInputs(scores), [false, false]);
  assert.deepEqual(dqInputs(attn), [false, false]);
  assert.deepEqual(dqInputs(pre), [true, true]);
  assert.deepEqual(dqInputs(out), [true, true]);
});
