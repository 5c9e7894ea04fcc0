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

/** Runs `m`, asking `bindParam` for each `@param`; returns the `@return` arguments (or the last value). */
export function runModule(m: Module, bindParam: (param: Instruction) => Tensor): Tensor[] {
  const outputs = m.outputInstructions();
  const keep = new Set(outputs);
  const values = new Map<Instruction, Tensor>();
  const usesLeft = new Map<Instruction, number>();
  const valueOf = (ins: Instruction): Tensor => {
    const v = values.get(ins);
    if (!v) throw new Error(`module ${m.name}: ${ins.op} is read before it is computed`);
    return v;
  };

  for (const ins of m) {
    if (ins.isReturn()) break;
    const value = evaluateInstruction(ins, valueOf, bindParam);
    if (ins.outputs.length > 0 || keep.has(ins)) {
      values.set(ins, value);
      usesLeft.set(ins, ins.outputs.length);
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
