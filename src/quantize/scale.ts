// The per-tensor FP8 scale from a calibrated max |x| (MIGraphX quantize_8bits): scale = amax / format max,
// stored in the quantized tensor's own float type, so x / scale spans the whole fp8 range.
//   amax 0 → 1 (nothing to spread), never calibrated → 1/64 (MIGraphX's default multiplier 64),
//   a scale below the type's smallest normal → that normal (NOTE: MIGraphX clamps to the type's epsilon
//   instead, 2^-10 for half, which coarsens every half tensor with amax < 0.44; docs/quantization.md).
// Not here: measuring amax (amax.ts, calibrate.ts) or inserting Q/DQ (passes/quantize-fp8.ts).

import type { ElementType } from '../ir/types.js';
import { bf16ToFloat, floatToBf16, floatToHalf, halfToFloat } from '../numerics/float16.js';
import { fp8Max, type Fp8Format } from '../numerics/float8.js';

/** The fp8 element type of each format. */
export const FP8_TYPES: Readonly<Record<Fp8Format, ElementType>> = {
  e4m3fn: 'fp8e4m3fn_type',
  e4m3fnuz: 'fp8e4m3fnuz_type',
  e5m2: 'fp8e5m2_type',
  e5m2fnuz: 'fp8e5m2fnuz_type',
};

/** MIGraphX's scale for a capture that never saw a value: 1 / 64. */
export const DEFAULT_SCALE = 1 / 64;

export type ScaleNote =
  /** amax / format max, as is. */
  | 'calibrated'
  /** amax was 0: scale 1. */
  | 'zero'
  /** No calibration value reached this capture: 1/64. */
  | 'uncalibrated'
  /** A NaN was seen while calibrating: 1/64. */
  | 'nan'
  /** Raised to the type's smallest normal. */
  | 'clamped-min'
  /** Lowered to the type's largest finite value (amax was infinite). */
  | 'clamped-max';

export interface ScaleChoice {
  /** The scale as stored in `type` (what the literal holds and the program uses). */
  readonly scale: number;
  readonly note: ScaleNote;
}

/** Smallest normal and largest finite value of the float types a scale can have. */
function limits(type: ElementType): { minNormal: number; max: number } {
  switch (type) {
    case 'half_type':
      return { minNormal: 2 ** -14, max: 65504 };
    case 'bf16_type':
      return { minNormal: 2 ** -126, max: 3.3895313892515355e38 };
    case 'float_type':
      return { minNormal: 2 ** -126, max: 3.4028234663852886e38 };
    case 'double_type':
      return { minNormal: 2 ** -1022, max: Number.MAX_VALUE };
    default:
      throw new Error(`an fp8 scale cannot be ${type}`);
  }
}

/** `x` rounded to `type` (the value a literal of that type holds). */
export function roundTo(type: ElementType, x: number): number {
  switch (type) {
    case 'half_type':
      return halfToFloat(floatToHalf(x));
    case 'bf16_type':
      return bf16ToFloat(floatToBf16(x));
    case 'float_type':
      return Math.fround(x);
    default:
      return x;
  }
}

/** The scale for a tensor of `type` whose calibrated max |x| is `amax` (undefined: never calibrated). */
export function chooseScale(amax: number | undefined, type: ElementType, format: Fp8Format): ScaleChoice {
  const { minNormal, max } = limits(type);
  if (amax === undefined) return { scale: roundTo(type, DEFAULT_SCALE), note: 'uncalibrated' };
  if (Number.isNaN(amax)) return { scale: roundTo(type, DEFAULT_SCALE), note: 'nan' };
  if (amax === 0) return { scale: 1, note: 'zero' };
  const scale = roundTo(type, amax / fp8Max(format));
  if (scale < minNormal) return { scale: minNormal, note: 'clamped-min' };
  if (scale > max) return { scale: max, note: 'clamped-max' };
  return { scale, note: 'calibrated' };
}
