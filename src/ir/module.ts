// Module: an ordered list of instructions (an intrusive doubly linked list, so insert/remove/move are O(1)
// at 50,000 instructions) with MIGraphX's editing API. Parameters and literals are inserted at the front,
// as MIGraphX does, so the last one added prints first; `addReturn` appends.

import { Instruction } from './instruction.js';
import { makeOp, type Op } from './op.js';
import type { Shape } from './shape.js';
import type { Tensor } from './tensor.js';
import './builtins.js';

export class IrError extends Error {
  override name = 'IrError';
}

export class Module {
  name: string;
  /** Fused submodules (pointwise, group) are "bypass" modules in MIGraphX: not compiled on their own. */
  bypass = false;
  private head: Instruction | undefined;
  private tail: Instruction | undefined;
  private count = 0;

  constructor(name: string) {
    this.name = name;
  }

  get size(): number {
    return this.count;
  }

  get first(): Instruction | undefined {
    return this.head;
  }

  get last(): Instruction | undefined {
    return this.tail;
  }

  *[Symbol.iterator](): IterableIterator<Instruction> {
    for (let i = this.head; i !== undefined; ) {
      const next = i.next; // tolerate removal of the current instruction while iterating
      yield i;
      i = next;
    }
  }

  instructions(): Instruction[] {
    return [...this];
  }

  has(ins: Instruction): boolean {
    return ins.owner === this;
  }

  // ---- building ----

  addParameter(name: string, shape: Shape): Instruction {
    return this.insertParameter(this.head, name, shape);
  }

  insertParameter(before: Instruction | undefined, name: string, shape: Shape): Instruction {
    if (this.getParameter(name)) throw new IrError(`module ${this.name} already has a parameter '${name}'`);
    const ins = new Instruction(makeOp('@param', { parameter: name }), [], shape);
    this.link(ins, before);
    return ins;
  }

  addLiteral(value: Tensor): Instruction {
    return this.insertLiteral(this.head, value);
  }

  insertLiteral(before: Instruction | undefined, value: Tensor): Instruction {
    const ins = new Instruction(makeOp('@literal'), [], value.shape, [], value);
    this.link(ins, before);
    return ins;
  }

  /** Appends `op(inputs)` at the end of the module, before a trailing `@return` (MIGraphX `insert_end`). */
  addInstruction(op: Op, inputs: readonly Instruction[] = [], modules: readonly Module[] = []): Instruction {
    return this.insertInstruction(this.returnInstruction(), op, inputs, modules);
  }

  /** Inserts `op(inputs)` before `before` (at the end when `before` is undefined). */
  insertInstruction(before: Instruction | undefined, op: Op, inputs: readonly Instruction[] = [], modules: readonly Module[] = []): Instruction {
    for (const i of inputs) this.checkOwned(i, op.name);
    const ins = new Instruction(op, [...inputs], undefined as unknown as Shape, [...modules]);
    ins.shape = ins.computeShape();
    this.link(ins, before);
    for (const i of inputs) i.outputs.push(ins);
    return ins;
  }

  addReturn(inputs: readonly Instruction[]): Instruction {
    if (this.returnInstruction()) throw new IrError(`module ${this.name} already has a @return`);
    return this.insertInstruction(undefined, makeOp('@return'), inputs);
  }

  /** Replaces the arguments of the module's `@return` (adds one when there is none). */
  replaceReturn(inputs: readonly Instruction[]): Instruction {
    const ret = this.returnInstruction();
    if (!ret) return this.addReturn(inputs);
    this.replaceInstruction(ret, ret.op, inputs);
    return ret;
  }

  // ---- rewriting ----

  /** Rewrites `ins` in place with a new op and arguments; users see the new shape (recomputed downstream). */
  replaceInstruction(ins: Instruction, op: Op, inputs: readonly Instruction[], modules: readonly Module[] = ins.moduleInputs): Instruction {
    this.checkOwned(ins, op.name);
    for (const i of inputs) this.checkOwned(i, op.name);
    for (const i of ins.inputs) removeOne(i.outputs, ins);
    ins.op = op;
    ins.inputs = [...inputs];
    ins.moduleInputs = [...modules];
    for (const i of inputs) i.outputs.push(ins);
    this.recomputeFrom(ins);
    return ins;
  }

