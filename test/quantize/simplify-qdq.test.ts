// simplify-qdq, the MIGraphX way (test/simplify_qdq_test.cpp; reference/migraphx.md §9 behaviours 1–9):
// build the input module, run the pass and dead-code elimination, build the expected module, compare text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Instruction } from '../../src/ir/instruction.js';
import type { Module } from '../../src/ir/module.js';
import { moduleToString } from '../../src/ir/printer.js';
import { Shape } from '../../src/ir/shape.js';
import { Tensor } from '../../src/ir/tensor.js';
import type { ElementType } from '../../src/ir/types.js';
import { makeOp } from '../../src/ops/index.js';
import { simplifyQdq } from '../../src/passes/simplify-qdq.js';
import { addQuantizeOp, addScaleMul, assertSame, assertSameSorted, opsNamed, program, run } from './helpers.js';

const float = (...lens: number[]) => new Shape('float_type', lens);
const half = (...lens: number[]) => new Shape('half_type', lens);
const scalar = (m: Module, v: number, type: ElementType = 'float_type') => m.addLiteral(Tensor.scalar(type, v));
const literal = (m: Module, type: ElementType, values: number[]) => m.addLiteral(Tensor.fromNumbers(type, [values.length], values));
const convert = (m: Module, x: Instruction, t: ElementType) => m.addInstruction(makeOp('convert', { target_type: t }), [x]);
const op = (m: Module, name: string, inputs: Instruction[], attrs = {}) => m.addInstruction(makeOp(name, attrs), inputs);
const ramp = (n: number) => Array.from({ length: n }, (_, i) => 0.01 + i / 1000);

test('remove_qdq: add(dq(q(a)), dq(q(b))) with equal scales becomes add(a, b)', () => {
  const { p, m } = program();
  const t1 = m.addParameter('t1', float(100, 100));
  const t2 = m.addParameter('t2', float(100, 100));
  const scale = scalar(m, 0.5);
  const zero = scalar(m, 0, 'int8_type');
  const d1 = addQuantizeOp(m, 'dequantizelinear', addQuantizeOp(m, 'quantizelinear', t1, scale, zero), scale, zero);
  const d2 = addQuantizeOp(m, 'dequantizelinear', addQuantizeOp(m, 'quantizelinear', t2, scale, zero), scale, zero);
  m.addReturn([op(m, 'add', [d1, d2])]);

  const e = program().m;
  const e1 = e.addParameter('t1', float(100, 100));
  const e2 = e.addParameter('t2', float(100, 100));
  e.addReturn([op(e, 'add', [e1, e2])]);

  run(p, simplifyQdq);
  assertSame(m, e);
});

test('qdq_different_scales: q with scale 0.5 and dq with 0.4 leave the module unchanged', () => {
  const build = () => {
    const { p, m } = program();
    const t1 = m.addParameter('t1', float(100, 100));
    const t2 = m.addParameter('t2', float(100, 100));
    const s1 = scalar(m, 0.5);
    const s2 = scalar(m, 0.4);
    const zero = scalar(m, 1, 'int8_type');
    const d1 = addQuantizeOp(m, 'dequantizelinear', addQuantizeOp(m, 'quantizelinear', t1, s1, zero), s2, zero);
    const d2 = addQuantizeOp(m, 'dequantizelinear', addQuantizeOp(m, 'quantizelinear', t2, s1, zero), s2, zero);
    m.addReturn([op(m, 'add', [d1, d2])]);
    return { p, m };
  };
  const { p, m } = build();
  run(p, simplifyQdq);
  assertSame(m, build().m);
});

/** dot(dq(q(t1)), dq(q(t2))) with one scale and zero point of `zeroType`. */
function dotModule(zeroType: ElementType, sh1 = float(1280, 1000), sh2 = float(1000, 1024)) {
  const { p, m } = program();
  const t1 = m.addParameter('t1', sh1);
  const t2 = m.addParameter('t2', sh2);
  const scale = scalar(m, 0.5);
  const zero = scalar(m, 0, zeroType);
  const d1 = addQuantizeOp(m, 'dequantizelinear', addQuantizeOp(m, 'quantizelinear', t1, scale, zero), scale, zero);
  const d2 = addQuantizeOp(m, 'dequantizelinear', addQuantizeOp(m, 'quantizelinear', t2, scale, zero), scale, zero);
  const dot = op(m, 'dot', [d1, d2]);
  m.addReturn([dot]);
  return { p, m };
}

