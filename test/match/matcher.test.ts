import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeOp } from '../../src/ops/index.js';
import { Module } from '../../src/ir/module.js';
import { Shape } from '../../src/ir/shape.js';
import { Tensor } from '../../src/ir/tensor.js';
import { moduleToString } from '../../src/ir/printer.js';
import { anyOf, arg, args, eitherArg, hasValue, isConstant, matchInstruction, name, noneOf, skip, usedOnce, any } from '../../src/match/matcher.js';
import { findMatches, rewriteToFixedPoint, rule, RewriteLoopError } from '../../src/match/rewrite.js';

const f32 = (...lens: number[]) => new Shape('float_type', lens);

/** q·kᵀ scaled: dot(q, transpose(k)) * 0.125 */
function scaledScores() {
  const m = new Module('main');
  const q = m.addParameter('q', f32(2, 4, 8));
  const k = m.addParameter('k', f32(2, 4, 8));
  const kt = m.addInstruction(makeOp('transpose', { permutation: [0, 2, 1] }), [k]);
  const d = m.addInstruction(makeOp('dot'), [q, kt]);
  const s = m.addLiteral(Tensor.scalar('float_type', 0.125));
  const sb = m.addInstruction(makeOp('multibroadcast', { out_lens: [2, 4, 4] }), [s]);
  const mul = m.addInstruction(makeOp('mul'), [sb, d]);
  m.addReturn([mul]);
  return { m, q, k, kt, d, s, sb, mul };
}

test('name/arg/bind: binds the instruction each matcher was applied to', () => {
  const g = scaledScores();
  const p = name('dot').with(arg(1).of(name('transpose').bind('kt'))).bind('gemm');
  const r = matchInstruction(p, g.d);
  assert.ok(r);
  assert.equal(r.get('gemm'), g.d);
  assert.equal(r.get('kt'), g.kt);
  assert.equal(matchInstruction(p, g.mul), undefined);
});

test('eitherArg accepts both operand orders and binds consistently', () => {
  const g = scaledScores();
  const p = name('mul').with(eitherArg(0, 1).of(name('dot').bind('scores'), hasValue(0.125).bind('scale')));
  const r = matchInstruction(p, g.mul);
  assert.ok(r);
  assert.equal(r.get('scores'), g.d);
  assert.equal(r.get('scale'), g.sb);
  assert.equal(matchInstruction(name('mul').with(eitherArg(0, 1).of(name('dot'), hasValue(0.5))), g.mul), undefined);
});

test('bindings made inside a failed alternative do not leak', () => {
  const g = scaledScores();
  // The first alternative binds 'x' on input 1 and then fails on nargs; the second matches without it.
  const p = anyOf(name('mul').with(arg(1).of(name('dot').bind('x')), arg(0).of(name('transpose'))), name('mul').bind('y'));
  const r = matchInstruction(p, g.mul);
  assert.ok(r);
  assert.equal(r.has('x'), false);
  assert.equal(r.get('y'), g.mul);
  assert.throws(() => r.get('x'), /was not bound/);
});

test('noneOf never binds, even when a child matched', () => {
  const g = scaledScores();
  const p = noneOf(name('dot').bind('d'));
  assert.equal(matchInstruction(p, g.d), undefined);
  const r = matchInstruction(p, g.mul);
  assert.ok(r);
});

test('skip walks through single-input instructions and moves the focus', () => {
  const g = scaledScores();
  const p = skip(name('transpose', 'contiguous')).to(name('@param').bind('src'));
  const r = matchInstruction(p, g.kt);
  assert.ok(r);
  assert.equal(r.ins, g.k);
  assert.equal(r.get('src'), g.k);
});

test('isConstant, usedOnce and args', () => {
  const g = scaledScores();
  assert.ok(matchInstruction(isConstant(), g.sb));
  assert.equal(matchInstruction(isConstant(), g.d), undefined);
  assert.ok(matchInstruction(usedOnce(), g.d));
  assert.ok(matchInstruction(args(name('@param'), name('transpose')), g.d));
  assert.equal(matchInstruction(args(name('@param')), g.d), undefined);
});

test('binding names are checked by the type system', () => {
  const g = scaledScores();
  const r = matchInstruction(name('dot').bind('gemm'), g.d)!;
  // @ts-expect-error 'gemn' is not a name this pattern binds
  assert.throws(() => r.get('gemn'));
});

test('findMatches: the first rule that matches an instruction wins; later rules are skipped for it', () => {
  const g = scaledScores();
  const fired: string[] = [];
  findMatches(g.m, [
    rule({ name: 'first', pattern: name('mul'), apply: () => void fired.push('first') }),
    rule({ name: 'second', pattern: name('mul', 'dot'), apply: () => void fired.push('second') }),
  ]);
  assert.deepEqual(fired, ['second', 'first']); // dot comes first in module order, mul only fires 'first'
});

test('rewriteToFixedPoint applies rules until nothing changes', () => {
  const g = scaledScores();
  // mul(bcast(1.0)·x) -> x  and  mul(bcast(0.125), x) -> mul(bcast(1.0), x) in two steps
  const stats = rewriteToFixedPoint(g.m, [
    rule({
      name: 'scale-to-one',
      pattern: name('mul').with(arg(0).of(hasValue(0.125).bind('s')), arg(1).of(any().bind('x'))),
      apply(m, r) {
        const one = m.addLiteral(Tensor.scalar('float_type', 1));
        const b = m.insertInstruction(r.ins, makeOp('multibroadcast', { out_lens: r.ins.shape.lens }), [one]);
        m.replaceInstruction(r.ins, makeOp('mul'), [b, r.get('x')]);
      },
    }),
    rule({
      name: 'drop-mul-one',
      pattern: name('mul').with(arg(0).of(hasValue(1)), arg(1).of(any().bind('x'))),
      apply(m, r) {
        m.replaceAllUses(r.ins, r.get('x'));
        m.removeInstruction(r.ins);
      },
    }),
  ]);
  assert.equal(stats.byRule.get('scale-to-one'), 1);
  assert.equal(stats.byRule.get('drop-mul-one'), 1);
  assert.match(moduleToString(g.m), /@return\(@\d+\)/);
  assert.equal(g.m.returnInstruction()!.inputs[0], g.d);
});

test('a rule that always fires is reported by name', () => {
  const g = scaledScores();
  assert.throws(
    () => rewriteToFixedPoint(g.m, [rule({ name: 'forever', pattern: name('dot'), apply: () => true })], 8),
    (e: unknown) => e instanceof RewriteLoopError && /rule 'forever' fired 8 times/.test(e.message),
  );
});
