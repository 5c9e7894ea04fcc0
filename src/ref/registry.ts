// The reference interpreter's compute table: one function per IR op name, registered by the op-family
// files in src/ref/ops/. A compute receives its inputs laid out exactly as their IR shapes say and must
// return a tensor whose shape equals the instruction's shape, strides included (computeOp checks it).

import type { Module } from '../ir/module.js';
import type { Op } from '../ir/op.js';
import type { Shape } from '../ir/shape.js';
import type { Tensor } from '../ir/tensor.js';

/** Computes one op: `out` is the instruction's IR shape; `modules` its submodules (fused kernels). */
export type ComputeFn = (op: Op, args: readonly Tensor[], out: Shape, modules: readonly Module[]) => Tensor;

const computes = new Map<string, ComputeFn>();

export function defineCompute(opName: string, fn: ComputeFn): void {
  if (computes.has(opName)) throw new Error(`reference compute for op '${opName}' defined twice`);
  computes.set(opName, fn);
}

export function hasCompute(opName: string): boolean {
  return computes.has(opName);
}

/** Runs `op` on `args`; throws an Error naming the op when it has no compute or returns a wrong shape. */
export function computeOp(op: Op, args: readonly Tensor[], out: Shape, modules: readonly Module[] = []): Tensor {
  const fn = computes.get(op.name);
  if (!fn) throw new Error(`the reference interpreter has no compute for op '${op.name}'`);
  const result = fn(op, args, out, modules);
  if (!result.shape.equals(out)) {
    throw new Error(`reference compute for ${op} returned ${result.shape}, but the instruction's shape is ${out}`);
  }
  return result;
}