function quantDotExpected(zeroType: ElementType, sh1 = float(1280, 1000), sh2 = float(1000, 1024)) {
  const { m } = program();
  const t1 = m.addParameter('t1', sh1);
  const t2 = m.addParameter('t2', sh2);
  const scale = scalar(m, 0.5);
  const zero = scalar(m, 0, zeroType);
  const q1 = addQuantizeOp(m, 'quantizelinear', t1, scale, zero);
  const q2 = addQuantizeOp(m, 'quantizelinear', t2, scale, zero);
  const dot = op(m, 'quant_dot', [q1, q2]);
  const outScale = addScaleMul(m, scale, scale, 1, 1, dot.shape.lens);
  m.addReturn([addQuantizeOp(m, 'dequantizelinear', dot, outScale)]);
  return m;
}

test('dot: int8 Q/DQ around a dot becomes dequantizelinear(quant_dot, mul(scales)), zero point dropped', () => {
  const { p, m } = dotModule('int8_type');
  run(p, simplifyQdq);
  assertSame(m, quantDotExpected('int8_type'));
  assert.match(moduleToString(m), /quant_dot\(.*\) -> int32_type/);
});

test('dot: every fp8 format gives a quant_dot with a float result', () => {
  for (const t of ['fp8e4m3fn_type', 'fp8e4m3fnuz_type', 'fp8e5m2_type', 'fp8e5m2fnuz_type'] as const) {
    const { p, m } = dotModule(t, float(8, 16), float(16, 4));
    run(p, simplifyQdq);
    assertSame(m, quantDotExpected(t, float(8, 16), float(16, 4)));
    assert.equal(opsNamed(m, 'quant_dot')[0]!.shape.type, 'float_type', t);
  }
});

test('dot_fp16: half → float converts around the Q/DQ; the result gains a trailing convert to half', () => {
  const { p, m } = program();
  const t1 = m.addParameter('t1', half(1280, 1000));
  const t2 = m.addParameter('t2', half(1000, 1024));
  const scale = scalar(m, 0.5);
  const zero = scalar(m, 0, 'int8_type');
  const t1f = convert(m, t1, 'float_type');
  const t2f = convert(m, t2, 'float_type');
  const d1 = addQuantizeOp(m, 'dequantizelinear', addQuantizeOp(m, 'quantizelinear', t1f, scale, zero), scale, zero);
  const d2 = addQuantizeOp(m, 'dequantizelinear', addQuantizeOp(m, 'quantizelinear', t2f, scale, zero), scale, zero);
  m.addReturn([op(m, 'dot', [convert(m, d1, 'half_type'), convert(m, d2, 'half_type')])]);

  const e = program().m;
  const e1 = e.addParameter('t1', half(1280, 1000));
  const e2 = e.addParameter('t2', half(1000, 1024));
  const es = scalar(e, 0.5);
  const ez = scalar(e, 0, 'int8_type');
  const q1 = addQuantizeOp(e, 'quantizelinear', convert(e, e1, 'float_type'), es, ez);
  const q2 = addQuantizeOp(e, 'quantizelinear', convert(e, e2, 'float_type'), es, ez);
  const dot = op(e, 'quant_dot', [q1, q2]);
  const d3 = addQuantizeOp(e, 'dequantizelinear', dot, addScaleMul(e, es, es, 1, 1, dot.shape.lens));
  e.addReturn([convert(e, d3, 'half_type')]);

  run(p, simplifyQdq);
  assertSameSorted(m, e);
});

