// The pass pipeline: a plain list, in order, with the reason for each position. Cleanup passes appear here,
// never hidden inside other passes. It runs to a stage: `quantized` (the FP8 passes), `fused`
// (constants folded, softmax decomposed, attention / reduce / GEMM / pointwise fusion) or `lowered`
// (the default: kernel instructions, one scratch buffer); `imported` runs nothing.

import type { Program } from '../ir/program.js';
import type { Tensor } from '../ir/tensor.js';
import type { Fp8Format } from '../numerics/float8.js';
import { captureArguments, type AttentionQdq } from './capture-arguments.js';
import { eliminateConvert } from './eliminate-convert.js';
import { eliminateDeadCode } from './eliminate-dead-code.js';
import { findAttention } from './find-attention.js';
import { fuseAttention } from './fuse-attention.js';
import { fuseGemm } from './fuse-gemm.js';
import { fusePointwise } from './fuse-pointwise.js';
import { fuseReduce } from './fuse-reduce.js';
import { layoutAttentionOutput } from './layout-attention-output.js';
import { lower } from './lower.js';
import { memoryColoring } from './memory-coloring.js';
import { preallocateScratch } from './preallocate-scratch.js';
import { propagateConstant } from './propagate-constant.js';
import { rewriteReduce } from './rewrite-reduce.js';
import type { Pass, PassContext } from './pass.js';
import { quantizeFp16 } from './quantize-fp16.js';
import { quantizeFp8 } from './quantize-fp8.js';
import { simplifyQdq } from './simplify-qdq.js';
import { sinkScalarMul } from './sink-scalar-mul.js';
import { stripAttentionQdq } from './strip-attention-qdq.js';

/** How far the pipeline runs (`compile --stage`); each stage includes the ones before it. */
export type Stage = 'imported' | 'quantized' | 'fused' | 'lowered';

export const STAGES: readonly Stage[] = ['imported', 'quantized', 'fused', 'lowered'];

export interface PipelineOptions {
  /** `--stage` (default lowered). */
  readonly stage?: Stage;
  /** `--fp16`: compute float ops in half precision. */
  readonly fp16?: boolean;
  /** `--fp8`: FP8 post-training quantization (docs/quantization.md). */
  readonly fp8?: Fp8Options;
}

export interface Fp8Options {
  /** `--attention-qdq`: what attention regions get (default skip: no Q/DQ, so they can fuse). */
  readonly attentionQdq?: AttentionQdq;
  /** `--fp8-format` (default e4m3fn, max 448). */
  readonly format?: Fp8Format;
  /** `--quantize-ops`: only these ops get Q/DQ on their inputs (default: every op but convert). */
  readonly quantizeOps?: readonly string[];
  /** `--calibration DIR`, read: input sets by parameter name (default: one random set). */
  readonly calibrationSets?: readonly ReadonlyMap<string, Tensor>[];
  /** `--seed`: seed of the random calibration set (default 0). */
  readonly seed?: number;
}

/** The FP8 passes, in order, for `options` (after the pipeline's first dead-code elimination). */
function fp8Passes(options: Fp8Options): Pass[] {
  const attention = options.attentionQdq ?? 'skip';
  const passes: Pass[] = [
    findAttention, // mark attention regions on the float program, before anything changes it
    captureArguments({ quantizeOps: options.quantizeOps, attention }), // probe the inputs to quantize (skip: not in regions)
    quantizeFp8({ format: options.format ?? 'e4m3fn', calibrationSets: options.calibrationSets, seed: options.seed ?? 0 }), // calibrate, then Q/DQ pairs
    simplifyQdq, // Q/DQ around dots -> quant_dot; every other pair goes
  ];
  if (attention === 'remove') passes.push(stripAttentionQdq); // region quant_dots back to float dots (needs simplify-qdq's output)
  return passes;
}

export function buildPipeline(options: PipelineOptions): Pass[] {
  const stage = STAGES.indexOf(options.stage ?? 'lowered');
  const passes: Pass[] = [];
  if (stage < STAGES.indexOf('quantized')) return passes;
  if (options.fp16) {
    passes.push(
      quantizeFp16, // wrap float ops in converts to half
      eliminateConvert, // drop the half→float→half pairs between ops, fold converted literals
    );
  }
  passes.push(eliminateDeadCode); // importer leftovers and everything the passes above orphaned
  if (options.fp8) {
    passes.push(...fp8Passes(options.fp8)); // after dead code goes: nothing dead is calibrated or captured
    passes.push(eliminateDeadCode); // the captures' and pairs' leftovers
  }
  if (stage < STAGES.indexOf('fused')) return passes;
  if (!options.fp8) passes.push(findAttention); // float programs fuse attention too (with --fp8 it ran before quantizing)
  passes.push(
    propagateConstant, // quantized weights become fp8 literals; broadcasts of constants stay views
    rewriteReduce, // softmax -> reduce_max/sub/exp/reduce_sum/div (fp32 island for half): what fusion matches
    fuseAttention, // attention regions first: they claim their dots, softmax and quantize epilogue
    layoutAttentionOutput, // an attention output transposed for a reshape is written in that order (no copy)
    sinkScalarMul, // (x · ½) · Φ(x) -> (Φ(x) · x) · ½, exactly: GELU becomes a chain a GEMM epilogue takes
    fuseReduce, // each reduction with its elementwise neighbours (dq -> softmax -> q, layernorm)
    fuseGemm, // each (quant_)dot with its quantize prologue and dequantize epilogue
    fusePointwise, // the elementwise chains left
    eliminateDeadCode, // what the fusions outlined
  );
  if (stage < STAGES.indexOf('lowered')) return passes;
  passes.push(
    lower, // every computing instruction -> gpu::code_object writing into an allocation or output parameter
    eliminateDeadCode, // the views the kernels took in
    memoryColoring, // allocations -> loads of one scratch, offsets aligned for WebGPU bindings
    preallocateScratch, // the scratch parameter -> webgpu::allocate_memory
  );
  return passes;
}

/** Runs `passes` in order; with `validate`, checks the IR invariants after each (tests turn it on). */
export function runPasses(program: Program, passes: readonly Pass[], ctx: PassContext, validate = false): void {
  for (const pass of passes) {
    pass.apply(program, ctx);
    if (validate) {
      try {
        program.validate();
      } catch (e) {
        throw new Error(`after pass ${pass.name}: ${(e as Error).message}`);
      }
    }
  }
}
