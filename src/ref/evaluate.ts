// The reference interpreter's entry points: evaluate a program or module on named inputs, and fold
// instructions that depend only on literals (the importer's constant folding). Numerics follow each
// compute's header in src/ref/ops/; results are the numeric oracle the compiled kernels are checked against.

import type { Instruction } from '../ir/instruction.js';
import type { Module } from '../ir/module.js';
import type { Program } from '../ir/program.js';
import { Tensor } from '../ir/tensor.js';
import { isOutputParameter } from '../ops/memory.js';
import './index.js';
import { checkedParameter, evaluateInstruction, runModule, type RunOptions } from './interpret.js';

export { evaluateSubmodule, type RunOptions } from './interpret.js';
export { computeOp, defineCompute, type ComputeFn } from './registry.js';

/** The outputs of main's `@return`, in order. */
export function evaluateProgram(p: Program, params: ReadonlyMap<string, Tensor>): Tensor[] {
  return evaluateModule(p.mainModule(), params);
}

/**
 * The module's outputs. Every `@param` must be in `params` with its declared type and lens (an Error names
 * the parameter and both shapes otherwise); other strides are accepted and re-laid out. `options` can
 * watch every value as it is computed and restrict the run to what some instructions need (calibration).
 */
export function evaluateModule(m: Module, params: ReadonlyMap<string, Tensor>, options: RunOptions = {}): Tensor[] {
  return runModule(
    m,
    (p) => {
      const name = p.paramName();
      // A lowered program's output buffers (`main:#output_k`) are made here unless the caller gives them.
      if (isOutputParameter(name) && !params.has(name)) return Tensor.zeros(p.shape);
      return checkedParameter(name, p.shape, params.get(name));
    },
    options,
  );
}

/** True when no `@param` feeds `ins`, directly or through other instructions. */
export function isConstant(ins: Instruction): boolean {
  return constantOrder(ins) !== undefined;
}

/**
 * The value of `ins` when it depends only on literals (no @param anywhere upstream); undefined otherwise.
 * Each upstream instruction is computed once per call, and dropped after its last use within the call.
 * Compute errors (a gather index out of range, …) propagate.
 */
export function tryEvaluateConstant(ins: Instruction): Tensor | undefined {
  const order = constantOrder(ins);
  if (!order) return undefined;
  const usesLeft = new Map<Instruction, number>();
  for (const i of order) for (const input of i.inputs) usesLeft.set(input, (usesLeft.get(input) ?? 0) + 1);
  const values = new Map<Instruction, Tensor>();
  const noParams = (p: Instruction): never => {
    throw new Error(`parameter '${p.paramName()}' reached while folding constants`);
  };
  for (const i of order) {
    values.set(i, evaluateInstruction(i, (input) => values.get(input)!, noParams));
    for (const input of i.inputs) {
      const left = usesLeft.get(input)! - 1;
      usesLeft.set(input, left);
      if (left === 0) values.delete(input);
    }
  }
  return values.get(ins);
}

/**
 * The instructions `ins` depends on (itself last), inputs before users; undefined when a `@param` (or a
 * `@return`, which has no value) is among them. Iterative, so long chains cannot overflow the stack.
 */
function constantOrder(root: Instruction): Instruction[] | undefined {
  const order: Instruction[] = [];
  const visited = new Set<Instruction>();
  const stack: [Instruction, number][] = [[root, 0]];
  visited.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const [ins, next] = top;
    if (ins.isParam() || ins.isReturn()) return undefined;
    if (next < ins.inputs.length) {
      top[1] = next + 1;
      const input = ins.inputs[next]!;
      if (!visited.has(input)) {
        visited.add(input);
        stack.push([input, 0]);
      }
    } else {
      stack.pop();
      order.push(ins);
    }
  }
  return order;
}
