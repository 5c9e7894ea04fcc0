// Reference computes of fused ops (src/ops/fused.ts): they run their submodules, so a fused program
// evaluates to exactly what the unfused one did. A `pointwise` submodule is written on scalars; it is
// run once on whole tensors (its ops are elementwise, so that is the same computation): parameters are
// bound to the inputs, scalar literals become zero-stride views of the output's lens.

import type { Instruction } from '../../ir/instruction.js';
import { Shape } from '../../ir/shape.js';
import { Tensor } from '../../ir/tensor.js';
import { evaluateSubmodule, submoduleParameters } from '../interpret.js';
import { computeOp, defineCompute } from '../registry.js';
import { relayout } from '../strided.js';

defineCompute('pointwise', (_op, args, out, modules) => {
  const sub = modules[0]!;
  const lens = out.type === 'tuple_type' ? out.subShapes[0]!.lens : out.lens;
  const values = new Map<Instruction, Tensor>();
  submoduleParameters(sub).forEach((p, i) => values.set(p, args[i]!));
  let result: Tensor[] = [];
  for (const ins of sub) {
    if (ins.isParam()) continue;
    if (ins.isLiteral()) {
      const lit = ins.literal!;
      values.set(ins, lit.view(new Shape(lit.type, lens, lens.map(() => 0)), lit.offset));
      continue;
    }
    const inputs = ins.inputs.map((i) => values.get(i)!);
    if (ins.isReturn()) {
      result = inputs;
      break;
    }
    const shape = ins.op.def.computeShape(ins.op, inputs.map((t) => t.shape), ins.moduleInputs);
    values.set(ins, computeOp(ins.op, inputs, shape, ins.moduleInputs));
  }
  if (result.length !== 1) throw new Error(`pointwise: multi-output submodules are not supported (${sub.name})`);
  return relayout(result[0]!, out);
});

for (const name of ['fused_reduce', 'group']) {
  defineCompute(name, (_op, args, out, modules) => {
    const outs = evaluateSubmodule(modules[0]!, args);
    if (outs.length !== 1) throw new Error(`${name}: multi-output submodules are not supported (${modules[0]!.name})`);
    return relayout(outs[0]!, out);
  });
}
