// quantize-fp8 (MIGraphX quantize_8bits: calibrate, then quantize_8bits_pass, reference/migraphx.md §2.2):
//   capture[ins_index=k](x)  ->  dequantizelinear(quantizelinear(x, mb(s), mb(z)), mb(s), mb(z))
//   s = amax_k / fp8 max (a scalar literal of x's type), z = a scalar fp8 zero, mb = multibroadcast to x
// amax_k is measured by running the main module on the reference interpreter (src/quantize/calibrate.ts)
// over the calibration sets, or over one seeded random set as migraphx-driver does. Scale rules and the
// clamp are in src/quantize/scale.ts. Runs after capture-arguments; simplify-qdq turns the pairs into
// quant_dots and removes the rest. Records meta.quantization on each q, dq and consumer.

import type { DiagnosticSink } from '../diagnostics.js';
import type { Instruction, QuantizationMark } from '../ir/instruction.js';
import { describe, type Module } from '../ir/module.js';
import { makeOp } from '../ir/op.js';
import type { Program } from '../ir/program.js';
import { Tensor } from '../ir/tensor.js';
import { randomInputs } from '../inputs/random-inputs.js';
import { fp8Max, type Fp8Format } from '../numerics/float8.js';
import { formatG } from '../ir/format.js';
import { calibrate, capturesOf } from '../quantize/calibrate.js';
import { chooseScale, FP8_TYPES, type ScaleChoice } from '../quantize/scale.js';
import type { Pass } from './pass.js';

export interface QuantizeFp8Options {
  readonly format: Fp8Format;
  /** Calibration input sets (by parameter name); when absent, one set of seeded random inputs. */
  readonly calibrationSets?: readonly ReadonlyMap<string, Tensor>[] | undefined;
  /** Seed of the random calibration set. */
  readonly seed: number;
}

function nodeOf(ins: Instruction): { onnxNode?: string } {
  return ins.origin ? { onnxNode: ins.origin.node } : {};
}

/** Consumers whose Q/DQ survives simplify-qdq (as a quant_dot's inputs); elsewhere the pairs cancel. */
const GEMMS = new Set(['dot', 'convolution']);

function report(diagnostics: DiagnosticSink, consumer: Instruction, x: Instruction, k: number, amax: number | undefined, choice: ScaleChoice): void {
  const what = `the ${x.shape.type} input of ${describe(consumer)} (capture ${k})`;
  // A clamped scale matters only where the tensor stays quantized; elsewhere the pair cancels.
  const staysQuantized = GEMMS.has(consumer.op.name);
  switch (choice.note) {
    case 'calibrated':
    case 'zero':
      return;
    case 'uncalibrated':
      diagnostics.warning('FP8_UNCALIBRATED', `${what} was never reached while calibrating; it gets MIGraphX's default scale 1/64.`, nodeOf(consumer));
      return;
    case 'nan':
      diagnostics.warning('FP8_CALIBRATION_NAN', `${what} held NaN while calibrating; it gets the default scale 1/64.`, nodeOf(consumer));
      return;
    case 'clamped-min':
      if (staysQuantized) diagnostics.info('FP8_SCALE_CLAMPED', `${what} has max |x| ${amax}: its scale is raised to ${choice.scale}, the smallest normal ${x.shape.type} (small values flush to zero).`, nodeOf(consumer));
      return;
    case 'clamped-max':
      if (staysQuantized) diagnostics.warning('FP8_SCALE_CLAMPED', `${what} has max |x| ${amax}: its scale is lowered to ${choice.scale}, the largest finite ${x.shape.type}.`, nodeOf(consumer));
      return;
    default:
      choice.note satisfies never;
  }
}

/** Replaces one capture by its Q/DQ pair (the literals first, as MIGraphX adds them). */
function insertQdq(m: Module, capture: Instruction, scale: number, zeroType: Tensor['type'], mark: QuantizationMark): void {
  const x = capture.inputs[0]!;
  const lens = [...x.shape.lens];
  const zero = m.addLiteral(Tensor.scalar(zeroType, 0));
  const s = m.addLiteral(Tensor.scalar(x.shape.type, scale));
  const sb = m.insertInstruction(capture, makeOp('multibroadcast', { out_lens: lens }), [s]);
  const zb = m.insertInstruction(capture, makeOp('multibroadcast', { out_lens: lens }), [zero]);
  const q = m.insertInstruction(capture, makeOp('quantizelinear'), [x, sb, zb]);
  const dq = m.insertInstruction(capture, makeOp('dequantizelinear'), [q, sb, zb]);
  for (const i of [q, dq]) {
    i.origin = capture.origin;
    i.meta.quantization = mark;
  }
  // A consumer with two quantized inputs keeps the mark of its first one.
  for (const user of capture.outputs) user.meta.quantization ??= mark;
  m.replaceAllUses(capture, dq);
  m.removeInstruction(capture);
}

export function quantizeFp8(options: QuantizeFp8Options): Pass {
  return {
    name: 'quantize-fp8',
    apply(program: Program, ctx) {
      const m = program.mainModule();
      const captures = capturesOf(m);
      if (captures.length === 0) return;
      const sets = options.calibrationSets ?? [randomInputs(m, options.seed)];
      const result = calibrate(m, sets);
      const source = options.calibrationSets ? `${result.sets} calibration input set(s)` : `one set of random inputs (seed ${options.seed})`;
      ctx.diagnostics.info('FP8_CALIBRATED', `measured ${captures.length} tensor(s) on ${source}; fp8 format ${options.format}, scale = max |x| / ${formatG(fp8Max(options.format))}.`);
      const zeroType = FP8_TYPES[options.format];
      for (const capture of captures) {
        const k = capture.op.int('ins_index');
        const x = capture.inputs[0]!;
        const amax = result.amax.get(k);
        const choice = chooseScale(amax, x.shape.type, options.format);
        const consumer = capture.outputs[0] ?? capture;
        report(ctx.diagnostics, consumer, x, k, amax, choice);
        insertQdq(m, capture, choice.scale, zeroType, { scale: choice.scale, amax, captureIndex: k });
      }
    },
  };
}
