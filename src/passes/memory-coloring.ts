// memory-coloring: every temporary buffer becomes a view of one scratch allocation, with buffers that
// are never live at the same time sharing bytes (MIGraphX memory_coloring; migraphx.md §7).
//   a = allocate[shape=s]   ->   a = load[offset=o,end=o+bytes(s)](scratch)
// Runs on lowered programs (after lowering has turned results into `allocate` + ops writing into them).
// Alignment: the largest over all allocations of type size × 4 (elements % 4 == 0) or × 2 (% 4 == 2)
// when there are more than 4 elements, and at least the target's binding alignment (the pass in the
// pipeline uses 256, WebGPU's largest minStorageBufferOffsetAlignment, so every `load` can be bound as
// a buffer range on any device). The scratch is a parameter `scratch` (int8) until
// preallocate-scratch turns it into `webgpu::allocate_memory`; an unused scratch is removed.

import type { Instruction } from '../ir/instruction.js';
import type { Module } from '../ir/module.js';
import { makeOp } from '../ir/op.js';
import type { Program } from '../ir/program.js';
import { Shape } from '../ir/shape.js';
import { typeSize } from '../ir/types.js';
import { liveness } from '../memory/liveness.js';
import { placeSegments } from '../memory/segments.js';
import type { Pass } from './pass.js';

const ALLOCATION = 'allocate';

function maxTypeSize(s: Shape): number {
  return s.subShapes.reduce((m, sub) => Math.max(m, maxTypeSize(sub)), typeSize(s.type));
}

/** Bytes a vectorized kernel may touch at once for this allocation (see the file header). */
export function allocationAlignment(s: Shape): number {
  let a = maxTypeSize(s);
  const n = Math.floor(s.bytes() / a);
  if (n > 4) {
    if (n % 4 === 0) a *= 4;
    else if (n % 4 === 2) a *= 2;
  }
  return a;
}

/** Colors `m`'s allocations with offsets that are multiples of `minAlignment` too; returns the scratch size in bytes. */
export function colorMemory(m: Module, minAlignment = 1): number {
  const allocations = m.instructions().filter((i) => i.op.name === ALLOCATION);
  if (allocations.length === 0) return m.getParameter('scratch')?.shape.bytes() ?? 0; // already colored
  const alignment = Math.max(minAlignment, ...allocations.map((a) => allocationAlignment(a.shape)));
  const conflicts = new Map<Instruction, Set<Instruction>>();
  const isAllocation = (i: Instruction) => i.op.name === ALLOCATION && i.shape.bytes() > 0;
  liveness(m, (ins, live) => {
    if (!isAllocation(ins)) return;
    if (!conflicts.has(ins)) conflicts.set(ins, new Set());
    for (const other of live) {
      if (other === ins || !isAllocation(other)) continue;
      if (!conflicts.has(other)) conflicts.set(other, new Set());
      conflicts.get(other)!.add(ins);
      conflicts.get(ins)!.add(other);
    }
  });
  const order = m.indexMap();
  const segments = placeSegments(conflicts, (i) => i.shape.bytes(), order, alignment);
  const total = Math.max(0, ...[...segments.values()].map((s) => s[1])) * alignment;
  const scratch = m.addParameter('scratch', new Shape('int8_type', [total]));
  for (const ins of allocations) {
    const seg = segments.get(ins);
    m.replaceInstruction(ins, makeOp('load', { shape: ins.shape, offset: seg ? seg[0] * alignment : 0 }), [scratch]);
  }
  if (scratch.outputs.length === 0) m.removeInstruction(scratch);
  return total;
}

/** Offsets the WebGPU runtime can bind on every device (the largest minStorageBufferOffsetAlignment allowed). */
export const BINDING_ALIGNMENT = 256;

export const memoryColoring: Pass = {
  name: 'memory-coloring',
  apply(program: Program) {
    colorMemory(program.mainModule(), BINDING_ALIGNMENT);
  },
};
