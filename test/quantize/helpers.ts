// Helpers for the quantization tests, in MIGraphX's idiom (test/include/quantize_helpers.hpp): build a
// module by hand, run a pass plus dead-code elimination, build the expected module by hand, compare the
// printed text (sorted when instruction order is incidental). Also: compiling models with FP8 options.

import assert from 'node:assert/strict';
import { DiagnosticSink } from '../../src/diagnostics.js';
import type { Instruction } from '../../src/ir/instruction.js';
import type { Module } from '../../src/ir/module.js';
import { makeOp } from '../../src/ops/index.js';
import { moduleToString } from '../../src/ir/printer.js';
import { Program } from '../../src/ir/program.js';
import { eliminateDeadCode } from '../../src/passes/eliminate-dead-code.js';
import type { Pass } from '../../src/passes/pass.js';
import { runPasses } from '../../src/passes/pipeline.js';

/** A fresh program; tests build its main module. */
export function program(): { p: Program; m: Module } {
  const p = new Program();
  return { p, m: p.mainModule() };
}

/** MIGraphX broadcast_scale: a one-element {1} scale multibroadcasts, a 1-D one broadcasts on `axis`. */
export function broadcastScale(m: Module, scale: Instruction, lens: readonly number[], axis: number): Instruction {
  if (scale.shape.lens.join() === lens.join()) return scale;
  if (scale.shape.ndim === 1 && scale.shape.lens[0] === 1) return m.addInstruction(makeOp('multibroadcast', { out_lens: [...lens] }), [scale]);
  return m.addInstruction(makeOp('broadcast', { axis, out_lens: [...lens] }), [scale]);
}

/** MIGraphX add_quantize_op: `name(x, bcast scale[, mb zero])`. */
export function addQuantizeOp(m: Module, name: 'quantizelinear' | 'dequantizelinear', x: Instruction, scale: Instruction, zero?: Instruction, axis = 1): Instruction {
  const lens = x.shape.lens;
  const s = broadcastScale(m, scale, lens, axis);
  const inputs = [x, s];
  if (zero) inputs.push(zero.shape.lens.join() === lens.join() ? zero : m.addInstruction(makeOp('multibroadcast', { out_lens: [...lens] }), [zero]));
  return m.addInstruction(makeOp(name), inputs);
}

/** MIGraphX add_scale_mul: mul(bcast s1 on axis1, bcast s2 on axis2) over `lens`. */
export function addScaleMul(m: Module, s1: Instruction, s2: Instruction, axis1: number, axis2: number, lens: readonly number[]): Instruction {
  return m.addInstruction(makeOp('mul'), [broadcastScale(m, s1, lens, axis1), broadcastScale(m, s2, lens, axis2)]);
}

/** Runs `passes` then dead-code elimination, validating the IR after each; returns the diagnostics. */
export function run(p: Program, ...passes: Pass[]): DiagnosticSink {
  const sink = new DiagnosticSink();
  runPasses(p, [...passes, eliminateDeadCode], { diagnostics: sink }, true);
  return sink;
}

/** The module's text after a deterministic topological sort (for order-insensitive comparisons). */
export function sortedText(m: Module): string {
  return moduleToString(m.sort());
}

/** Asserts two modules print the same, sorted (MIGraphX `p1.sort() == p2.sort()`). */
export function assertSameSorted(actual: Module, expected: Module): void {
  assert.equal(sortedText(actual), sortedText(expected));
}

/** Asserts two modules print the same, in their own order (MIGraphX `m1 == m2`). */
export function assertSame(actual: Module, expected: Module): void {
  assert.equal(moduleToString(actual), moduleToString(expected));
}

/** Instructions of `m` with op `name`. */
export function opsNamed(m: Module, name: string): Instruction[] {
  return m.instructions().filter((i) => i.op.name === name);
}