  /**
   * Redirects every user of `ins` except `rep` itself to `rep` (MIGraphX `replace_instruction(ins, rep)`),
   * so `rep = f(ins)` can take over `ins`'s users. `ins` stays, possibly unused (DCE removes it).
   */
  replaceAllUses(ins: Instruction, rep: Instruction): Instruction {
    if (ins === rep) return rep;
    this.checkOwned(ins, 'replace');
    this.checkOwned(rep, 'replace');
    const users = new Set(ins.outputs.filter((u) => u !== rep));
    for (const user of users) {
      // One `outputs` entry per use, as insertInstruction keeps them: mul(x, x) is two uses of x.
      let uses = 0;
      user.inputs = user.inputs.map((i) => (i === ins ? (uses++, rep) : i));
      for (let k = 0; k < uses; k++) {
        removeOne(ins.outputs, user);
        rep.outputs.push(user);
      }
    }
    for (const user of users) this.recomputeFrom(user);
    return rep;
  }

  /** Removes an instruction nobody uses. */
  removeInstruction(ins: Instruction): void {
    this.checkOwned(ins, 'remove');
    if (ins.outputs.length > 0) {
      throw new IrError(`cannot remove ${describe(ins)}: still used by ${ins.outputs.length} instruction(s)`);
    }
    for (const i of ins.inputs) removeOne(i.outputs, ins);
    this.unlink(ins);
  }

  /** Moves `ins` so it sits just before `before` (at the end when undefined). */
  moveInstruction(ins: Instruction, before: Instruction | undefined): void {
    this.checkOwned(ins, 'move');
    if (ins === before) return;
    this.unlink(ins);
    this.link(ins, before);
  }

  /** Gives `to` the ONNX origin and recorded facts of `from` (for passes that replace instructions). */
  copyProvenance(from: Instruction, to: Instruction): Instruction {
    to.origin ??= from.origin;
    to.meta = { ...from.meta, ...to.meta };
    return to;
  }

  // ---- queries ----

  getParameter(name: string): Instruction | undefined {
    for (const i of this) if (i.isParam() && i.paramName() === name) return i;
    return undefined;
  }

  parameters(): Instruction[] {
    return this.instructions().filter((i) => i.isParam());
  }

  parameterNames(): string[] {
    return this.parameters().map((p) => p.paramName());
  }

  returnInstruction(): Instruction | undefined {
    return this.tail?.isReturn() ? this.tail : undefined;
  }

  /** The module's outputs: the `@return` arguments, or the last instruction. */
  outputInstructions(): Instruction[] {
    const ret = this.returnInstruction();
    if (ret) return [...ret.inputs];
    return this.tail ? [this.tail] : [];
  }

  /** Position of every instruction (for ordering checks; O(n)). */
  indexMap(): Map<Instruction, number> {
    const m = new Map<Instruction, number>();
    let k = 0;
    for (const i of this) m.set(i, k++);
    return m;
  }

  /**
   * Deterministic topological order: for each sink (no users) in current order, visit its inputs
   * depth-first in argument order and place each instruction after everything it reads.
   */
  sort(): this {
    const visited = new Set<Instruction>();
    const order: Instruction[] = [];
    const visit = (root: Instruction) => {
      const stack: [Instruction, number][] = [[root, 0]];
      while (stack.length > 0) {
        const top = stack[stack.length - 1]!;
        const [ins, k] = top;
        if (k === 0 && visited.has(ins)) {
          stack.pop();
          continue;
        }
        visited.add(ins);
        if (k < ins.inputs.length) {
          top[1] = k + 1;
          const child = ins.inputs[k]!;
          if (!visited.has(child)) stack.push([child, 0]);
        } else {
          stack.pop();
          order.push(ins);
        }
      }
    };
    for (const ins of this.instructions()) if (ins.outputs.length === 0) visit(ins);
    // Anything left (a cycle) keeps its relative order at the end; validate() reports it.
    for (const ins of this) if (!visited.has(ins)) order.push(ins);
    this.head = this.tail = undefined;
    this.count = 0;
    for (const ins of order) {
      ins.prev = ins.next = undefined;
      ins.owner = undefined;
      this.link(ins, undefined);
    }
    return this;
  }

