// strip-attention-qdq (`--attention-qdq remove`): MIGraphX's final find_quant_attention
// (reference/migraphx.md §5.4), driven by find-attention's region marks instead of its narrow
// quant_dot → dq → softmax → q → quant_dot pattern, so scaled and masked attention is covered too.
//   dq(quant_dot(L(q(a)), L'(q(b))), s)          ->  dot(L(a), L'(b))      in an attention region
//   convert[t](dq(quant_dot(…)))  when dot is t  ->  dot(…)
// where L, L' are layout ops simplify-qdq moved onto the fp8 side. The result equals never quantizing
// the region (`skip`); a test holds the two programs equal. Runs after simplify-qdq; eliminate-dead-code
// then removes the orphaned q, quant_dot and dq.

import type { Instruction } from '../ir/instruction.js';
import { describe, type Module } from '../ir/module.js';
import { makeOp } from '../ir/op.js';
import type { Program } from '../ir/program.js';
import type { Pass } from './pass.js';

const LAYOUT = new Set(['transpose', 'broadcast', 'multibroadcast', 'reshape', 'contiguous']);

/** The float tensor a quantized operand came from, with its layout ops re-created on it; or undefined. */
function floatOperand(m: Module, operand: Instruction, at: Instruction): Instruction | undefined {
  const layout: Instruction[] = [];
  let i = operand;
  while (LAYOUT.has(i.op.name)) {
    layout.push(i);
    i = i.inputs[0]!;
  }
  if (i.op.name !== 'quantizelinear') return undefined;
  let x = i.inputs[0]!;
  for (const op of layout.reverse()) x = m.insertInstruction(at, op.op, [x]);
  return x;
}

/** The float tensor's type behind a quantized operand (what the restored dot computes in). */
function floatType(operand: Instruction): Instruction['shape']['type'] | undefined {
  let i = operand;
  while (LAYOUT.has(i.op.name)) i = i.inputs[0]!;
  return i.op.name === 'quantizelinear' ? i.inputs[0]!.shape.type : undefined;
}

/** Turns one region quant_dot back into a float dot: true when done, false when already dead, else why not. */
function dequantizeGemm(m: Module, qd: Instruction): boolean | string {
  const dq = qd.outputs.length === 1 && qd.outputs[0]!.op.name === 'dequantizelinear' ? qd.outputs[0]! : undefined;
  if (!dq) return 'its result does not go through a single dequantizelinear';
  const type = floatType(qd.inputs[1]!);
  if (!type || !floatType(qd.inputs[0]!)) return 'an operand is not a quantizelinear output';
  // The dot replaces the last instruction of the quantized chain: dq, or the convert back to its type.
  const back = dq.outputs.length === 1 ? dq.outputs[0]! : undefined;
  const target = back && back.op.name === 'convert' && back.shape.type === type ? back : dq;
  if (target.outputs.length === 0) return false; // already replaced; dead-code elimination's business
  let a = floatOperand(m, qd.inputs[0]!, dq)!;
  const b = floatOperand(m, qd.inputs[1]!, dq)!;
  if (a.shape.type !== type) a = m.insertInstruction(dq, makeOp('convert', { target_type: type }), [a]);
  const dot = m.insertInstruction(dq, makeOp('dot'), [a, b]);
  const result = target.shape.type === type ? dot : m.insertInstruction(dq, makeOp('convert', { target_type: target.shape.type }), [dot]);
  m.copyProvenance(qd, dot);
  delete dot.meta.quantization;
  m.replaceAllUses(target, result);
  return true;
}

function stripModule(m: Module, ctx: Parameters<Pass['apply']>[1]): void {
  const stripped = new Map<number, { pattern: string; dots: number; nodes: Set<string> }>();
  for (const qd of m.instructions()) {
    const mark = qd.meta.attention;
    if (qd.op.name !== 'quant_dot' || !mark) continue;
    const outcome = dequantizeGemm(m, qd);
    if (outcome === false) continue;
    if (typeof outcome === 'string') {
      ctx.diagnostics.warning('FP8_ATTENTION_QDQ_KEPT', `${describe(qd)} in attention region ${mark.region} stays quantized: ${outcome}.`, qd.origin ? { onnxNode: qd.origin.node } : {});
      continue;
    }
    const s = stripped.get(mark.region) ?? { pattern: mark.pattern, dots: 0, nodes: new Set<string>() };
    s.dots++;
    if (qd.origin) s.nodes.add(qd.origin.node);
    stripped.set(mark.region, s);
  }
  for (const ins of m) {
    const mark = ins.meta.attention;
    if (mark && stripped.has(mark.region)) {
      ins.meta.quantizationSkipped = `attention region ${mark.region} (${mark.pattern}): Q/DQ removed after quantization so the block can fuse`;
    }
  }
  for (const [id, s] of [...stripped].sort((x, y) => x[0] - y[0])) {
    const first = [...s.nodes][0];
    ctx.diagnostics.info(
      'FP8_ATTENTION_QDQ_REMOVED',
      `attention region ${id} (${s.pattern}): ${s.dots} quant_dot(s) turned back into float dots (${[...s.nodes].join(', ')}) so the block can fuse.`,
      first ? { onnxNode: first } : {},
    );
  }
}

export const stripAttentionQdq: Pass = {
  name: 'strip-attention-qdq',
  apply(program: Program, ctx) {
    stripModule(program.mainModule(), ctx);
  },
};
