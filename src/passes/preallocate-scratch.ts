// preallocate-scratch: the program allocates its scratch buffer itself (MIGraphX preallocate_param;
// migraphx.md §7), so the caller passes only the model's inputs.
//   scratch = @param:scratch -> int8_type, {N}   ->   webgpu::allocate_memory[shape=int8_type, {N}, {1},id=main:scratch]
// Runs after memory-coloring, which makes the `scratch` parameter; without one it changes nothing.

import { makeOp } from '../ir/op.js';
import type { Program } from '../ir/program.js';
import type { Pass } from './pass.js';

export const preallocateScratch: Pass = {
  name: 'preallocate-scratch',
  apply(program: Program) {
    const m = program.mainModule();
    const scratch = m.getParameter('scratch');
    if (!scratch) return;
    const buffer = m.insertInstruction(scratch, makeOp('webgpu::allocate_memory', { shape: scratch.shape, id: `${m.name}:scratch` }));
    m.replaceAllUses(scratch, buffer);
    m.removeInstruction(scratch);
  },
};
