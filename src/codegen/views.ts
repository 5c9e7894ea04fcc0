// Views replayed on a physical value: a fused kernel reads its operand through the view ops between a
// parameter and the computation, applied to the buffer's real strides (not to the IR shapes of a
// submodule, whose elementwise ops produce standard shapes). Elementwise ops commute with views, so
// a prologue op may sit anywhere along the path.

import type { Instruction } from '../ir/instruction.js';
import { Shape } from '../ir/shape.js';
import { normalizeAxis } from '../ops/common.js';
import { sliceOffset } from '../ops/layout.js';
import type { ValueView } from './launch.js';

/** View ops that never copy (a reshape is one only of a standard view). */
export function isViewOp(ins: Instruction): boolean {
  return (ins.op.def.aliasesInput === 0 && ins.inputs.length === 1 && ins.op.name !== 'load' && ins.moduleInputs.length === 0) || ins.op.name === 'reshape';
}

/** `ins` (a view op) applied to `input`, or undefined when it would need a copy (reshape of a strided view). */
export function replayView(ins: Instruction, input: ValueView): ValueView | undefined {
  const physical = input.shape;
  if (ins.op.name === 'reshape') {
    if (!physical.standard) return undefined;
    return { buffer: input.buffer, offset: input.offset, shape: new Shape(physical.type, ins.op.ints('dims')) };
  }
  const shape = ins.op.def.computeShape(ins.op, [physical], []);
  let offset = input.offset;
  if (ins.op.name === 'slice') {
    const axes = ins.op.ints('axes').map((a) => normalizeAxis(a, physical.ndim));
    offset += sliceOffset(axes, ins.op.ints('starts'), physical);
  }
  return { buffer: input.buffer, offset, shape };
}
