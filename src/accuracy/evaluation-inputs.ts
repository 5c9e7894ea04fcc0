// Evaluation inputs for `accuracy`, disjoint from the calibration inputs by construction. Random inputs
// come from mulberry32 (src/inputs/random-inputs.ts), whose state after k draws from seed s is
// s + k·C (mod 2^32, C = 0x6d2b79f5 odd, so the states of one seed cycle through all 2^32 values). The
// random calibration set is draws 1…n of seed s. Evaluation sample i is seeded so that it makes draws
// OFFSET + i·STRIDE + 1 … of that same cycle, OFFSET = 2^31 and STRIDE = 2^26: as long as one input
// set needs fewer than 2^26 numbers and there are at most 32 samples, no evaluation draw reuses a
// calibration state (or another sample's). Calibration from files (--calibration) shares nothing with
// random values either.

import type { Module } from '../ir/module.js';
import type { Tensor } from '../ir/tensor.js';
import { inputParameters, randomInputs } from '../inputs/random-inputs.js';

/** mulberry32's state increment per draw. */
const INCREMENT = 0x6d2b79f5;
/** Where evaluation draws start in the calibration seed's cycle. */
export const EVALUATION_OFFSET = 2 ** 31;
/** Draws reserved per evaluation sample. */
export const EVALUATION_STRIDE = 2 ** 26;
/** Samples that fit between OFFSET and the cycle's end. */
export const MAX_EVALUATION_SAMPLES = (2 ** 32 - EVALUATION_OFFSET) / EVALUATION_STRIDE;

/** The seed whose first draw is draw OFFSET + sample·STRIDE + 1 of `seed`'s cycle. */
export function evaluationSeed(seed: number, sample: number): number {
  if (!Number.isInteger(sample) || sample < 0 || sample >= MAX_EVALUATION_SAMPLES) throw new Error(`evaluation sample ${sample} is outside 0…${MAX_EVALUATION_SAMPLES - 1}`);
  const skip = EVALUATION_OFFSET + sample * EVALUATION_STRIDE;
  // (seed + skip·C) mod 2^32, with skip·C computed exactly modulo 2^32 (Math.imul wraps).
  return (seed + Math.imul(skip | 0, INCREMENT)) >>> 0;
}

/** How many random numbers one input set of `m` takes (one per parameter element). */
export function drawsPerSet(m: Module): number {
  return inputParameters(m).reduce((n, p) => n + p.shape.elements(), 0);
}

/** Evaluation sample `sample` for the calibration seed `seed`. */
export function evaluationInputs(m: Module, seed: number, sample: number): Map<string, Tensor> {
  const draws = drawsPerSet(m);
  if (draws >= EVALUATION_STRIDE) throw new Error(`one input set needs ${draws} random numbers; evaluation inputs are kept apart only below ${EVALUATION_STRIDE}`);
  return randomInputs(m, evaluationSeed(seed, sample));
}
