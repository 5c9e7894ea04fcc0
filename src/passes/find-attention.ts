// find-attention: marks every attention block of the main module on its instructions.
//   dot(q, kᵀ) → [scale, mask, softcap, convert, layout] → softmax → [convert, layout, where] → dot(·, v)
//     -> meta.attention = { region, pattern, role } on every instruction between the two dots
// Region = descendants of gemm1 ∩ ancestors of gemm2, inclusive (MIGraphX find_instructions_between);
// ids 0, 1, … in module order of gemm1. Each block gives an ATTENTION_REGION info, each near miss a
// diagnostic with a stable code (src/attention/codes.ts, docs/attention.md). Runs on the imported IR,
// before quantization (quantize-fp8 reads the marks). Only marks; never changes the program.

import type { DiagnosticSink } from '../diagnostics.js';
import type { Instruction } from '../ir/instruction.js';
import type { Module } from '../ir/module.js';
import { printModule } from '../ir/printer.js';
import type { Program } from '../ir/program.js';
import { ATTENTION_CODES } from '../attention/codes.js';
import { type AttentionBlock, detectAttentionAt, type Labeller, type Rejection } from '../attention/detect.js';
import type { Pass } from './pass.js';

/** A marked block, as find-attention recorded it. */
export interface AttentionRegion extends AttentionBlock {
  readonly id: number;
  /** The ONNX nodes its instructions came from, in module order, without repeats. */
  readonly onnxNodes: readonly string[];
}

/**
 * Finds and marks the attention blocks of `module` (clearing marks from an earlier run first) and reports
 * them, and the near misses, to `diagnostics`. Returns the blocks in id order.
 */
export function findAttentionRegions(module: Module, diagnostics?: DiagnosticSink): AttentionRegion[] {
  for (const ins of module) delete ins.meta.attention;
  const position = module.indexMap();
  const names = new Map<Instruction, string>();
  printModule(module, names);
  const label: Labeller = (ins) => (ins.origin ? `${ins.origin.opType} '${ins.origin.node}'` : `${ins.op.name} ${names.get(ins) ?? '?'}`);

  const blocks: AttentionBlock[] = [];
  const rejections: Rejection[] = [];
  const taken = new Set<Instruction>();
  for (const ins of module) {
    const verdict = detectAttentionAt(ins, position, label);
    switch (verdict.kind) {
      case 'none':
        break;
      case 'rejected':
        rejections.push(verdict.rejection);
        break;
      case 'block': {
        const b = verdict.block;
        const shared = b.region.find((i) => taken.has(i));
        if (shared) {
          rejections.push({ code: 'ATTENTION_REJECTED_OVERLAP', at: ins, reason: `it shares ${label(shared)} with a block found before`, gemm1: b.gemm1 });
          break;
        }
        for (const i of b.region) taken.add(i);
        blocks.push(b);
        break;
      }
      default:
        verdict satisfies never;
    }
  }

  blocks.sort((a, b) => position.get(a.gemm1)! - position.get(b.gemm1)!);
  const regions = blocks.map((b, id): AttentionRegion => {
    for (const ins of b.region) ins.meta.attention = { region: id, pattern: b.pattern, role: b.roles.get(ins)! };
    const onnxNodes = [...new Set(b.region.flatMap((i) => (i.origin ? [i.origin.node] : [])))];
    return { ...b, id, onnxNodes };
  });

  if (diagnostics) {
    for (const r of regions) report(diagnostics, r, label);
    for (const rejection of rejections) {
      const { code, at: d } = rejection;
      const after = rejection.gemm1 ? ` (after ${label(rejection.gemm1)})` : '';
      diagnostics.add({
        severity: ATTENTION_CODES[code].severity,
        code,
        message: `${label(d)}${after} is not attention: ${rejection.reason}.`,
        ...where(d),
      });
    }
  }
  return regions;
}

/**
 * Diagnostics name the ONNX node, not the printed instruction: later passes insert instructions and
 * renumber `@N`, so a name taken here would point at the wrong line of the final program. The final
 * names of a region's instructions are on the compact IR (compactProgram reads the marks).
 */
function where(ins: Instruction): { onnxNode?: string } {
  return ins.origin ? { onnxNode: ins.origin.node } : {};
}

function report(diagnostics: DiagnosticSink, r: AttentionRegion, label: Labeller): void {
  const nodes = r.onnxNodes.length > 0 ? ` over ONNX nodes ${r.onnxNodes.join(', ')}` : '';
  diagnostics.add({
    severity: ATTENTION_CODES.ATTENTION_REGION.severity,
    code: 'ATTENTION_REGION',
    message: `attention region ${r.id}: ${r.pattern}, ${r.region.length} instructions${nodes}.`,
    ...where(r.gemm1),
  });
  for (const use of r.graphOutputs) {
    const what = r.roles.get(use.member) === 'probs' || r.roles.get(use.member) === 'softmax' ? 'probabilities' : 'scores';
    diagnostics.add({
      severity: ATTENTION_CODES.ATTENTION_OUTSIDE_USE.severity,
      code: 'ATTENTION_OUTSIDE_USE',
      message: `attention region ${r.id} also returns its ${what} (${label(use.member)}) as a graph output; it stays out of quantization, but a fused kernel must write that output too.`,
      ...where(use.member),
    });
  }
}

export const findAttention: Pass = {
  name: 'find-attention',
  apply(program: Program, ctx) {
    findAttentionRegions(program.mainModule(), ctx.diagnostics);
  },
};
