// sink-scalar-mul: (x · 2^k) · y becomes (y · x) · 2^k, bit for bit, so GELU as exporters write it,
// ½x · (1 + erf(x / √2)), is a chain the GEMM before it takes as its epilogue; other products are left alone.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeOp } from '../../src/ops/index.js';
import type { Instruction } from '../../src/ir/instruction.js';
import { Program } from '../../src/ir/program.js';
import { Shape } from '../../src/ir/shape.js';
import { Tensor } from '../../src/ir/tensor.js';
import { moduleToString } from '../../src/ir/printer.js';
import { sinkScalarMul } from '../../src/passes/sink-scalar-mul.js';
import { DiagnosticSink } from '../../src/diagnostics.js';
import { evaluateProgram } from '../../src/ref/evaluate.js';
import { randomInputs } from '../../src/inputs/random-inputs.js';
import { compileModel } from '../../src/compiler.js';
import { lowerProgram } from '../../src/codegen/lower.js';
import { PORTABLE_CAPABILITIES } from '../../src/codegen/capabilities.js';
import { linearActivation } from '../helpers/linear-activation.js';

const ctx = { diagnostics: new DiagnosticSink() };

/** (x · c) · (1 + erf(x)), with the scaled product read `readers` times. */
function scaledProduct(c: number, readers = 1): Program {
  const p = new Program();
  const m = p.mainModule();
  const x = m.addParameter('x', new Shape('float_type', [4, 8]));
  const k = (v: number) => m.addInstruction(makeOp('multibroadcast', { out_lens: [4, 8] }), [m.addLiteral(Tensor.scalar('float_type', v))]);
  const op = (name: string, ...args: Instruction[]) => m.addInstruction(makeOp(name), args);
  const scaled = op('mul', x, k(c));
  const phi = op('add', op('erf', x), k(1));
  const outs = [op('mul', scaled, phi)];
  if (readers > 1) outs.push(op('neg', scaled));
  m.addReturn(outs);
  return p;
}

function rewritten(p: Program) {
  const params = randomInputs(p.mainModule(), 7);
  const before = evaluateProgram(p, params).map((t) => [...t.toFloat32Array()]);
  sinkScalarMul.apply(p, ctx);
  p.validate();
  return { text: moduleToString(p.mainModule()), before, after: evaluateProgram(p, params).map((t) => [...t.toFloat32Array()]) };
}

test('(x · ½) · y becomes (y · x) · ½, and every value stays bit for bit', () => {
  for (const c of [0.5, -0.25, 4]) {
    const { text, before, after } = rewritten(scaledProduct(c));
    assert.match(text, /^@(\d+) = mul\(@\d+,x\) -> float_type, \{4, 8\}, \{8, 1\}\n@\d+ = mul\(@\1,@\d+\) -> float_type/m, `${c}: ${text}`);
    assert.equal((text.match(/= mul\(/g) ?? []).length, 2, 'the scaled x is gone');
    assert.deepEqual(after, before, String(c));
  }
});

test('left alone: a scale that is not a power of two, a scaled value read twice, an attention region', () => {
  const marked = scaledProduct(0.5);
  for (const ins of marked.mainModule()) if (ins.op.name === 'mul') ins.meta.attention = { region: 0, pattern: 'test', role: 'scores' };
  for (const p of [scaledProduct(0.3), scaledProduct(0.5, 2), marked]) {
    const text = moduleToString(p.mainModule());
    assert.equal(rewritten(p).text, text);
  }
});

test('a linear layer then Gelu (erf and tanh forms) or SiLU is one GEMM kernel: the activation is its epilogue, float and --fp8', () => {
  const symbols = { gelu: /^wgsl_.*dot_.*add_div_erf_add_mul_mul$/, 'gelu-tanh': /^wgsl_.*dot_.*add_pow_mul_add_mul_tanh_add_mul_mul$/, silu: /^wgsl_.*dot_.*add_sigmoid_mul$/ };
  for (const act of ['gelu', 'gelu-tanh', 'silu'] as const) {
    for (const fp8 of [false, true]) {
      const r = compileModel(linearActivation(act), fp8 ? { fp8: {} } : {});
      const kernels = r.program.mainModule().instructions().filter((i) => i.op.name === 'gpu::code_object');
      const what = `${act}${fp8 ? ', --fp8' : ''}`;
      assert.equal(kernels.length, 1, `${what}: ${kernels.map((k) => k.op.str('symbol_name')).join(', ')}`);
      assert.match(kernels[0]!.op.str('symbol_name'), symbols[act], what);
      const lowered = lowerProgram(r.program, PORTABLE_CAPABILITIES);
      assert.deepEqual(lowered.fallbacks, [], what);
      assert.equal(lowered.launches.length, 1, what);
    }
  }
});
