// A pass rewrites a program in place. Passes are idempotent and deterministic (a shared test runs each
// twice); they record decisions on instructions (`meta`) and report to users through diagnostics.

import type { DiagnosticSink } from '../diagnostics.js';
import type { Program } from '../ir/program.js';

export interface PassContext {
  readonly diagnostics: DiagnosticSink;
}

export interface Pass {
  /** kebab-case, as in the file name and the pipeline listing. */
  readonly name: string;
  apply(program: Program, ctx: PassContext): void;
}