test('dot with half scales (what quantize-fp8 makes for a half model): the scales multiply in float', () => {
  const { p, m } = program();
  const t1 = m.addParameter('t1', half(8, 16));
  const t2 = m.addParameter('t2', half(16, 4));
  const s1 = scalar(m, 2 ** -14, 'half_type');
  const s2 = scalar(m, 2 ** -13, 'half_type');
  const zero = scalar(m, 0, 'fp8e4m3fn_type');
  const d1 = addQuantizeOp(m, 'dequantizelinear', addQuantizeOp(m, 'quantizelinear', t1, s1, zero), s1, zero);
  const d2 = addQuantizeOp(m, 'dequantizelinear', addQuantizeOp(m, 'quantizelinear', t2, s2, zero), s2, zero);
  m.addReturn([op(m, 'dot', [d1, d2])]);

  const e = program().m;
  const e1 = e.addParameter('t1', half(8, 16));
  const e2 = e.addParameter('t2', half(16, 4));
  const es1 = scalar(e, 2 ** -14, 'half_type');
  const es2 = scalar(e, 2 ** -13, 'half_type');
  const ez = scalar(e, 0, 'fp8e4m3fn_type');
  const dot = op(e, 'quant_dot', [addQuantizeOp(e, 'quantizelinear', e1, es1, ez), addQuantizeOp(e, 'quantizelinear', e2, es2, ez)]);
  // 2^-14 · 2^-13 = 2^-27 is below half's smallest subnormal (2^-24): it must not be a half product.
  const scale = addScaleMul(e, scalar(e, 2 ** -14), scalar(e, 2 ** -13), 1, 1, dot.shape.lens);
  e.addReturn([convert(e, addQuantizeOp(e, 'dequantizelinear', dot, scale), 'half_type')]);

  run(p, simplifyQdq);
  assertSameSorted(m, e);
});

test('dot_multi_scale: a per-row scale on A (length M) gives a broadcast out-scale', () => {
  const { p, m } = program();
  const t1 = m.addParameter('t1', float(1280, 1000));
  const t2 = m.addParameter('t2', float(1000, 1024));
  const s1 = literal(m, 'float_type', ramp(1280));
  const s2 = scalar(m, 0.4);
  const zero = scalar(m, 0, 'int8_type');
  const d1 = addQuantizeOp(m, 'dequantizelinear', addQuantizeOp(m, 'quantizelinear', t1, s1, zero, 0), s1, zero, 0);
  const d2 = addQuantizeOp(m, 'dequantizelinear', addQuantizeOp(m, 'quantizelinear', t2, s2, zero, 1), s2, zero, 1);
  m.addReturn([op(m, 'dot', [d1, d2])]);

  const e = program().m;
  const e1 = e.addParameter('t1', float(1280, 1000));
  const e2 = e.addParameter('t2', float(1000, 1024));
  const es1 = literal(e, 'float_type', ramp(1280));
  const es2 = scalar(e, 0.4);
  const ez = scalar(e, 0, 'int8_type');
  const q1 = addQuantizeOp(e, 'quantizelinear', e1, es1, ez, 0);
  const q2 = addQuantizeOp(e, 'quantizelinear', e2, es2, ez, 1);
  const dot = op(e, 'quant_dot', [q1, q2]);
  e.addReturn([addQuantizeOp(e, 'dequantizelinear', dot, addScaleMul(e, es1, es2, 0, 1, dot.shape.lens))]);

  run(p, simplifyQdq);
  assertSame(m, e);
});

test('dot_broadcasted / dot_transposed / dot_reshaped: the layout op moves onto the quantized tensor', () => {
  const cases: { name: string; sh2: Shape; layout: (m: Module, x: Instruction) => Instruction }[] = [
    { name: 'broadcast', sh2: float(1000, 1024), layout: (m, x) => op(m, 'multibroadcast', [x], { out_lens: [2, 1000, 1024] }) },
    { name: 'transpose', sh2: float(1024, 1000), layout: (m, x) => op(m, 'transpose', [x], { permutation: [1, 0] }) },
    { name: 'reshape', sh2: float(1024, 1000), layout: (m, x) => op(m, 'reshape', [x], { dims: [1000, 1024] }) },
  ];
  for (const c of cases) {
    const sh1 = c.name === 'broadcast' ? float(2, 1280, 1000) : float(1280, 1000);
    const { p, m } = program();
    const t1 = m.addParameter('t1', sh1);
    const t2 = m.addParameter('t2', c.sh2);
    const scale = scalar(m, 0.5);
    const zero = scalar(m, 0, 'int8_type');
    const d1 = addQuantizeOp(m, 'dequantizelinear', addQuantizeOp(m, 'quantizelinear', t1, scale, zero), scale, zero);
    const d2 = addQuantizeOp(m, 'dequantizelinear', addQuantizeOp(m, 'quantizelinear', t2, scale, zero), scale, zero);
    m.addReturn([op(m, 'dot', [d1, c.layout(m, d2)])]);

    const e = program().m;
    const e1 = e.addParameter('t1', sh1);
    const e2 = e.addParameter('t2', c.sh2);
    const es = scalar(e, 0.5);
    const ez = scalar(e, 0, 'int8_type');
    const q1 = addQuantizeOp(e, 'quantizelinear', e1, es, ez);
    const q2 = addQuantizeOp(e, 'quantizelinear', e2, es, ez);
    const dot = op(e, 'quant_dot', [q1, c.layout(e, q2)]);
    e.addReturn([addQuantizeOp(e, 'dequantizelinear', dot, addScaleMul(e, es, es, 1, 1, dot.shape.lens))]);

    run(p, simplifyQdq);
    assertSame(m, e);
  }
});

