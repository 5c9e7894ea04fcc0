// Outlining: move a set of instructions of a module into a new submodule and replace them with one
// instruction that runs it (`pointwise`, `fused_reduce`, `group`). External inputs become parameters
// x0, x1, … in first-use order; constants the region reads are copied inside instead (a fused kernel
// carries its scale and mask constants with it, as MIGraphX's fusions do).

import type { Instruction } from '../ir/instruction.js';
import type { Module } from '../ir/module.js';
import { type Op } from '../ir/op.js';
import type { Program } from '../ir/program.js';
import { Shape } from '../ir/shape.js';
import { dependsOnlyOnLiterals } from '../match/matcher.js';

export interface OutlineOptions {
  /** `pointwise` submodules are written on scalars: parameters and inlined constants are `{1},{0}`. */
  readonly scalar: boolean;
  /** Which constant inputs to copy inside (default: any that depends only on literals). */
  readonly inlineConstant?: (ins: Instruction) => boolean;
  /**
   * The member whose ONNX node the fused instruction names (default: `output`, which gives it its
   * recorded facts too). A fused reduction names its reduction's node, a GEMM its dot, an attention
   * block its P·V dot: not the next MatMul, whose input quantize happens to be the region's output.
   */
  readonly originFrom?: Instruction;
}

export interface Outlined {
  readonly sub: Module;
  /** The replacement instruction in the parent module. */
  readonly fused: Instruction;
}

/** Single-element constants (a literal behind any number of views) are what a scalar submodule inlines. */
export function scalarConstant(ins: Instruction): Instruction | undefined {
  let cur = ins;
  while (cur.op.def.aliasesInput === 0 && cur.inputs.length === 1) cur = cur.inputs[0]!;
  return cur.isLiteral() && cur.literal && cur.literal.shape.elements() === 1 ? cur : undefined;
}

/**
 * Outlines `members` (any order; must be convex) whose only value used outside is `output` into submodule
 * `name`, running it with `op`. The fused instruction takes `output`'s place and its users.
 */
export function outline(program: Program, m: Module, members: ReadonlySet<Instruction>, output: Instruction, name: string, op: Op, opts: OutlineOptions): Outlined {
  const index = m.indexMap();
  const ordered = [...members].sort((a, b) => index.get(a)! - index.get(b)!);
  const sub = program.createModule(name);
  sub.bypass = true;
  const mapped = new Map<Instruction, Instruction>();
  const inputs: Instruction[] = [];
  let firstBody: Instruction | undefined;
  const inline = opts.inlineConstant ?? ((i: Instruction) => dependsOnlyOnLiterals(i));

  const copyConstant = (c: Instruction): Instruction => {
    const done = mapped.get(c);
    if (done) return done;
    let copy: Instruction;
    if (opts.scalar) {
      const lit = scalarConstant(c)!;
      copy = sub.insertLiteral(firstBody, lit.literal!.view(new Shape(lit.literal!.type, [1], [0]), lit.literal!.offset));
    } else if (c.isLiteral()) {
      copy = sub.insertLiteral(firstBody, c.literal!);
    } else {
      copy = sub.insertInstruction(firstBody, c.op, c.inputs.map(copyConstant), c.moduleInputs);
    }
    mapped.set(c, copy);
    return copy;
  };

  const mapInput = (i: Instruction): Instruction => {
    const done = mapped.get(i);
    if (done) return done;
    if ((opts.scalar ? scalarConstant(i) !== undefined : true) && inline(i)) return copyConstant(i);
    const shape = opts.scalar ? new Shape(i.shape.type, [1], [0]) : i.shape;
    // Parameters go after the ones already made, so they print x0, x1, … in order.
    const p = sub.insertParameter(firstParamSlot(sub), `x${inputs.length}`, shape);
    inputs.push(i);
    mapped.set(i, p);
    return p;
  };

  for (const ins of ordered) {
    const args = ins.inputs.map(mapInput);
    const copy = sub.addInstruction(ins.op, args, ins.moduleInputs);
    sub.copyProvenance(ins, copy);
    firstBody ??= copy;
    mapped.set(ins, copy);
  }
  sub.addReturn([mapped.get(output)!]);

  const fused = m.insertInstruction(output, op, inputs, [sub]);
  m.copyProvenance(output, fused);
  if (opts.originFrom?.origin) fused.origin = opts.originFrom.origin;
  m.replaceAllUses(output, fused);
  for (const ins of ordered.reverse()) {
    if (ins.outputs.length === 0) m.removeInstruction(ins);
  }
  return { sub, fused };
}

/** Where the next parameter goes: after the existing parameters and literals' block start. */
function firstParamSlot(sub: Module): Instruction | undefined {
  for (const i of sub) if (!i.isParam()) return i;
  return undefined;
}

/** True when some input of `ins` outside `members` depends on a member (the region would not be convex). */
export function readsBackIntoRegion(ins: Instruction, members: ReadonlySet<Instruction>, index: ReadonlyMap<Instruction, number>): boolean {
  const lowest = Math.min(...[...members].map((x) => index.get(x)!));
  const seen = new Set<Instruction>();
  const stack = ins.inputs.filter((i) => !members.has(i));
  while (stack.length > 0) {
    const i = stack.pop()!;
    if (seen.has(i) || index.get(i)! < lowest) continue;
    seen.add(i);
    for (const x of i.inputs) {
      if (members.has(x)) return true;
      stack.push(x);
    }
  }
  return false;
}
