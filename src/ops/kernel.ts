// The kernel instruction of lowered programs: `gpu::code_object`, named and printed as MIGraphX's
// compiled kernels are (migraphx.md §1.3), so a lowered program reads side by side with
// `migraphx-driver compile` output:
//   @6 = gpu::code_object[code_object=11328,symbol_name=wgsl_…,global=65536,local=256,output_arg=3,](q,k,v,@2)
// Its last argument is the output buffer (an `allocate`, later a `load` of scratch, or an output
// parameter) and its result aliases it. Its one submodule is the computation it runs (what the
// reference interpreter evaluates and the WebGPU runtime lowers); like MIGraphX's compiled kernels
// it is not shown on the instruction's line. `kernel` (the WGSL kernel variants) and `workspace`
// (bytes of kernel-internal temporaries) are recorded but not printed (docs/ir.md, docs/fusion.md).

import { defineOp, ShapeError } from '../ir/op.js';
import { sameNumbers } from '../ir/shape.js';

export const CODE_OBJECT = 'gpu::code_object';

defineOp({
  name: CODE_OBJECT,
  hidesModules: true,
  attrs: [
    { name: 'code_object', kind: 'int', default: 0 },
    { name: 'symbol_name', kind: 'string' },
    { name: 'global', kind: 'int', default: 0 },
    { name: 'local', kind: 'int', default: 0 },
    { name: 'output_arg', kind: 'int', default: -1 },
    { name: 'kernel', kind: 'string', default: '' },
    { name: 'workspace', kind: 'int', default: 0 },
  ],
  outputAlias: (_op, inputCount) => (inputCount > 0 ? inputCount - 1 : undefined),
  computeShape(_op, inputs, modules) {
    if (inputs.length === 0) throw new ShapeError('expects its output buffer as the last argument');
    if (modules.length !== 1) throw new ShapeError(`expects one submodule (the computation), got ${modules.length}`);
    const out = inputs[inputs.length - 1]!;
    const results = modules[0]!.outputInstructions();
    if (results.length !== 1) throw new ShapeError(`submodule ${modules[0]!.name} must return one value, returns ${results.length}`);
    const r = results[0]!.shape;
    if (r.type !== out.type || !sameNumbers(r.lens, out.lens)) {
      throw new ShapeError(`submodule ${modules[0]!.name} computes ${r} but the output buffer is ${out}`);
    }
    return out;
  },
  // MIGraphX's code_object_op printer: a trailing comma, output_arg only when it is not -1.
  print(op) {
    const outputArg = op.int('output_arg');
    const head = `code_object=${op.int('code_object')},symbol_name=${op.str('symbol_name')},global=${op.int('global')},local=${op.int('local')},`;
    return `${CODE_OBJECT}[${head}${outputArg === -1 ? '' : `output_arg=${outputArg},`}]`;
  },
});
