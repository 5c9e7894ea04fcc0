// Shared test helpers for the reference interpreter: run one op on tensors through a real module (so the
// IR computes the shapes), build tensors, and compare numbers. Expected values always come from the
// tests' own formulas, never from src/ref.

import assert from 'node:assert/strict';
import { makeOp } from '../../src/ops/index.js';
import type { AttrValue } from '../../src/ir/op.js';
import { Module } from '../../src/ir/module.js';
import { Shape } from '../../src/ir/shape.js';
import { Tensor } from '../../src/ir/tensor.js';
import type { ElementType } from '../../src/ir/types.js';
import { evaluateModule } from '../../src/ref/evaluate.js';

/** Runs `op(inputs…)` as a one-instruction module; inputs are bound as parameters a0, a1, …. */
export function runOp(name: string, attrs: Readonly<Record<string, AttrValue>>, inputs: readonly Tensor[]): Tensor {
  const m = new Module('main');
  const params = inputs.map((t, i) => m.addParameter(`a${i}`, t.shape));
  const ins = m.addInstruction(makeOp(name, attrs), params);
  m.addReturn([ins]);
  const bound = new Map(inputs.map((t, i) => [`a${i}`, t] as const));
  const [result] = evaluateModule(m, bound);
  return result!;
}

export function tensor(type: ElementType, lens: readonly number[], values: readonly number[]): Tensor {
  return Tensor.fromNumbers(type, lens, values);
}

/** A standard tensor holding `data` as its storage (bit patterns, codes or bigints as stored). */
export function rawTensor(type: ElementType, lens: readonly number[], data: Tensor['data']): Tensor {
  return new Tensor(new Shape(type, lens), data);
}

/** Stored values in logical order (bit patterns for half/fp8, bigint for 64-bit ints). */
export function raw(t: Tensor): (number | bigint)[] {
  return Array.from({ length: t.shape.elements() }, (_, i) => t.rawAt(i));
}

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, relTol: number, absTol = 0, what = ''): void {
  assert.equal(actual.length, expected.length, `${what} length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e)) {
      assert.ok(Number.isNaN(a), `${what}[${i}]: expected NaN, got ${a}`);
      continue;
    }
    const tol = Math.max(absTol, relTol * Math.abs(e));
    assert.ok(Math.abs(a - e) <= tol, `${what}[${i}]: got ${a}, expected ${e} (tolerance ${tol})`);
  }
}

/** A deterministic pseudo-random generator (mulberry32) for test data. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
