// rewrite-reduce, MIGraphX style: build the input module, run the pass, build the expected module by
// hand, compare the printed text.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeOp } from '../../src/ops/index.js';
import { Program } from '../../src/ir/program.js';
import { Shape } from '../../src/ir/shape.js';
import { Tensor } from '../../src/ir/tensor.js';
import { moduleToString } from '../../src/ir/printer.js';
import { rewriteReduce } from '../../src/passes/rewrite-reduce.js';
import { DiagnosticSink } from '../../src/diagnostics.js';
import { evaluateProgram } from '../../src/ref/evaluate.js';
import type { ElementType } from '../../src/ir/types.js';

const run = (p: Program) => rewriteReduce.apply(p, { diagnostics: new DiagnosticSink() });

function softmaxProgram(type: ElementType, op = 'softmax') {
  const p = new Program();
  const m = p.mainModule();
  const x = m.addParameter('x', new Shape(type, [2, 3, 4]));
  const s = m.addInstruction(makeOp(op, { axis: -1 }), [x]);
  m.addReturn([s]);
  return p;
}

test('softmax becomes reduce_max / sub / exp / reduce_sum / div over the same axis', () => {
  const p = softmaxProgram('float_type');
  run(p);
  const e = new Program();
  const m = e.mainModule();
  const x = m.addParameter('x', new Shape('float_type', [2, 3, 4]));
  const mx = m.addInstruction(makeOp('reduce_max', { axes: [2] }), [x]);
  const sub = m.addInstruction(makeOp('sub'), [x, m.addInstruction(makeOp('multibroadcast', { out_lens: [2, 3, 4] }), [mx])]);
  const ex = m.addInstruction(makeOp('exp'), [sub]);
  const sum = m.addInstruction(makeOp('reduce_sum', { axes: [2] }), [ex]);
  const div = m.addInstruction(makeOp('div'), [ex, m.addInstruction(makeOp('multibroadcast', { out_lens: [2, 3, 4] }), [sum])]);
  m.addReturn([div]);
  assert.equal(moduleToString(p.mainModule()), moduleToString(m));
});

test('a half softmax runs in a float island between two converts', () => {
  const p = softmaxProgram('half_type');
  run(p);
  const text = moduleToString(p.mainModule());
  assert.match(text, /^@1 = convert\[target_type=2\]\(x\) -> float_type/m);
  assert.match(text, /= reduce_max\[axes=\{2\}\]\(@1\) -> float_type, \{2, 3, 1\}/);
  assert.match(text, /= convert\[target_type=1\]\(@\d+\) -> half_type, \{2, 3, 4\}, \{12, 4, 1\}\n@\d+ = @return/);
});

test('nothing to rewrite: the pass leaves other programs unchanged, and is idempotent', () => {
  const p = new Program();
  const m = p.mainModule();
  const x = m.addParameter('x', new Shape('float_type', [4]));
  m.addReturn([m.addInstruction(makeOp('exp'), [x])]);
  const before = p.toString();
  run(p);
  assert.equal(p.toString(), before);
  const q = softmaxProgram('float_type');
  run(q);
  const once = q.toString();
  run(q);
  assert.equal(q.toString(), once);
});

test('the decomposition computes softmax and logsoftmax (checked against the formula)', () => {
  for (const op of ['softmax', 'logsoftmax']) {
    const p = softmaxProgram('float_type', op);
    run(p);
    const values = Array.from({ length: 24 }, (_, i) => Math.sin(i) * 3);
    const [y] = evaluateProgram(p, new Map([['x', Tensor.fromNumbers('float_type', [2, 3, 4], values)]]));
    for (let r = 0; r < 6; r++) {
      const row = values.slice(r * 4, r * 4 + 4);
      const mx = Math.max(...row);
      const z = row.reduce((a, v) => a + Math.exp(v - mx), 0);
      row.forEach((v, k) => {
        const want = op === 'softmax' ? Math.exp(v - mx) / z : v - mx - Math.log(z);
        assert.ok(Math.abs(y!.get(r * 4 + k) - want) < 1e-6, `${op}[${r},${k}]`);
      });
    }
  }
});