test('dot_multi_scale_all_skip_post_dq_ops: per-axis scales followed through reshape, transpose and multibroadcast', () => {
  const { p, m } = program();
  const t1 = m.addParameter('t1', float(2, 3, 1280, 1000));
  const t2 = m.addParameter('t2', float(1024, 10, 100));
  const s1 = literal(m, 'float_type', ramp(1280));
  const s2 = literal(m, 'float_type', ramp(1024));
  const zero = scalar(m, 0, 'int8_type');
  const d1 = addQuantizeOp(m, 'dequantizelinear', addQuantizeOp(m, 'quantizelinear', t1, s1, zero, 2), s1, zero, 2);
  const d2 = addQuantizeOp(m, 'dequantizelinear', addQuantizeOp(m, 'quantizelinear', t2, s2, zero, 0), s2, zero, 0);
  const d2r = op(m, 'reshape', [d2], { dims: [1024, 1000] });
  const d2t = op(m, 'transpose', [d2r], { permutation: [1, 0] });
  const d2mb = op(m, 'multibroadcast', [d2t], { out_lens: [2, 3, 1000, 1024] });
  m.addReturn([op(m, 'dot', [d1, d2mb])]);

  const e = program().m;
  const e1 = e.addParameter('t1', float(2, 3, 1280, 1000));
  const e2 = e.addParameter('t2', float(1024, 10, 100));
  const es1 = literal(e, 'float_type', ramp(1280));
  const es2 = literal(e, 'float_type', ramp(1024));
  const ez = scalar(e, 0, 'int8_type');
  const q1 = addQuantizeOp(e, 'quantizelinear', e1, es1, ez, 2);
  const q2 = addQuantizeOp(e, 'quantizelinear', e2, es2, ez, 0);
  const q2r = op(e, 'reshape', [q2], { dims: [1024, 1000] });
  const q2t = op(e, 'transpose', [q2r], { permutation: [1, 0] });
  const q2mb = op(e, 'multibroadcast', [q2t], { out_lens: [2, 3, 1000, 1024] });
  const dot = op(e, 'quant_dot', [q1, q2mb]);
  e.addReturn([addQuantizeOp(e, 'dequantizelinear', dot, addScaleMul(e, es1, es2, 2, 3, dot.shape.lens))]);

  run(p, simplifyQdq);
  assertSame(m, e);
});

/** dot(t1, t2) on float parameters: what a rejected dot falls back to once its pairs are removed. */
function floatDot(sh1: Shape, sh2: Shape): Module {
  const e = program().m;
  const e1 = e.addParameter('t1', sh1);
  const e2 = e.addParameter('t2', sh2);
  e.addReturn([op(e, 'dot', [e1, e2])]);
  return e;
}

