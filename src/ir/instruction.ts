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

/** Written by find-attention on every instruction of a matched attention region. */
export interface AttentionMark {
  /** Region id: 0, 1, … in module order of the regions' first dot. */
  readonly region: number;
  /** What matched, e.g. `dot → mul(scale) → add(mask) → softmax → dot`. */
  readonly pattern: string;
  /** The instruction's part in the block. */
  readonly role: 'gemm1' | 'gemm2' | 'softmax' | 'scores' | 'probs';
}

/** Written by quantize-fp8 on each instruction whose inputs it wrapped in Q/DQ, and on the Q/DQ themselves. */
export interface QuantizationMark {
  /** Per-tensor scale used (amax / format max, clamped as MIGraphX does). */
  readonly scale: number;
  /** The calibrated |max| the scale came from (undefined when never calibrated: default scale). */
  readonly amax: number | undefined;
  /** Capture index (MIGraphX `ins_index`) this pair came from. */
  readonly captureIndex: number;
}

/**
 * Facts passes record about an instruction (the IR is the only channel between passes). A pass that
 * replaces an instruction by a new one copies `origin` and `meta` to it (`Module.copyProvenance`).
 */
export interface InstructionMeta {
  attention?: AttentionMark;
  /** Set on the quantize/dequantize instructions quantize-fp8 inserts, and on the ops they feed. */
  quantization?: QuantizationMark;
  /** Why quantize-fp8 left this instruction's inputs unquantized (e.g. `attention region 0`). */
  quantizationSkipped?: string;
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
  meta: InstructionMeta = {};
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
