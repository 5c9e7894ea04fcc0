// Memory ops of lowered programs. `allocate` stands for a temporary buffer until memory-coloring turns
// every one into `load[offset,end](scratch)`, a view of one scratch allocation; the scratch itself is
// `webgpu::allocate_memory` (our name for MIGraphX's `hip::hip_allocate_memory`, docs/ir.md).

import { defineOp, formatAttr } from '../ir/op.js';
import { expectInputs } from './common.js';

defineOp({
  name: 'allocate',
  attrs: [
    { name: 'shape', kind: 'shape' },
    { name: 'buf_type', kind: 'optionalType', default: null },
  ],
  computeShape(op, inputs) {
    expectInputs(inputs, 0);
    return op.shapeAttr('shape');
  },
});

defineOp({
  name: 'load',
  aliasesInput: 0,
  attrs: [
    { name: 'shape', kind: 'shape' },
    { name: 'offset', kind: 'int', default: 0 },
  ],
  computeShape(op, inputs) {
    expectInputs(inputs, 1);
    return op.shapeAttr('shape');
  },
  // MIGraphX prints the byte range, not the shape (it is on the line after `->`).
  print: (op) => `load[offset=${op.int('offset')},end=${op.int('offset') + op.shapeAttr('shape').bytes()}]`,
});

defineOp({
  name: 'webgpu::allocate_memory',
  sideEffects: true,
  attrs: [
    { name: 'shape', kind: 'shape' },
    { name: 'id', kind: 'string' },
  ],
  computeShape(op, inputs) {
    expectInputs(inputs, 0);
    return op.shapeAttr('shape');
  },
  print: (op) => `webgpu::allocate_memory[shape=${formatAttr('shape', op.shapeAttr('shape'))},id=${op.str('id')}]`,
});

/** Prefix of the output parameters lowering gives a program's results (MIGraphX's `main:#output_0`). */
export const OUTPUT_PARAMETER_PREFIX = 'main:#output_';

/** True for `main:#output_<k>`: a buffer the caller (or the interpreter) provides for result k. */
export function isOutputParameter(name: string): boolean {
  return name.startsWith(OUTPUT_PARAMETER_PREFIX);
}
