// FP8 calibration: run the main module on the reference interpreter and keep, per capture index, the
// running max |x| over every input set (MIGraphX calc_quant_params). Only what the captures need is
// computed (a final projection no capture reads is skipped) and each value is dropped after its last
// use, so memory stays near the largest live tensors. Not here: scales (scale.ts) or Q/DQ (quantize-fp8).

import type { Instruction } from '../ir/instruction.js';
import type { Module } from '../ir/module.js';
import type { Tensor } from '../ir/tensor.js';
import { ModelError } from '../errors.js';
import { evaluateModule } from '../ref/evaluate.js';
import { absMax } from './amax.js';

export interface CalibrationResult {
  /** max |x| per `ins_index`; an index that is missing was never reached. */
  readonly amax: ReadonlyMap<number, number>;
  /** How many input sets ran. */
  readonly sets: number;
}

/** Every `capture` of `m`, in module order. */
export function capturesOf(m: Module): Instruction[] {
  return m.instructions().filter((i) => i.op.name === 'capture');
}

/** Runs `m` once per input set, recording max |x| of each capture's input. */
export function calibrate(m: Module, sets: Iterable<ReadonlyMap<string, Tensor>>): CalibrationResult {
  const captures = capturesOf(m);
  const amax = new Map<number, number>();
  let count = 0;
  if (captures.length === 0) return { amax, sets: 0 };
  for (const params of sets) {
    count++;
    // Several captures often read one tensor (x feeding Q, K and V): measure it once per run.
    const measured = new Map<Instruction, number>();
    const observe = (ins: Instruction, value: Tensor) => {
      if (ins.op.name !== 'capture') return;
      const source = ins.inputs[0]!;
      let v = measured.get(source);
      if (v === undefined) {
        v = absMax(value);
        measured.set(source, v);
      }
      const k = ins.op.int('ins_index');
      const prev = amax.get(k);
      // NaN sticks: a scale computed from a NaN-polluted run is no scale.
      amax.set(k, prev === undefined ? v : Number.isNaN(prev) || Number.isNaN(v) ? NaN : Math.max(prev, v));
    };
    try {
      evaluateModule(m, params, { targets: captures, observe });
    } catch (e) {
      if (e instanceof ModelError) throw e;
      throw new ModelError(`FP8 calibration could not run the model on input set ${count}: ${(e as Error).message}`);
    }
  }
  return { amax, sets: count };
}
