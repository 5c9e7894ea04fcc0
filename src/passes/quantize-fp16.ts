// quantize-fp16 (`--fp16`, MIGraphX quantize_fp16): run every float op in half precision while the
// program's interface (parameters and outputs) keeps its types.
//   op(x: float, …) -> convert[float](op(convert[half](x), …))
// eliminate-convert then removes the back-to-back pairs this leaves between consecutive ops and folds
// converted literals. Ops with non-float results (comparisons, shapes) keep their float inputs converted.

import { makeOp } from '../ir/op.js';
import type { Instruction } from '../ir/instruction.js';
import type { Module } from '../ir/module.js';
import type { Program } from '../ir/program.js';
import type { Pass } from './pass.js';

/** Ops left in their original precision: type plumbing and the builtins. */
const KEEP = new Set(['convert', '@param', '@literal', '@return']);

function isWideFloat(i: Instruction): boolean {
  return i.shape.type === 'float_type' || i.shape.type === 'double_type';
}

function quantizeInstruction(m: Module, ins: Instruction): void {
  if (KEEP.has(ins.op.name) || ins.moduleInputs.length > 0) return;
  if (!ins.inputs.some(isWideFloat)) return;
  // Users keep reading the original type through a convert placed first, so their shapes never change.
  if (isWideFloat(ins) && ins.outputs.length > 0) {
    const back = m.insertInstruction(ins.next, makeOp('convert', { target_type: ins.shape.type }), [ins]);
    back.origin = ins.origin;
    m.replaceAllUses(ins, back);
  }
  const inputs = ins.inputs.map((i) => (isWideFloat(i) ? m.insertInstruction(ins, makeOp('convert', { target_type: 'half_type' }), [i]) : i));
  m.replaceInstruction(ins, ins.op, inputs);
}

export const quantizeFp16: Pass = {
  name: 'quantize-fp16',
  apply(program: Program) {
    const m = program.mainModule();
    for (const ins of m.instructions()) quantizeInstruction(m, ins);
  },
};
