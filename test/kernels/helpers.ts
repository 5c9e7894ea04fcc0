// Small programs for kernel tests: build a main module from parameters, run it on the file's device
// through the real lowering and runtime, and evaluate it with the reference interpreter (the oracle).

import '../../src/ops/index.js';
import type { Instruction } from '../../src/ir/instruction.js';
import type { Module } from '../../src/ir/module.js';
import { makeOp, type AttrValue } from '../../src/ir/op.js';
import { Program } from '../../src/ir/program.js';
import { Shape } from '../../src/ir/shape.js';
import { Tensor } from '../../src/ir/tensor.js';
import type { ElementType } from '../../src/ir/types.js';
import type { DeviceCapabilities } from '../../src/codegen/capabilities.js';
import { lowerProgram } from '../../src/codegen/lower.js';
import { evaluateProgram } from '../../src/ref/evaluate.js';
import type { WebGpuDevice } from '../../src/runtime/device.js';
import { ExecutableProgram } from '../../src/runtime/executable.js';

export interface Built {
  readonly program: Program;
  readonly params: Map<string, Tensor>;
}

/** A program whose parameters are `inputs` (name → tensor) and whose outputs `body` returns. */
export function buildProgram(inputs: Readonly<Record<string, Tensor>>, body: (m: Module, p: Readonly<Record<string, Instruction>>) => Instruction[]): Built {
  const program = new Program();
  const m = program.mainModule();
  const params: Record<string, Instruction> = {};
  for (const [name, t] of Object.entries(inputs)) params[name] = m.addParameter(name, new Shape(t.type, t.shape.lens));
  m.addReturn(body(m, params));
  program.validate();
  return { program, params: new Map(Object.entries(inputs)) };
}

/** `op(inputs…)` appended to `m`. */
export function add(m: Module, op: string, inputs: readonly Instruction[], attrs: Readonly<Record<string, AttrValue>> = {}): Instruction {
  return m.addInstruction(makeOp(op, attrs), inputs);
}

/** Runs `built` on `gpu`, lowered for the device's capabilities or for `caps` (e.g. the other GEMM loading). */
export async function runGpu(gpu: WebGpuDevice, built: Built, caps: DeviceCapabilities = gpu.capabilities): Promise<Tensor[]> {
  const exe = await ExecutableProgram.prepare(gpu, lowerProgram(built.program, caps));
  try {
    return (await exe.run(built.params)).outputs;
  } finally {
    exe.destroy();
  }
}

export function runReference(built: Built): Tensor[] {
  return evaluateProgram(built.program, built.params);
}

/** A standard tensor holding raw stored values (bit patterns / codes), typed as `type`. */
export function rawTensor(type: ElementType, lens: readonly number[], data: Tensor['data']): Tensor {
  return new Tensor(new Shape(type, lens), data);
}

/** The stored values of a tensor in logical order (bit patterns for half / fp8, bigint for int64). */
export function rawValues(t: Tensor): (number | bigint)[] {
  const n = t.shape.elements();
  const out = new Array<number | bigint>(n);
  for (let i = 0; i < n; i++) out[i] = t.rawAt(i);
  return out;
}

/** The first index where two stored-value lists differ, as a message, or undefined. */
export function firstRawMismatch(actual: Tensor, expected: readonly (number | bigint)[], describe: (i: number) => string): string | undefined {
  const got = rawValues(actual);
  if (got.length !== expected.length) return `${got.length} values, expected ${expected.length}`;
  let bad = 0;
  let first = -1;
  for (let i = 0; i < got.length; i++) {
    if (got[i] !== expected[i]) {
      bad++;
      if (first < 0) first = i;
    }
  }
  if (bad === 0) return undefined;
  return `${bad} of ${got.length} differ; first at ${describe(first)}: got 0x${got[first]!.toString(16)}, expected 0x${expected[first]!.toString(16)}`;
}