test('dot_multi_scale_unsupported_axis: a per-axis scale on K falls back to a float dot (and says why)', () => {
  const { p, m } = program();
  const t1 = m.addParameter('t1', float(1280, 1000));
  const t2 = m.addParameter('t2', float(1000, 1024));
  const s1 = literal(m, 'float_type', ramp(1000));
  const s2 = scalar(m, 0.4);
  const zero = scalar(m, 0, 'int8_type');
  const d1 = addQuantizeOp(m, 'dequantizelinear', addQuantizeOp(m, 'quantizelinear', t1, s1, zero, 1), s1, zero, 1);
  const d2 = addQuantizeOp(m, 'dequantizelinear', addQuantizeOp(m, 'quantizelinear', t2, s2, zero, 1), s2, zero, 1);
  m.addReturn([op(m, 'dot', [d1, d2])]);
  const sink = run(p, simplifyQdq);
  assertSame(m, floatDot(float(1280, 1000), float(1000, 1024)));
  const d = sink.items.find((i) => i.code === 'FP8_QUANT_DOT_REJECTED');
  assert.match(d?.message ?? '', /axis 1, which is not M/);
});

test('a per-axis scale on K is rejected even when K equals M (the axis is checked, not only the length)', () => {
  const { p, m } = program();
  const t1 = m.addParameter('t1', float(64, 64));
  const t2 = m.addParameter('t2', float(64, 32));
  const s1 = literal(m, 'float_type', ramp(64));
  const s2 = scalar(m, 0.4);
  const zero = scalar(m, 0, 'int8_type');
  const d1 = addQuantizeOp(m, 'dequantizelinear', addQuantizeOp(m, 'quantizelinear', t1, s1, zero, 1), s1, zero, 1);
  const d2 = addQuantizeOp(m, 'dequantizelinear', addQuantizeOp(m, 'quantizelinear', t2, s2, zero, 1), s2, zero, 1);
  m.addReturn([op(m, 'dot', [d1, d2])]);
  run(p, simplifyQdq);
  assertSame(m, floatDot(float(64, 64), float(64, 32)));
});

test('dot_uint8: uint8 Q/DQ never becomes quant_dot; the pairs go and a float dot remains', () => {
  const { p, m } = dotModule('uint8_type');
  const sink = run(p, simplifyQdq);
  assertSame(m, floatDot(float(1280, 1000), float(1000, 1024)));
  assert.match(sink.items.find((i) => i.code === 'FP8_QUANT_DOT_REJECTED')?.message ?? '', /uint8_type/);
});

test('an asymmetric (non-zero) int8 zero point keeps the dot in float', () => {
  const { p, m } = dotModule('int8_type');
  // Replace the zero literal by 3 in both pairs: same scale and zero point, so the pairs still cancel.
  const zero = m.instructions().find((i) => i.isLiteral() && i.shape.type === 'int8_type')!;
  m.replaceAllUses(zero, m.addLiteral(Tensor.scalar('int8_type', 3)));
  run(p, simplifyQdq);
  assertSame(m, floatDot(float(1280, 1000), float(1000, 1024)));
});

test('dot_add: the add after the dot reads the dequantized quant_dot', () => {
  const { p, m } = program();
  const t1 = m.addParameter('t1', float(1280, 1000));
  const t2 = m.addParameter('t2', float(1000, 1024));
  const ab = m.addParameter('ab', float(1280, 1024));
  const scale = scalar(m, 0.5);
  const zero = scalar(m, 0, 'int8_type');
  const d1 = addQuantizeOp(m, 'dequantizelinear', addQuantizeOp(m, 'quantizelinear', t1, scale, zero), scale, zero);
  const d2 = addQuantizeOp(m, 'dequantizelinear', addQuantizeOp(m, 'quantizelinear', t2, scale, zero), scale, zero);
  const dot = op(m, 'dot', [d1, d2]);
  const d3 = addQuantizeOp(m, 'dequantizelinear', addQuantizeOp(m, 'quantizelinear', dot, scale, zero), scale, zero);
  m.addReturn([op(m, 'add', [d3, ab])]);

  const e = program().m;
  const e1 = e.addParameter('t1', float(1280, 1000));
  const e2 = e.addParameter('t2', float(1000, 1024));
  const eab = e.addParameter('ab', float(1280, 1024));
  const es = scalar(e, 0.5);
  const ez = scalar(e, 0, 'int8_type');
  const q1 = addQuantizeOp(e, 'quantizelinear', e1, es, ez);
  const q2 = addQuantizeOp(e, 'quantizelinear', e2, es, ez);
  const qd = op(e, 'quant_dot', [q1, q2]);
  const ed3 = addQuantizeOp(e, 'dequantizelinear', qd, addScaleMul(e, es, es, 1, 1, qd.shape.lens));
  e.addReturn([op(e, 'add', [ed3, eab])]);

  run(p, simplifyQdq);
  assertSame(m, e);
});

