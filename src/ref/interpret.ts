// The interpreter loop: runs a module's instructions in order over tensors, dropping each value after
// its last use. Shared by the public entry points (evaluate.ts) and by computes of fused ops, which run
// their submodules with `evaluateSubmodule`. Needs the computes registered (src/ref/index.ts).

import type { Instruction } from '../ir/instruction.js';
import type { Module } from '../ir/module.js';
import type { Shape } from '../ir/shape.js';
import type { Tensor } from '../ir/tensor.js';
import { sameNumbers } from '../ir/shape.js';
import { computeOp } from './registry.js';
import { relayout } from './strided.js';

/** Optional hooks of `runModule` (FP8 calibration uses both). */
export interface RunOptions {
  /** Called with each instruction's value as soon as it is computed, before it can be dropped. */
  readonly observe?: (ins: Instruction, value: Tensor) => void;
  /**
   * Compute only these instructions and what they read; nothing is returned (their values reach
   * `observe`), so each value is dropped after its last needed use.
   */
  readonly targets?: readonly Instruction[];
}

/**
 * Runs `m`, asking `bindParam` for each `@param`; returns the `@return` arguments (or the last value),
 * or nothing when `options.targets` is given.
 */
export function runModule(m: Module, bindParam: (param: Instruction) => Tensor, options: RunOptions = {}): Tensor[] {
  const outputs = options.targets ? [] : m.outputInstructions();
  const needed = options.targets ? upstreamOf(options.targets) : undefined;
  const keep = new Set(outputs);
  const values = new Map<Instruction, Tensor>();
  const usesLeft = new Map<Instruction, number>();
  const valueOf = (ins: Instruction): Tensor => {
    const v = values.get(ins);
    if (!v) throw new Error(`module ${m.name}: ${ins.op} is read before it is computed`);
    return v;
  };
  // Uses that will actually read the value: all of them, or those among the needed instructions.
  const uses = (ins: Instruction): number => (needed ? ins.outputs.filter((u) => needed.has(u)).length : ins.outputs.length);

  for (const ins of m) {
    if (ins.isReturn()) break;
    if (needed && !needed.has(ins)) continue;
    const value = evaluateInstruction(ins, valueOf, bindParam);
    options.observe?.(ins, value);
    const readers = uses(ins);
    if (readers > 0 || keep.has(ins)) {
      values.set(ins, value);
      usesLeft.set(ins, readers);
    }
    // `inputs` lists an instruction once per use, as `outputs` does, so the counts agree.
    for (const input of ins.inputs) {
      const left = usesLeft.get(input)! - 1;
      usesLeft.set(input, left);
      if (left === 0 && !keep.has(input)) values.delete(input);
    }
  }
  return outputs.map(valueOf);
}

/** `targets` and every instruction they read, directly or not (iterative: long chains are fine). */
function upstreamOf(targets: readonly Instruction[]): Set<Instruction> {
  const seen = new Set<Instruction>(targets);
  const stack = [...targets];
  while (stack.length > 0) {
    for (const input of stack.pop()!.inputs) {
      if (seen.has(input)) continue;
      seen.add(input);
      stack.push(input);
    }
  }
  return seen;
}

/** The value of one instruction given its inputs' values. */
export function evaluateInstruction(
  ins: Instruction,
  valueOf: (input: Instruction) => Tensor,
  bindParam: (param: Instruction) => Tensor,
): Tensor {
  if (ins.isParam()) return bindParam(ins);
  if (ins.isLiteral()) {
    if (!ins.literal) throw new Error(`a @literal has no value`);
    return ins.literal;
  }
  const args = ins.inputs.map(valueOf);
  try {
    return computeOp(ins.op, args, ins.shape, ins.moduleInputs);
  } catch (e) {
    if (!ins.origin || !(e instanceof Error)) throw e;
    throw new Error(`${e.message} (ONNX node '${ins.origin.node}', ${ins.origin.opType})`, { cause: e });
  }
}

/**
 * Checks a bound parameter against its declared shape (same type and lens; strides may differ, the value
 * is then laid out as declared so views computed from the IR shapes stay right).
 */
export function checkedParameter(name: string, expected: Shape, given: Tensor | undefined): Tensor {
  if (!given) throw new Error(`missing parameter '${name}': expected ${expected}`);
  if (given.type !== expected.type || !sameNumbers(given.shape.lens, expected.lens)) {
    throw new Error(`parameter '${name}': expected ${expected}, given ${given.shape}`);
  }
  return relayout(given, expected);
}

/** A submodule's parameters in binding order: by name, digit runs compared as numbers (x2 before x10). */
export function submoduleParameters(m: Module): Instruction[] {
  return m.parameters().sort((a, b) => compareNumericAware(a.paramName(), b.paramName()));
}

/** Runs a fused op's submodule with its parameters (x0, x1, … in MIGraphX's convention) bound to `args`. */
export function evaluateSubmodule(m: Module, args: readonly Tensor[]): Tensor[] {
  const params = submoduleParameters(m);
  if (params.length !== args.length) {
    throw new Error(`module ${m.name} has ${params.length} parameters (${params.map((p) => p.paramName()).join(', ')}) but got ${args.length} arguments`);
  }
  const bound = new Map<Instruction, Tensor>();
  params.forEach((p, i) => bound.set(p, checkedParameter(p.paramName(), p.shape, args[i])));
  return runModule(m, (p) => bound.get(p)!);
}

export function compareNumericAware(a: string, b: string): number {
  const chunks = (s: string) => s.match(/\d+|\D+/g) ?? [];
  const ca = chunks(a);
  const cb = chunks(b);
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const x = ca[i]!;
    const y = cb[i]!;
    if (x === y) continue;
    const bothDigits = /^\d/.test(x) && /^\d/.test(y);
    if (bothDigits && Number(x) !== Number(y)) return Number(x) - Number(y);
    return x < y ? -1 : 1;
  }
  return ca.length - cb.length;
}
