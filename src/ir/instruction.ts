// Instruction: an op applied to input instructions, with its cached output shape, back-references to its
// users, submodules (pointwise/group/fused kernels), a literal value for `@literal`, and the ONNX node it
// came from. Passes record their decisions on `meta` so later passes, diagnostics and the UI read them.

import { Op, ShapeError } from './op.js';
import type { Shape } from './shape.js';
import type { Tensor } from './tensor.js';
import type { Module } from './module.js';

/** Where an instruction came from in the ONNX model. */
export interface OnnxOrigin {
  /** NodeProto.name, or a generated `<op_type>_<index>` when the node has none. */
  readonly node: string;
  readonly opType: string;
  /** The node output this instruction computes (or the first, for helper instructions). */
  readonly output: string;
  /** The node's position in the graph's node list. */
  readonly index: number;
  /** Set on instructions of a local function's body: the calling node's name. */
  readonly caller?: string;
}

/**
 * Facts passes record about an instruction (the IR is the only channel between passes). Each later issue
 * adds its fields here, documented where they are written.
 */
export interface InstructionMeta {
  [key: string]: unknown;
}

export class Instruction {
  op: Op;
  inputs: Instruction[];
  /** Users, in the order they were attached; kept consistent by Module. */
  readonly outputs: Instruction[] = [];
  shape: Shape;
  moduleInputs: Module[];
  /** The value of a `@literal`. */
  literal: Tensor | undefined;
  origin: OnnxOrigin | undefined;
  readonly meta: InstructionMeta = {};
  /** The module that holds this instruction (set on insertion, cleared on removal). */
  owner: Module | undefined;
  /** Intrusive list links inside `owner`. */
  prev: Instruction | undefined;
  next: Instruction | undefined;

  constructor(op: Op, inputs: Instruction[], shape: Shape, moduleInputs: Module[] = [], literal?: Tensor) {
    this.op = op;
    this.inputs = inputs;
    this.shape = shape;
    this.moduleInputs = moduleInputs;
    this.literal = literal;
    this.origin = undefined;
    this.owner = undefined;
    this.prev = undefined;
    this.next = undefined;
  }

  get name(): string {
    return this.op.name;
  }

  isParam(): boolean {
    return this.op.name === '@param';
  }

  isLiteral(): boolean {
    return this.op.name === '@literal';
  }

  isReturn(): boolean {
    return this.op.name === '@return';
  }

  /** `@param`'s name. */
  paramName(): string {
    return this.op.str('parameter');
  }

  /** Recomputes this instruction's shape from its inputs (throws a ShapeError naming the op). */
  computeShape(): Shape {
    if (this.isParam() || this.isLiteral()) return this.shape;
    try {
      return this.op.def.computeShape(
        this.op,
        this.inputs.map((i) => i.shape),
        this.moduleInputs,
      );
    } catch (e) {
      if (e instanceof ShapeError) throw new ShapeError(`${this.op}: ${e.message}`);
      throw e;
    }
  }

  /** True when `other` is (transitively) an input of this instruction. */
  dependsOn(other: Instruction): boolean {
    const seen = new Set<Instruction>();
    const stack: Instruction[] = [...this.inputs];
    while (stack.length > 0) {
      const i = stack.pop()!;
      if (i === other) return true;
      if (seen.has(i)) continue;
      seen.add(i);
      stack.push(...i.inputs);
    }
    return false;
  }
}
