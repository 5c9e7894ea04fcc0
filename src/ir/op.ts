// Operations: a name plus attributes, described once in a registry (`defineOp`). Each definition lists its
// attributes in MIGraphX's reflection order (that order is the printed order), computes output shapes and
// rejects bad inputs with a message. Op families live in src/ops/; this file is only the mechanism.

import { formatG, formatList } from './format.js';
import { Shape } from './shape.js';
import { type ElementType, isElementType, typeId } from './types.js';
import type { Module } from './module.js';

export type AttrKind =
  | 'int'
  | 'float'
  | 'bool'
  | 'string'
  | 'ints'
  | 'floats'
  | 'strings'
  | 'type'
  | 'optionalType'
  | 'shape'
  | 'optionalInt';

export type AttrValue = number | boolean | string | readonly number[] | readonly string[] | Shape | null;

export interface AttrSpec {
  readonly name: string;
  readonly kind: AttrKind;
  /** Used when the attribute is not given; `undefined` makes it required. */
  readonly default?: AttrValue;
}

export interface OpTraits {
  /** Elementwise: output[i] depends only on inputs[i] (after broadcasting). Fusable into pointwise kernels. */
  readonly pointwise?: boolean;
  /** A reduction over `axes`. */
  readonly reduce?: boolean;
  /** Output aliases input `k` (a view: transpose, broadcast, slice, …); memory planning follows it. */
  readonly aliasesInput?: number;
  /** Has effects beyond its output (never removed by dead-code elimination). */
  readonly sideEffects?: boolean;
  /** A builtin (`@param`, `@literal`, `@return`): named with `@` and skipped in kernel names. */
  readonly builtin?: boolean;
  /**
   * Compiled code (`gpu::code_object`): its submodule is the computation it runs, kept for the
   * interpreter and the runtime, but the instruction's line does not name it (MIGraphX prints none).
   */
  readonly hidesModules?: boolean;
}

export interface OpDef extends OpTraits {
  readonly name: string;
  readonly attrs: readonly AttrSpec[];
  /** Output shape from the inputs' shapes; throws `ShapeError` with a reason on bad input. */
  computeShape(op: Op, inputs: readonly Shape[], modules: readonly Module[]): Shape;
  /** For ops whose aliasing depends on attributes (a kernel writes into its output-buffer argument). */
  outputAlias?(op: Op, inputCount: number): number | undefined;
  /** Replaces the default `name[k=v,…]` text (load, gpu::code_object, @param, …). */
  print?(op: Op): string;
}

/** Bad input to an op: the message says which input and why, the caller adds the instruction. */
export class ShapeError extends Error {
  override name = 'ShapeError';
}

const registry = new Map<string, OpDef>();

export function defineOp(def: OpDef): OpDef {
  if (registry.has(def.name)) throw new Error(`op ${def.name} defined twice`);
  registry.set(def.name, def);
  return def;
}

export function getOpDef(name: string): OpDef {
  const d = registry.get(name);
  if (!d) throw new Error(`unknown op '${name}'`);
  return d;
}

export function hasOpDef(name: string): boolean {
  return registry.has(name);
}

export function allOpNames(): string[] {
  return [...registry.keys()].sort();
}

/** The input whose buffer an op's output is, if any (views, loads, kernels writing into an argument). */
export function outputAliasIndex(op: Op, inputCount: number): number | undefined {
  if (op.def.outputAlias) return op.def.outputAlias(op, inputCount);
  const k = op.def.aliasesInput;
  return k !== undefined && k < inputCount ? k : undefined;
}

export class Op {
  readonly def: OpDef;
  readonly attrs: Readonly<Record<string, AttrValue>>;

  constructor(def: OpDef, attrs: Readonly<Record<string, AttrValue>>) {
    this.def = def;
    this.attrs = attrs;
  }

  get name(): string {
    return this.def.name;
  }

  int(key: string): number {
    const v = this.attrs[key];
    if (typeof v !== 'number') throw new Error(`${this.name}: attribute ${key} is not a number`);
    return v;
  }

  float(key: string): number {
    return this.int(key);
  }

  bool(key: string): boolean {
    const v = this.attrs[key];
    if (typeof v !== 'boolean') throw new Error(`${this.name}: attribute ${key} is not a bool`);
    return v;
  }

  str(key: string): string {
    const v = this.attrs[key];
    if (typeof v !== 'string') throw new Error(`${this.name}: attribute ${key} is not a string`);
    return v;
  }