test('dot_add_multiple_dq_use: one dq feeding two dots and an add', () => {
  const { p, m } = program();
  const t1 = m.addParameter('t1', float(32, 1));
  const t2 = m.addParameter('t2', float(32, 32));
  const scale = scalar(m, 0.5);
  const zero = scalar(m, 0, 'int8_type');
  const d1 = addQuantizeOp(m, 'dequantizelinear', addQuantizeOp(m, 'quantizelinear', t1, scale, zero), scale, zero);
  const d1t = op(m, 'transpose', [d1], { permutation: [1, 0] });
  const d1tmb = op(m, 'multibroadcast', [d1t], { out_lens: [32, 32] });
  const d1tmbc = op(m, 'contiguous', [d1tmb]);
  const d2 = addQuantizeOp(m, 'dequantizelinear', addQuantizeOp(m, 'quantizelinear', t2, scale, zero), scale, zero);
  const dot1 = op(m, 'dot', [d1tmbc, d2]);
  const d3 = addQuantizeOp(m, 'dequantizelinear', addQuantizeOp(m, 'quantizelinear', dot1, scale, zero), scale, zero);
  const dot2 = op(m, 'dot', [d3, d1]);
  m.addReturn([op(m, 'add', [dot2, d1])]);

  const e = program().m;
  const e1 = e.addParameter('t1', float(32, 1));
  const e2 = e.addParameter('t2', float(32, 32));
  const es = scalar(e, 0.5);
  const ez = scalar(e, 0, 'int8_type');
  const q1 = addQuantizeOp(e, 'quantizelinear', e1, es, ez);
  const q1t = op(e, 'transpose', [q1], { permutation: [1, 0] });
  const q1tmb = op(e, 'multibroadcast', [q1t], { out_lens: [32, 32] });
  const q1tmbc = op(e, 'contiguous', [q1tmb]);
  const q2 = addQuantizeOp(e, 'quantizelinear', e2, es, ez);
  const qd1 = op(e, 'quant_dot', [q1tmbc, q2]);
  const ed3 = addQuantizeOp(e, 'dequantizelinear', qd1, addScaleMul(e, es, es, 1, 1, qd1.shape.lens));
  const ed3q = addQuantizeOp(e, 'quantizelinear', ed3, es, ez);
  const qd2 = op(e, 'quant_dot', [ed3q, q1]);
  const d4 = addQuantizeOp(e, 'dequantizelinear', qd2, addScaleMul(e, es, es, 1, 1, qd2.shape.lens));
  e.addReturn([op(e, 'add', [d4, e1])]);

  run(p, simplifyQdq);
  assertSameSorted(m, e);
});

test('qdq_computed_scale: a scale computed as add(0.5, 0.0) still counts as equal, so the pair goes', () => {
  const { p, m } = program();
  const a = m.addParameter('a', float(2, 2));
  const b = m.addParameter('b', float(2, 2));
  const scale = op(m, 'add', [scalar(m, 0.5), scalar(m, 0)]);
  const zero = scalar(m, 0, 'int8_type');
  const da = addQuantizeOp(m, 'dequantizelinear', addQuantizeOp(m, 'quantizelinear', a, scale, zero), scale, zero);
  const db = addQuantizeOp(m, 'dequantizelinear', addQuantizeOp(m, 'quantizelinear', b, scale, zero), scale, zero);
  m.addReturn([op(m, 'add', [da, db])]);

  const e = program().m;
  const ea = e.addParameter('a', float(2, 2));
  const eb = e.addParameter('b', float(2, 2));
  e.addReturn([op(e, 'add', [ea, eb])]);

  run(p, simplifyQdq);
  assertSame(m, e);
});

