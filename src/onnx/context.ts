// NodeContext: what a lowering in src/onnx/ops/ sees of one ONNX node — its inputs as IR instructions,
// typed attribute getters with defaults, compile-time constant inputs, and builders that stamp every new
// instruction with the node's origin. It knows nothing about graph order or functions (import.ts does).

import type { Instruction, OnnxOrigin } from '../ir/instruction.js';
import type { Module } from '../ir/module.js';
import { makeOp, type AttrValue } from '../ir/op.js';
import { Tensor } from '../ir/tensor.js';
import type { ElementType } from '../ir/types.js';
import { sameNumbers } from '../ir/shape.js';
import { broadcastLens } from '../ops/common.js';
import { ModelError, type ErrorLocation } from '../errors.js';
import type { DiagnosticSink } from '../diagnostics.js';
import type { OnnxAttribute, OnnxNode, OnnxTensor } from './model.js';
import { tryEvaluateConstant } from '../ref/evaluate.js';

/** What the importer shares with every node of one graph. */
export interface ImportScope {
  readonly module: Module;
  readonly diagnostics: DiagnosticSink;
  /** The instruction holding an ONNX value, or undefined when the name is unknown. */
  lookup(name: string): Instruction | undefined;
  /** Records that a value was read as a compile-time constant (the importer may drop it if unused). */
  consumed(ins: Instruction): void;
}

/** A value that decides a shape is not known at compile time; `inputName` is the ONNX value. */
export class NotConstantError extends ModelError {
  constructor(
    cause: string,
    location: ErrorLocation,
    readonly inputName: string,
  ) {
    super(cause, location);
  }
}

export class NodeContext {
  /** Every instruction this node created, in creation order. */
  readonly created: Instruction[] = [];

  constructor(
    private readonly scope: ImportScope,
    readonly node: OnnxNode,
    /** The opset version of the node's domain. */
    readonly opset: number,
    private readonly origin: OnnxOrigin,
  ) {}

  get module(): Module {
    return this.scope.module;
  }

  get name(): string {
    return this.node.name;
  }

  get opType(): string {
    return this.node.opType;
  }

  // ---- inputs and outputs ----

  /** The number of inputs up to the last one present (omitted trailing inputs do not count). */
  get inputCount(): number {
    let n = this.node.inputs.length;
    while (n > 0 && this.node.inputs[n - 1] === '') n--;
    return n;
  }

  hasInput(i: number): boolean {
    return (this.node.inputs[i] ?? '') !== '';
  }

  /** A required input. */
  input(i: number): Instruction {
    const ins = this.optionalInput(i);
    if (!ins) throw new ModelError(`input ${i} is required but missing`);
    return ins;
  }

  optionalInput(i: number): Instruction | undefined {
    const name = this.node.inputs[i] ?? '';
    if (name === '') return undefined;
    const ins = this.scope.lookup(name);
    if (!ins) throw new ModelError(`input '${name}' is not produced by any node, input or initializer`);
    return ins;
  }

  /** True when the model reads output `k` of this node. */
  hasOutput(k: number): boolean {
    return (this.node.outputs[k] ?? '') !== '';
  }

  get outputCount(): number {
    return this.node.outputs.length;
  }

  // ---- attributes ----

  attr(name: string): OnnxAttribute | undefined {
    return this.node.attributes.get(name);
  }

  hasAttr(name: string): boolean {
    return this.node.attributes.has(name);
  }

  int(name: string, fallback?: number): number {
    const a = this.attr(name);
    if (a === undefined) return required(name, fallback);
    if (a.type === 'int') return a.value;
    throw wrongKind(a, 'int');
  }

  float(name: string, fallback?: number): number {
    const a = this.attr(name);
    if (a === undefined) return required(name, fallback);
    if (a.type === 'float' || a.type === 'int') return a.value;
    throw wrongKind(a, 'float');
  }

  string(name: string, fallback?: string): string {
    const a = this.attr(name);
    if (a === undefined) return required(name, fallback);
    if (a.type === 'string') return a.value;
    throw wrongKind(a, 'string');
  }

  ints(name: string, fallback?: readonly number[]): number[] {
    const a = this.attr(name);
    if (a === undefined) return [...required(name, fallback)];
    if (a.type === 'ints') return [...a.value];
    throw wrongKind(a, 'ints');
  }

