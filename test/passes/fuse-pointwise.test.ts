// fuse-pointwise, MIGraphX style: the printed program after the pass against one built by hand, plus
// "nothing changes" cases and a bit-exact evaluation check.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeOp } from '../../src/ops/index.js';
import { Program } from '../../src/ir/program.js';
import { Shape } from '../../src/ir/shape.js';
import { Tensor } from '../../src/ir/tensor.js';
import { fusePointwise } from '../../src/passes/fuse-pointwise.js';
import { eliminateDeadCode } from '../../src/passes/eliminate-dead-code.js';
import { DiagnosticSink } from '../../src/diagnostics.js';
import { evaluateProgram } from '../../src/ref/evaluate.js';
import { randomInputs } from '../../src/inputs/random-inputs.js';

const ctx = { diagnostics: new DiagnosticSink() };
const s = (...lens: number[]) => new Shape('float_type', lens);

test('a chain of elementwise ops becomes one pointwise instruction over a scalar submodule', () => {
  const p = new Program();
  const m = p.mainModule();
  const x = m.addParameter('x', s(2, 3));
  const y = m.addParameter('y', s(2, 3));
  const z = m.addParameter('z', s(2, 3));
  const mul = m.addInstruction(makeOp('mul'), [x, y]);
  const add = m.addInstruction(makeOp('add'), [mul, z]);
  m.addReturn([add]);
  fusePointwise.apply(p, ctx);

  const e = new Program();
  const em = e.mainModule();
  const ex = em.addParameter('x', s(2, 3));
  const ey = em.addParameter('y', s(2, 3));
  const ez = em.addParameter('z', s(2, 3));
  const sub = e.createModule('main:pointwise0');
  const x0 = sub.addParameter('x0', Shape.scalar('float_type'));
  const x1 = sub.insertParameter(sub.first!.next, 'x1', Shape.scalar('float_type'));
  const x2 = sub.insertParameter(undefined, 'x2', Shape.scalar('float_type'));
  const smul = sub.addInstruction(makeOp('mul'), [x0, x1]);
  sub.addReturn([sub.addInstruction(makeOp('add'), [smul, x2])]);
  em.addReturn([em.addInstruction(makeOp('pointwise'), [ex, ey, ez], [sub])]);
  assert.equal(p.toString(), e.toString());
});

test('a producer with two users is not absorbed; scalar constants are copied inside', () => {
  const p = new Program();
  const m = p.mainModule();
  const x = m.addParameter('x', s(4));
  const two = m.addLiteral(Tensor.scalar('float_type', 2));
  const e = m.addInstruction(makeOp('exp'), [x]);
  const a = m.addInstruction(makeOp('mul'), [e, m.addInstruction(makeOp('multibroadcast', { out_lens: [4] }), [two])]);
  const b = m.addInstruction(makeOp('neg'), [e]);
  m.addReturn([a, b]);
  fusePointwise.apply(p, ctx);
  eliminateDeadCode.apply(p, ctx);
  const text = p.toString();
  assert.equal(text.match(/= pointwise\(/g)?.length, 3, text);
  assert.match(text, /module: "main:pointwise\d"\n(main:pointwise\d:x0 = @param:x0 -> float_type, \{1\}, \{0\}\n)main:pointwise\d:@1 = @literal\{2\} -> float_type, \{1\}, \{0\}\nmain:pointwise\d:@2 = mul\(main:pointwise\d:x0,main:pointwise\d:@1\)/);
  assert.doesNotMatch(text, /@literal\{2\}.*\n.*main"/);
});

test('a producer whose readers all join one group joins it too: GELU on x + b is one pointwise', () => {
  const p = new Program();
  const m = p.mainModule();
  const x = m.addParameter('x', s(2, 8));
  const b = m.addParameter('b', s(2, 8));
  const k = (v: number) => m.addInstruction(makeOp('multibroadcast', { out_lens: [2, 8] }), [m.addLiteral(Tensor.scalar('float_type', v))]);
  const op = (name: string, ...args: ReturnType<typeof k>[]) => m.addInstruction(makeOp(name), args);
  // y = (x + b) · ½ · (1 + erf((x + b) / √2)): x + b has two readers, in the same chain.
  const xb = op('add', x, b);
  const y = op('mul', op('mul', xb, op('add', op('erf', op('mul', xb, k(Math.SQRT1_2))), k(1))), k(0.5));
  m.addReturn([y]);
  const params = randomInputs(m, 3);
  const before = evaluateProgram(p, params)[0]!;
  fusePointwise.apply(p, ctx);
  eliminateDeadCode.apply(p, ctx);
  const text = p.toString();
  assert.equal(text.match(/= pointwise\(/g)?.length, 1, text);
  assert.match(text, /= pointwise\(x,b\), \[main:pointwise\d+\]/, 'the fused instruction reads x and b once each');
  assert.deepEqual([...evaluateProgram(p, params)[0]!.toFloat32Array()], [...before.toFloat32Array()]);
});

test('nothing to fuse leaves the program unchanged; fusing twice changes nothing', () => {
  const p = new Program();
  const m = p.mainModule();
  const a = m.addParameter('a', s(2, 2));
  const b = m.addParameter('b', s(2, 2));
  m.addReturn([m.addInstruction(makeOp('dot'), [a, b])]);
  const before = p.toString();
  fusePointwise.apply(p, ctx);
  assert.equal(p.toString(), before);
  const q = new Program();
  const qm = q.mainModule();
  const x = qm.addParameter('x', s(3));
  qm.addReturn([qm.addInstruction(makeOp('tanh'), [qm.addInstruction(makeOp('exp'), [x])])]);
  fusePointwise.apply(q, ctx);
  const once = q.toString();
  fusePointwise.apply(q, ctx);
  assert.equal(q.toString(), once);
});

test('the fused program evaluates bit for bit like the original (half precision, broadcast inputs)', () => {
  const build = () => {
    const p = new Program();
    const m = p.mainModule();
    const x = m.addParameter('x', new Shape('half_type', [3, 5]));
    const r = m.addParameter('r', new Shape('half_type', [3, 1]));
    const rb = m.addInstruction(makeOp('multibroadcast', { out_lens: [3, 5] }), [r]);
    const half = m.addLiteral(Tensor.scalar('half_type', 0.5));
    const hb = m.addInstruction(makeOp('multibroadcast', { out_lens: [3, 5] }), [half]);
    const d = m.addInstruction(makeOp('sub'), [x, rb]);
    const e = m.addInstruction(makeOp('exp'), [d]);
    const y = m.addInstruction(makeOp('mul'), [e, hb]);
    m.addReturn([m.addInstruction(makeOp('convert', { target_type: 'float_type' }), [y])]);
    return p;
  };
  const plain = build();
  const fused = build();
  fusePointwise.apply(fused, ctx);
  eliminateDeadCode.apply(fused, ctx);
  assert.equal(fused.toString().match(/= pointwise\(/g)?.length, 1);
  const inputs = randomInputs(plain.mainModule(), 5);
  const [a] = evaluateProgram(plain, inputs);
  const [b] = evaluateProgram(fused, inputs);
  assert.deepEqual(Array.from(b!.toFloat32Array()), Array.from(a!.toFloat32Array()));
});
