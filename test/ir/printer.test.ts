import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeOp } from '../../src/ops/index.js';
import { Module } from '../../src/ir/module.js';
import { Program } from '../../src/ir/program.js';
import { Shape } from '../../src/ir/shape.js';
import { Tensor } from '../../src/ir/tensor.js';
import { moduleToString } from '../../src/ir/printer.js';

test('parameters and literals insert at the front; one counter runs over every instruction', () => {
  const m = new Module('main');
  const x = m.addParameter('x', new Shape('float_type', [2, 3]));
  const one = m.addLiteral(Tensor.fromNumbers('float_type', [1], [1.5]));
  const b = m.addInstruction(makeOp('multibroadcast', { out_lens: [2, 3] }), [one]);
  const y = m.addInstruction(makeOp('add'), [x, b]);
  m.addReturn([y]);
  assert.equal(
    moduleToString(m),
    [
      '@0 = @literal{1.5} -> float_type, {1}, {1}',
      'x = @param:x -> float_type, {2, 3}, {3, 1}',
      '@2 = multibroadcast[out_lens={2, 3},out_dyn_dims={}](@0) -> float_type, {2, 3}, {0, 0}',
      '@3 = add(x,@2) -> float_type, {2, 3}, {3, 1}',
      '@4 = @return(@3)',
      '',
    ].join('\n'),
  );
});

test('transpose permutes strides and the program prints module headers', () => {
  const p = new Program();
  const m = p.mainModule();
  const k = m.addParameter('k', new Shape('half_type', [1, 16, 1024, 128]));
  const t = m.addInstruction(makeOp('transpose', { permutation: [0, 1, 3, 2] }), [k]);
  m.addReturn([t]);
  assert.equal(
    p.toString(),
    [
      'module: "main"',
      'k = @param:k -> half_type, {1, 16, 1024, 128}, {2097152, 131072, 128, 1}',
      '@1 = transpose[permutation={0, 1, 3, 2}](k) -> half_type, {1, 16, 128, 1024}, {2097152, 131072, 1, 128}',
      '@2 = @return(@1)',
      '',
      '',
    ].join('\n'),
  );
});

test('submodules print after main with prefixed names; args appear as a module list', async () => {
  const { defineOp } = await import('../../src/ir/op.js');
  defineOp({
    name: 'test::fused',
    attrs: [],
    computeShape: (_op, _inputs, modules) => modules[0]!.outputInstructions()[0]!.shape,
  });
  const p = new Program();
  const sub = p.createModule('main:pointwise0');
  const x0 = sub.addParameter('x0', Shape.scalar('float_type'));
  const e = sub.addInstruction(makeOp('exp'), [x0]);
  sub.addReturn([e]);
  const m = p.mainModule();
  const x = m.addParameter('x', new Shape('float_type', [1]));
  const f = m.addInstruction(makeOp('test::fused'), [x], [sub]);
  m.addReturn([f]);
  assert.equal(
    p.toString(),
    [
      'module: "main"',
      'x = @param:x -> float_type, {1}, {1}',
      '@1 = test::fused(x), [main:pointwise0] -> float_type, {1}, {1}',
      '@2 = @return(@1)',
      '',
      'module: "main:pointwise0"',
      'main:pointwise0:x0 = @param:x0 -> float_type, {1}, {0}',
      'main:pointwise0:@1 = exp(main:pointwise0:x0) -> float_type, {1}, {1}',
      'main:pointwise0:@2 = @return(main:pointwise0:@1)',
      '',
      '',
    ].join('\n'),
  );
});

test('attributes print in reflection order: enums as integers, optionals as nullopt, floats as %g', () => {
  const m = new Module('main');
  const x = m.addParameter('x', new Shape('float_type', [12]));
  const big = m.addLiteral(Tensor.fromNumbers('float_type', [12], Array.from({ length: 12 }, (_, i) => i)));
  const s = m.addLiteral(Tensor.scalar('float_type', 0.00001));
  const c = m.addInstruction(makeOp('convert', { target_type: 'half_type' }), [x]);
  const sb = m.addInstruction(makeOp('multibroadcast', { out_lens: [12] }), [s]);
  const q = m.addInstruction(makeOp('quantizelinear'), [x, sb]);
  const q8 = m.addInstruction(makeOp('convert', { target_type: 'fp8e4m3fn_type', saturate: false }), [x]);
  m.addReturn([c, q, q8, big]);
  const text = moduleToString(m);
  assert.match(text, /^@0 = @literal\{1e-05\} -> float_type, \{1\}, \{0\}$/m);
  assert.match(text, /^@1 = @literal\{ \.\.\. \} -> float_type, \{12\}, \{1\}$/m);
  assert.match(text, /^@3 = convert\[target_type=1\]\(x\) -> half_type, \{12\}, \{1\}$/m);
  assert.match(text, /^@5 = quantizelinear\[out_type=nullopt\]\(x,@4\) -> uint8_type, \{12\}, \{1\}$/m);
  assert.match(text, /^@6 = convert\[target_type=13,saturate=0\]\(x\) -> fp8e4m3fn_type, \{12\}, \{1\}$/m);
  assert.match(text, /^@7 = @return\(@3,@5,@6,@1\)$/m);
});