  /**
   * Checks the invariants every pass must keep: inputs live in this module and come first, use lists
   * agree, `@return` is last, and every shape is what its op computes. Throws IrError naming the problem.
   */
  validate(): void {
    const index = this.indexMap();
    for (const [ins, k] of index) {
      for (const i of ins.inputs) {
        const ik = index.get(i);
        if (ik === undefined) throw new IrError(`${describe(ins)} reads an instruction outside module ${this.name}`);
        if (ik >= k) throw new IrError(`${describe(ins)} reads ${describe(i)}, which comes after it`);
        if (!i.outputs.includes(ins)) throw new IrError(`${describe(i)} does not list its user ${describe(ins)}`);
      }
      for (const o of ins.outputs) {
        if (!o.inputs.includes(ins)) throw new IrError(`${describe(ins)} lists ${describe(o)} as a user, which does not read it`);
      }
      if (ins.isReturn() && ins !== this.tail) throw new IrError(`@return is not the last instruction of ${this.name}`);
      const s = ins.computeShape();
      if (!s.equals(ins.shape)) throw new IrError(`${describe(ins)} has shape ${ins.shape} but its op computes ${s}`);
    }
  }

  // ---- internals ----

  private checkOwned(ins: Instruction, what: string): void {
    if (ins.owner !== this) {
      throw new IrError(`${what}: ${describe(ins)} is not in module ${this.name}`);
    }
  }

  /** Recomputes shapes from `start` through its users (breadth first) after an in-place change. */
  private recomputeFrom(start: Instruction): void {
    const queue = [start];
    const seen = new Set<Instruction>();
    while (queue.length > 0) {
      const ins = queue.shift()!;
      if (seen.has(ins)) continue;
      seen.add(ins);
      const s = ins.computeShape();
      if (ins === start || !s.equals(ins.shape)) {
        const changed = !s.equals(ins.shape);
        ins.shape = s;
        if (changed || ins === start) queue.push(...ins.outputs);
      }
    }
  }

  private link(ins: Instruction, before: Instruction | undefined): void {
    if (before !== undefined && before.owner !== this) throw new IrError(`insert position is not in module ${this.name}`);
    ins.owner = this;
    if (before === undefined) {
      ins.prev = this.tail;
      ins.next = undefined;
      if (this.tail) this.tail.next = ins;
      else this.head = ins;
      this.tail = ins;
    } else {
      ins.next = before;
      ins.prev = before.prev;
      if (before.prev) before.prev.next = ins;
      else this.head = ins;
      before.prev = ins;
    }
    this.count++;
  }

  private unlink(ins: Instruction): void {
    if (ins.prev) ins.prev.next = ins.next;
    else this.head = ins.next;
    if (ins.next) ins.next.prev = ins.prev;
    else this.tail = ins.prev;
    ins.prev = ins.next = undefined;
    ins.owner = undefined;
    this.count--;
  }
}

function removeOne<T>(list: T[], x: T): void {
  const k = list.indexOf(x);
  if (k >= 0) list.splice(k, 1);
}

/** A short description of an instruction for error messages: op text plus ONNX node when known. */
export function describe(ins: Instruction): string {
  const where = ins.origin ? ` (ONNX node '${ins.origin.node}', ${ins.origin.opType})` : '';
  if (ins.isParam()) return `parameter '${ins.paramName()}'`;
  return `${ins.op.name}${where}`;
}
