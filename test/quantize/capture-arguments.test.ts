// capture-arguments, the MIGraphX way (test/quantization.cpp op_capture; reference/migraphx.md §9
// behaviour 10), plus the quantize set, the attention skip set and models that are already QDQ.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DiagnosticSink } from '../../src/diagnostics.js';
import type { Instruction } from '../../src/ir/instruction.js';
import type { Module } from '../../src/ir/module.js';
import { moduleToString } from '../../src/ir/printer.js';
import { Shape } from '../../src/ir/shape.js';
import { Tensor } from '../../src/ir/tensor.js';
import { makeOp } from '../../src/ops/index.js';
import { captureArguments } from '../../src/passes/capture-arguments.js';
import { addQuantizeOp, assertSame, opsNamed, program, run } from './helpers.js';

const float = (...lens: number[]) => new Shape('float_type', lens);
const op = (m: Module, name: string, inputs: Instruction[], attrs = {}) => m.addInstruction(makeOp(name, attrs), inputs);
const capture = (m: Module, k: number, x: Instruction) => op(m, 'capture', [x], { ins_index: k });

test('op_capture: each float input of each dot gets capture[ins_index=k], numbered in visit order', () => {
  // MIGraphX: dot(pa, add_apply_alpha_beta(pa, b, c)) with capture_arguments_pass{{"dot", "convolution"}}.
  const { p, m } = program();
  const x = m.addParameter('x', float(3, 3));
  const y = m.addParameter('y', float(3, 3));
  const b = m.addParameter('b', float(3, 6));
  const c = m.addParameter('c', float(3, 6));
  const pa = op(m, 'add', [x, y]);
  const ps = op(m, 'add', [op(m, 'dot', [pa, b]), c]);
  op(m, 'dot', [pa, ps]);

  const e = program().m;
  const ex = e.addParameter('x', float(3, 3));
  const ey = e.addParameter('y', float(3, 3));
  const eb = e.addParameter('b', float(3, 6));
  const ec = e.addParameter('c', float(3, 6));
  const epa = op(e, 'add', [ex, ey]);
  const opa = capture(e, 0, epa);
  const opb = capture(e, 1, eb);
  const eps = op(e, 'add', [op(e, 'dot', [opa, opb]), ec]);
  const opm = capture(e, 2, epa);
  const ops = capture(e, 3, eps);
  op(e, 'dot', [opm, ops]);

  // No @return here, so no dead-code elimination either (as in MIGraphX's test).
  captureArguments({ quantizeOps: ['dot', 'convolution'], attention: 'skip' }).apply(p, { diagnostics: new DiagnosticSink() });
  assertSame(m, e);
});

test('the default quantize set is every op but convert, Q/DQ and builtins; only float, half and double inputs', () => {
  const { p, m } = program();
  const x = m.addParameter('x', float(4, 8));
  const idx = m.addParameter('idx', new Shape('int64_type', [2]));
  const h = m.addParameter('h', new Shape('half_type', [4, 8]));
  const r = op(m, 'relu', [x]);
  const g = op(m, 'gather', [r, idx], { axis: 0 });
  const cv = op(m, 'convert', [h], { target_type: 'float_type' });
  const w = m.addLiteral(Tensor.fromNumbers('float_type', [8, 3], new Array(24).fill(0.5)));
  m.addReturn([op(m, 'dot', [op(m, 'add', [x, cv]), w]), g]);
  run(p, captureArguments({ attention: 'skip' }));
  const text = moduleToString(m);
  const captured = (ins: Instruction) => ins.inputs.map((i) => (i.op.name === 'capture' ? `capture[${i.op.int('ins_index')}]` : i.op.name));
  assert.deepEqual(captured(opsNamed(m, 'relu')[0]!), ['capture[0]'], text);
  assert.deepEqual(captured(opsNamed(m, 'gather')[0]!), ['capture[1]', '@param'], text);
  assert.deepEqual(captured(opsNamed(m, 'convert')[0]!), ['@param'], text);
  assert.deepEqual(captured(opsNamed(m, 'add')[0]!), ['capture[2]', 'capture[3]'], text);
  assert.deepEqual(captured(opsNamed(m, 'dot')[0]!), ['capture[4]', 'capture[5]'], text);
});

test('bf16 inputs and integer GEMM inputs are left alone, each with a diagnostic naming the op', () => {
  const { p, m } = program();
  const a = m.addParameter('a', new Shape('bf16_type', [2, 2]));
  const i8 = m.addParameter('i8', new Shape('int8_type', [2, 2]));
  m.addReturn([op(m, 'relu', [a]), op(m, 'dot', [i8, i8])]);
  const before = moduleToString(m);
  const sink = run(p, captureArguments({ attention: 'skip' }));
  assert.equal(moduleToString(m), before);
  const codes = sink.items.map((d) => `${d.severity} ${d.code}: ${d.message}`);
  assert.equal(codes.length, 2, codes.join('\n'));
  assert.match(codes[0]!, /^warning FP8_NOT_QUANTIZABLE: relu reads bf16/);
  assert.match(codes[1]!, /^info FP8_NOT_QUANTIZABLE: dot has int8_type inputs/);
});

