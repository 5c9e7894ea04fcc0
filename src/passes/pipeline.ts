// The pass pipeline: a plain list, in order, with the reason for each position. Cleanup passes appear here,
// never hidden inside other passes. Later stages (fp8 quantization, simplify-qdq, fusion, memory
// planning, lowering) join this list as they land.

import type { Program } from '../ir/program.js';
import { eliminateConvert } from './eliminate-convert.js';
import { eliminateDeadCode } from './eliminate-dead-code.js';
import type { Pass, PassContext } from './pass.js';
import { quantizeFp16 } from './quantize-fp16.js';

export interface PipelineOptions {
  /** `--fp16`: compute float ops in half precision. */
  readonly fp16?: boolean;
}

export function buildPipeline(options: PipelineOptions): Pass[] {
  const passes: Pass[] = [];
  if (options.fp16) {
    passes.push(
      quantizeFp16, // wrap float ops in converts to half
      eliminateConvert, // drop the half→float→half pairs between ops, fold converted literals
    );
  }
  passes.push(eliminateDeadCode); // importer leftovers and everything the passes above orphaned
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
