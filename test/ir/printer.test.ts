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
