// Fused ops: an instruction whose computation is a submodule. `pointwise` applies an elementwise
// submodule (scalar parameters x0, x1, …) at every element of its inputs; `fused_reduce` runs a
// submodule of reductions and pointwise ops over whole tensors; `group[tag]` wraps any region (tag
// `attention` for a fused attention block). Output shapes come from the submodule: standard, except
// where the submodule ends with a `layout` op (its memory order is the fused op's).

import { defineOp, ShapeError } from '../ir/op.js';
import { Shape, sameNumbers } from '../ir/shape.js';
import type { Instruction } from '../ir/instruction.js';
import type { Module } from '../ir/module.js';
import { standard } from './common.js';

function submodule(modules: readonly Module[]): Module {
  if (modules.length !== 1) throw new ShapeError(`expects one submodule, got ${modules.length}`);
  return modules[0]!;
}

function results(m: Module): Instruction[] {
  const outs = m.outputInstructions();
  if (outs.length === 0) throw new ShapeError(`submodule ${m.name} returns nothing`);
  return outs;
}

defineOp({
  name: 'pointwise',
  attrs: [],
  computeShape(_op, inputs, modules) {
    const m = submodule(modules);
    if (inputs.length === 0) throw new ShapeError('expects at least one input');
    const lens = inputs[0]!.lens;
    inputs.forEach((s, i) => {
      if (!sameNumbers(s.lens, lens)) throw new ShapeError(`input ${i} has lens {${s.lens.join(', ')}} but input 0 has {${lens.join(', ')}}`);
    });
    const outs = results(m).map((o) => standard(o.shape.type, lens));
    return outs.length === 1 ? outs[0]! : Shape.tuple(outs);
  },
});

for (const name of ['fused_reduce', 'group']) {
  defineOp({
    name,
    attrs: name === 'fused_reduce' ? [{ name: 'axes', kind: 'ints' }] : [{ name: 'tag', kind: 'string', default: '' }],
    computeShape(_op, _inputs, modules) {
      // Standard results, but for a `layout` the submodule ends with: the kernel writes in its order.
      const outs = results(submodule(modules)).map((o) => (o.op.name === 'layout' ? o.shape : o.shape.asStandard()));
      return outs.length === 1 ? outs[0]! : Shape.tuple(outs);
    },
  });
}