  floats(name: string, fallback?: readonly number[]): number[] {
    const a = this.attr(name);
    if (a === undefined) return [...required(name, fallback)];
    if (a.type === 'floats' || a.type === 'ints') return [...a.value];
    throw wrongKind(a, 'floats');
  }

  tensor(name: string): OnnxTensor | undefined {
    const a = this.attr(name);
    if (a === undefined) return undefined;
    if (a.type === 'tensor') return a.value;
    throw wrongKind(a, 'tensor');
  }

  // ---- compile-time constants ----

  /** The value of input `i`, which must be computable at compile time (it decides a shape). */
  constant(i: number, what: string): Tensor {
    const ins = this.input(i);
    const value = ins.isLiteral() ? ins.literal! : tryEvaluateConstant(ins);
    if (!value) {
      const name = this.node.inputs[i]!;
      throw new NotConstantError(`input ${i} ('${name}', ${what}) must be a constant (shapes are static)`, { node: this.node.name, opType: this.node.opType }, name);
    }
    this.scope.consumed(ins);
    return value;
  }

  constantInts(i: number, what: string): number[] {
    return this.constant(i, what).toNumbers();
  }

  optionalConstantInts(i: number, what: string): number[] | undefined {
    return this.hasInput(i) ? this.constantInts(i, what) : undefined;
  }

  // ---- building ----

  /** Appends `name[attrs](inputs)` to the module. */
  add(name: string, inputs: readonly Instruction[], attrs: Readonly<Record<string, AttrValue | undefined>> = {}): Instruction {
    const ins = this.module.addInstruction(makeOp(name, attrs), inputs);
    return this.stamp(ins);
  }

  literal(value: Tensor): Instruction {
    return this.stamp(this.module.addLiteral(value));
  }

  /** A broadcastable scalar literal ({1},{0}), as MIGraphX's parsers create for constants like alpha. */
  scalar(type: ElementType, value: number): Instruction {
    return this.literal(Tensor.scalar(type, value));
  }

  /** `value` of `type` spread over `lens`: a scalar literal broadcast (rank 0 gets a rank-0 literal). */
  fill(type: ElementType, value: number, lens: readonly number[]): Instruction {
    if (lens.length === 0) return this.literal(Tensor.fromNumbers(type, [], [value]));
    return this.broadcastTo(this.scalar(type, value), lens);
  }

  /** `multibroadcast[out_lens=lens]` when the lens differ (numpy rules; right-aligned). */
  broadcastTo(ins: Instruction, lens: readonly number[]): Instruction {
    if (sameNumbers(ins.shape.lens, lens)) return ins;
    return this.add('multibroadcast', [ins], { out_lens: [...lens] });
  }

  /** Broadcasts every input to their common lens (the first half of MIGraphX's `add_common_op`). */
  broadcastAll(inputs: readonly Instruction[]): Instruction[] {
    const lens = broadcastLens(inputs.map((i) => i.shape.lens));
    return inputs.map((i) => this.broadcastTo(i, lens));
  }

  /** An elementwise op over numpy-broadcast inputs. */
  elementwise(name: string, inputs: readonly Instruction[], attrs: Readonly<Record<string, AttrValue>> = {}): Instruction {
    return this.add(name, this.broadcastAll(inputs), attrs);
  }

  /** `convert[target_type]`, or the input itself when it already has that type. */
  convert(ins: Instruction, type: ElementType, saturate = true): Instruction {
    if (ins.shape.type === type) return ins;
    return this.add('convert', [ins], { target_type: type, saturate });
  }

  warn(code: string, message: string): void {
    this.scope.diagnostics.warning(code, message, { onnxNode: this.node.name });
  }

  private stamp(ins: Instruction): Instruction {
    ins.origin = this.origin;
    this.created.push(ins);
    return ins;
  }
}

function required<T>(name: string, fallback: T | undefined): T {
  if (fallback === undefined) throw new ModelError(`attribute ${name} is required`);
  return fallback;
}

function wrongKind(a: OnnxAttribute, want: string): ModelError {
  if (a.type === 'ref') return new ModelError(`attribute ${a.name} refers to function attribute '${a.value}', which the caller does not set`);
  return new ModelError(`attribute ${a.name} is ${a.type}, expected ${want}`);
}
