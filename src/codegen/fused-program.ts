// Fused elementwise programs: the steps a generated kernel computes (src/codegen/fused-source.ts
// writes the WGSL), read off a fused op's submodule. Each value is a float32 holding its element
// exactly (lib/fused-values.wgsl), so a step is allowed only on types that fit: float-coded types,
// bool and integers of at most 16 bits; arithmetic only on float-coded inputs (integer ops wrap, which
// float32 would not). A submodule with anything else is not a program: its op runs unfused.

import type { Instruction } from '../ir/instruction.js';
import type { ElementType } from '../ir/types.js';
import { scalarConstant } from '../fusion/outline.js';
import { INTEGER_ONLY_OPS, POINTWISE_OPS, isPointwiseOp } from './pointwise-ops.js';
import { computeDomain } from './type-classes.js';

/** A value a step reads: an input (binding), a scalar constant (uniform), or an earlier step. */
export type ValueRef = { readonly kind: 'input'; readonly index: number } | { readonly kind: 'const'; readonly index: number } | { readonly kind: 'step'; readonly index: number };

export type StepKind = 'op' | 'convert' | 'quantize' | 'dequantize' | 'where' | 'reduce';

export interface FusedStep {
  readonly kind: StepKind;
  /** The op code (op: OP_*; reduce: 0 sum, 1 mean, 2 max, 3 min, 4 prod; others: STEP_* or 0). */
  readonly code: number;
  readonly type: ElementType;
  readonly saturate: boolean;
  /** op: 1–3 operands; convert: x; quantize / dequantize: x, scale, zero point (a const 0 when absent); where: c, x, y; reduce: x. */
  readonly args: readonly ValueRef[];
}

/** Step kinds of lib/fused-values.wgsl beyond the elementwise op codes (OP_* are below 60). */
export const STEP = { convert: 60, quantize: 61, dequantize: 62 } as const;

/** Types a fused value holds exactly in float32 (lib/fused-values.wgsl). */
export function holdsExactly(t: ElementType): boolean {
  return computeDomain(t) === 'f32' || ['bool_type', 'int8_type', 'uint8_type', 'int16_type', 'uint16_type', 'int4_type', 'uint4_type', 'int2_type', 'uint2_type'].includes(t);
}

/** The value of a scalar constant (a one-element literal behind views), or undefined. */
export function constantValue(ins: Instruction | undefined): number | undefined {
  if (!ins) return 0;
  const lit = scalarConstant(ins);
  return lit && holdsExactly(lit.literal!.type) ? lit.literal!.get(0) : undefined;
}

export const REDUCE_CODES: Readonly<Record<string, number>> = { reduce_sum: 0, reduce_mean: 1, reduce_max: 2, reduce_min: 3, reduce_prod: 4 };

const isFloatCoded = (t: ElementType) => computeDomain(t) === 'f32';

/**
 * The step `ins` computes, its operands given by `ref` (undefined when an operand is not available), or
 * a reason it cannot be one.
 */
export function stepOf(ins: Instruction, ref: (i: Instruction | undefined) => ValueRef | undefined): FusedStep | string {
  const t = ins.shape.type;
  const name = ins.op.name;
  if (!holdsExactly(t)) return `${name} makes ${t}`;
  for (const i of ins.inputs) if (!holdsExactly(i.shape.type)) return `${name} reads ${i.shape.type}`;
  const refs = ins.inputs.map(ref);
  if (refs.some((r) => r === undefined)) return `${name} reads a value the kernel does not have`;
  const args = refs as ValueRef[];
  switch (name) {
    case 'convert':
      return { kind: 'convert', code: STEP.convert, type: t, saturate: ins.op.bool('saturate'), args };
    case 'quantizelinear':
    case 'dequantizelinear': {
      if (!isFloatCoded(ins.inputs[1]!.shape.type)) return `${name} with a ${ins.inputs[1]!.shape.type} scale`;
      if (name === 'quantizelinear' && !isFloatCoded(ins.inputs[0]!.shape.type)) return `quantizelinear of ${ins.inputs[0]!.shape.type}`;
      if (name === 'dequantizelinear' && !isFloatCoded(t)) return `dequantizelinear to ${t}`;
      // A float-coded output has zero point 0 (quantize ignores it); a missing one is 0.
      const zero = ins.inputs[2] === undefined || (name === 'quantizelinear' && isFloatCoded(t)) ? undefined : args[2];
      const z = zero ?? ref(undefined);
      if (!z) return `${name} without a zero constant`;
      return { kind: name === 'quantizelinear' ? 'quantize' : 'dequantize', code: name === 'quantizelinear' ? STEP.quantize : STEP.dequantize, type: t, saturate: name === 'quantizelinear' ? ins.op.bool('saturate') : true, args: [args[0]!, args[1]!, z] };
    }
    case 'where':
      if (ins.inputs[0]!.shape.type !== 'bool_type') return 'where with a non-bool condition';
      return { kind: 'where', code: 0, type: t, saturate: true, args };
    default:
      break;
  }
  if (name in REDUCE_CODES) {
    if (!isFloatCoded(ins.inputs[0]!.shape.type)) return `${name} of ${ins.inputs[0]!.shape.type}`;
    return { kind: 'reduce', code: REDUCE_CODES[name]!, type: t, saturate: true, args };
  }
  if (!isPointwiseOp(name)) return `${name} is not elementwise`;
  if (INTEGER_ONLY_OPS.has(name)) return `${name} is an integer op`;
  if (!ins.inputs.every((i) => isFloatCoded(i.shape.type))) return `${name} on ${ins.inputs[0]!.shape.type} (integer arithmetic)`;
  return { kind: 'op', code: POINTWISE_OPS[name], type: t, saturate: true, args };
}

/** The scalar constants of a program, by value (a constant used twice is one uniform). */
export class Constants {
  readonly values: number[] = [];

  ref(value: number): ValueRef {
    let k = this.values.findIndex((v) => Object.is(v, value));
    if (k < 0) {
      k = this.values.length;
      this.values.push(value);
    }
    return { kind: 'const', index: k };
  }

  /** A scalar constant instruction as a ref (undefined = the zero a missing zero point stands for). */
  of(ins: Instruction | undefined): ValueRef | undefined {
    const v = constantValue(ins);
    return v === undefined ? undefined : this.ref(v);
  }
}