test('separate literals of one value count as the same scale; per-axis scales must match element by element', () => {
  const { p, m } = program();
  const a = m.addParameter('a', float(4, 3));
  const qs = literal(m, 'float_type', [0.5, 0.5, 0.5]);
  const ds = scalar(m, 0.5);
  const zero = scalar(m, 0, 'fp8e4m3fn_type');
  const keep1 = literal(m, 'float_type', [0.5, 0.25, 0.5]);
  const keep2 = literal(m, 'float_type', [0.5, 0.5, 0.25]);
  const removed = addQuantizeOp(m, 'dequantizelinear', addQuantizeOp(m, 'quantizelinear', a, qs, zero), ds, zero);
  const kept = addQuantizeOp(m, 'dequantizelinear', addQuantizeOp(m, 'quantizelinear', a, keep1, zero), keep2, zero);
  m.addReturn([op(m, 'add', [removed, kept])]);
  run(p, simplifyQdq);
  const text = moduleToString(m);
  assert.equal(opsNamed(m, 'quantizelinear').length, 1, text);
  assert.equal(opsNamed(m, 'add')[0]!.inputs[0], a, text);
  // The surviving dq lost its zero zero point.
  assert.equal(opsNamed(m, 'dequantizelinear')[0]!.inputs.length, 2, text);
});

test('nothing changes: no Q/DQ, a dot with one dequantized input, a lone quantizelinear', () => {
  const build = () => {
    const { p, m } = program();
    const x = m.addParameter('x', float(4, 8));
    const w = m.addParameter('w', float(8, 2));
    const scale = scalar(m, 0.5);
    const zero = scalar(m, 0, 'fp8e4m3fn_type');
    const dx = addQuantizeOp(m, 'dequantizelinear', addQuantizeOp(m, 'quantizelinear', x, scale, zero), scalar(m, 0.25), zero);
    const dot = op(m, 'dot', [dx, w]);
    const q = addQuantizeOp(m, 'quantizelinear', dot, scale, zero);
    m.addReturn([op(m, 'relu', [dot]), q]);
    return { p, m };
  };
  const { p, m } = build();
  run(p, simplifyQdq);
  // Only the dq's zero zero point goes (remove_zero_point); everything else stays as built.
  const expected = build();
  const dq = opsNamed(expected.m, 'dequantizelinear')[0]!;
  expected.m.replaceInstruction(dq, dq.op, dq.inputs.slice(0, 2));
  run(expected.p); // dead-code elimination only
  assertSameSorted(m, expected.m);
});

test('running simplify-qdq twice changes nothing the second time', () => {
  const { p, m } = dotModule('fp8e4m3fn_type', float(8, 16), float(16, 4));
  run(p, simplifyQdq);
  const once = moduleToString(m);
  run(p, simplifyQdq);
  assert.equal(moduleToString(m), once);
});

test('a dot in the skip set stays float although Q/DQ on its transposed inputs is reachable (the pairs just go)', () => {
  // BERT-style: Q and Kᵀ come out of transposes that are outside the region and got Q/DQ of their own.
  const build = (skipped: boolean) => {
    const { p, m } = program();
    const a = m.addParameter('a', float(2, 4, 8));
    const b = m.addParameter('b', float(2, 4, 8));
    const scale = scalar(m, 0.5);
    const zero = scalar(m, 0, 'fp8e4m3fn_type');
    const da = addQuantizeOp(m, 'dequantizelinear', addQuantizeOp(m, 'quantizelinear', a, scale, zero), scale, zero);
    const db = addQuantizeOp(m, 'dequantizelinear', addQuantizeOp(m, 'quantizelinear', b, scale, zero), scale, zero);
    const dot = op(m, 'dot', [op(m, 'transpose', [da], { permutation: [0, 1, 2] }), op(m, 'transpose', [db], { permutation: [0, 2, 1] })]);
    if (skipped) dot.meta.quantizationSkipped = 'attention region 0';
    m.addReturn([dot]);
    return { p, m };
  };
  const skipped = build(true);
  run(skipped.p, simplifyQdq);
  const e = program().m;
  const ea = e.addParameter('a', float(2, 4, 8));
  const eb = e.addParameter('b', float(2, 4, 8));
  e.addReturn([op(e, 'dot', [op(e, 'transpose', [ea], { permutation: [0, 1, 2] }), op(e, 'transpose', [eb], { permutation: [0, 2, 1] })])]);
  assertSame(skipped.m, e);
  // The same dot outside the skip set becomes a quant_dot.
  const plain = build(false);
  run(plain.p, simplifyQdq);
  assert.equal(opsNamed(plain.m, 'quant_dot').length, 1);
});