  ints(key: string): readonly number[] {
    const v = this.attrs[key];
    if (!Array.isArray(v)) throw new Error(`${this.name}: attribute ${key} is not a list`);
    return v as readonly number[];
  }

  type(key: string): ElementType {
    const v = this.attrs[key];
    if (typeof v !== 'string' || !isElementType(v)) throw new Error(`${this.name}: attribute ${key} is not a type`);
    return v;
  }

  optionalType(key: string): ElementType | null {
    const v = this.attrs[key];
    return v === null || v === undefined ? null : this.type(key);
  }

  shapeAttr(key: string): Shape {
    const v = this.attrs[key];
    if (!(v instanceof Shape)) throw new Error(`${this.name}: attribute ${key} is not a shape`);
    return v;
  }

  has(key: string): boolean {
    return this.attrs[key] !== undefined && this.attrs[key] !== null;
  }

  /** A copy with some attributes replaced. */
  with(attrs: Readonly<Record<string, AttrValue>>): Op {
    return makeOp(this.name, { ...this.attrs, ...attrs });
  }

  /** MIGraphX text: `transpose[permutation={0, 2, 1, 3}]`, or just the name when it has no attributes. */
  toString(): string {
    if (this.def.print) return this.def.print(this);
    if (this.def.attrs.length === 0) return this.name;
    const parts = this.def.attrs.map((a) => `${a.name}=${formatAttr(a.kind, this.attrs[a.name] ?? null)}`);
    return `${this.name}[${parts.join(',')}]`;
  }

  equals(other: Op): boolean {
    return this.toString() === other.toString();
  }
}

/** Builds an op, checking attribute names and kinds and filling defaults. */
export function makeOp(name: string, attrs: Readonly<Record<string, AttrValue | undefined>> = {}): Op {
  const def = getOpDef(name);
  const out: Record<string, AttrValue> = {};
  const known = new Set(def.attrs.map((a) => a.name));
  for (const k of Object.keys(attrs)) {
    if (!known.has(k)) throw new Error(`op ${name} has no attribute '${k}' (it has: ${[...known].join(', ') || 'none'})`);
  }
  for (const spec of def.attrs) {
    const given = attrs[spec.name];
    const v = given === undefined ? spec.default : given;
    if (v === undefined) throw new Error(`op ${name} needs attribute '${spec.name}'`);
    checkKind(name, spec, v);
    out[spec.name] = Array.isArray(v) ? Object.freeze([...v]) : v;
  }
  return new Op(def, Object.freeze(out));
}

function checkKind(op: string, spec: AttrSpec, v: AttrValue): void {
  const bad = () => new Error(`op ${op}: attribute '${spec.name}' must be ${spec.kind}, got ${JSON.stringify(v)}`);
  switch (spec.kind) {
    case 'int':
      if (typeof v !== 'number' || !Number.isInteger(v)) throw bad();
      return;
    case 'optionalInt':
      if (v !== null && (typeof v !== 'number' || !Number.isInteger(v))) throw bad();
      return;
    case 'float':
      if (typeof v !== 'number') throw bad();
      return;
    case 'bool':
      if (typeof v !== 'boolean') throw bad();
      return;
    case 'string':
      if (typeof v !== 'string') throw bad();
      return;
    case 'ints':
    case 'floats':
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) throw bad();
      return;
    case 'strings':
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw bad();
      return;
    case 'type':
      if (typeof v !== 'string' || !isElementType(v)) throw bad();
      return;
    case 'optionalType':
      if (v !== null && (typeof v !== 'string' || !isElementType(v))) throw bad();
      return;
    case 'shape':
      if (!(v instanceof Shape)) throw bad();
      return;
    default:
      spec.kind satisfies never;
  }
}

/** Formats one attribute value the way MIGraphX's value printer does. */
export function formatAttr(kind: AttrKind, v: AttrValue): string {
  if (v === null) return 'nullopt';
  switch (kind) {
    case 'int':
    case 'optionalInt':
      return String(v);
    case 'float':
      return formatG(v as number);
    case 'bool':
      return v ? '1' : '0';
    case 'string':
      return v as string;
    case 'ints':
      return formatList(v as readonly number[]);
    case 'floats':
      return formatList(v as readonly number[], formatG);
    case 'strings':
      return formatList(v as readonly string[]);
    case 'type':
    case 'optionalType':
      return String(typeId(v as ElementType));
    case 'shape':
      return (v as Shape).toString();
    default:
      return kind satisfies never;
  }
}
