// Reference compute of `gpu::code_object` (src/ops/kernel.ts): run the computation the kernel was made
// from (its submodule), then write the result into the output buffer, its last argument, and return
// that buffer. The buffer is a view of the scratch bytes (`load`), so a lowered program evaluates with
// the memory plan it will run with: two values placed in overlapping bytes while both are live would
// show up here as a wrong result.

import { Tensor } from '../../ir/tensor.js';
import { evaluateSubmodule } from '../interpret.js';
import { defineCompute } from '../registry.js';
import { gatherLogical, scatterLogical } from '../strided.js';
import { allocStorage } from '../../ir/tensor.js';
import { CODE_OBJECT } from '../../ops/kernel.js';

defineCompute(CODE_OBJECT, (_op, args, out, modules) => {
  const buffer = args[args.length - 1]!;
  const results = evaluateSubmodule(modules[0]!, args.slice(0, -1));
  const r = results[0]!;
  // Logical order out of the result's view, into the buffer's view.
  const logical = allocStorage(r.type, r.shape.elements());
  gatherLogical(r.data, r.offset, r.shape.lens, r.shape.strides, logical);
  scatterLogical(logical, buffer.data, buffer.offset, buffer.shape.lens, buffer.shape.strides);
  return buffer.shape.equals(out) ? buffer : new Tensor(out, buffer.data, buffer.offset);
});