/** x → dot(q, kᵀ) → softmax → dot(·, v) → dot(·, w_o), with the attention block hand-marked. */
function markedAttention(): { p: ReturnType<typeof program>['p']; m: Module; region: Instruction[] } {
  const { p, m } = program();
  const q = m.addParameter('q', float(1, 2, 4, 8));
  const k = m.addParameter('k', float(1, 2, 4, 8));
  const v = m.addParameter('v', float(1, 2, 4, 8));
  const wo = m.addParameter('w_o', float(1, 2, 8, 8));
  const kt = op(m, 'transpose', [k], { permutation: [0, 1, 3, 2] });
  const s = op(m, 'dot', [q, kt]);
  const sm = op(m, 'softmax', [s], { axis: 3 });
  const o = op(m, 'dot', [sm, v]);
  m.addReturn([op(m, 'dot', [o, wo])]);
  const pattern = 'dot → softmax → dot';
  s.meta.attention = { region: 0, pattern, role: 'gemm1' };
  sm.meta.attention = { region: 0, pattern, role: 'softmax' };
  o.meta.attention = { region: 0, pattern, role: 'gemm2' };
  return { p, m, region: [s, sm, o] };
}

test('skip: marked attention instructions get no captures and record why; the projection and transpose do', () => {
  const { p, m, region } = markedAttention();
  const sink = run(p, captureArguments({ attention: 'skip' }));
  for (const ins of region) {
    assert.ok(ins.inputs.every((i) => i.op.name !== 'capture'), `${ins.op.name} has a capture`);
    assert.match(ins.meta.quantizationSkipped ?? '', /^attention region 0 \(dot → softmax → dot\)/);
  }
  const out = opsNamed(m, 'dot').find((d) => !d.meta.attention)!;
  assert.deepEqual(out.inputs.map((i) => i.op.name), ['capture', 'capture']);
  assert.equal(opsNamed(m, 'transpose')[0]!.inputs[0]!.op.name, 'capture');
  const d = sink.items.find((i) => i.code === 'FP8_ATTENTION_SKIPPED');
  assert.match(d?.message ?? '', /attention region 0 .* its 3 instructions get no Q\/DQ/);
});

test('keep: marked attention instructions are captured like the rest, and a diagnostic says so', () => {
  const { p, m, region } = markedAttention();
  const sink = run(p, captureArguments({ attention: 'keep' }));
  for (const ins of region) {
    assert.ok(ins.inputs.some((i) => i.op.name === 'capture'), `${ins.op.name} has no capture`);
    assert.equal(ins.meta.quantizationSkipped, undefined);
  }
  assert.equal(opsNamed(m, 'capture').length, 8);
  assert.ok(sink.items.some((i) => i.code === 'FP8_ATTENTION_QUANTIZED'));
});

test('inputs that are already dequantizelinear outputs (also behind layout ops) are not captured again, nor Q/DQ scales', () => {
  const { p, m } = program();
  const x = m.addParameter('x', float(4, 8));
  const w = m.addParameter('w', float(2, 8));
  const scale = m.addLiteral(Tensor.scalar('float_type', 0.5));
  const zero = m.addLiteral(Tensor.scalar('fp8e4m3fn_type', 0));
  const dx = addQuantizeOp(m, 'dequantizelinear', addQuantizeOp(m, 'quantizelinear', x, scale, zero), scale, zero);
  const dw = addQuantizeOp(m, 'dequantizelinear', addQuantizeOp(m, 'quantizelinear', w, scale, zero), scale, zero);
  m.addReturn([op(m, 'dot', [dx, op(m, 'transpose', [dw], { permutation: [1, 0] })])]);
  const before = moduleToString(m);
  const sink = run(p, captureArguments({ attention: 'skip' }));
  assert.equal(moduleToString(m), before);
  assert.deepEqual(
    sink.items.map((d) => d.code),
    ['FP8_ALREADY_QUANTIZED', 'FP8_ALREADY_QUANTIZED'],
  );
});

test('running capture-arguments twice changes nothing the second time (captures are not captured)', () => {
  const { p, m } = markedAttention();
  run(p, captureArguments({ attention: 'keep' }));
  const once = moduleToString(m);
  run(p, captureArguments({ attention: 'keep' }));
  assert.equal(moduleToString(m), once);
});
