// Shape: element type, lens and strides, with MIGraphX's predicates (standard, packed, transposed,
// broadcasted, scalar) and its printed form `half_type, {1, 16}, {16, 1}`.
// Static shapes only: symbolic dims are bound while importing (docs/ir.md). Rank 0 (lens {}) is an ONNX
// scalar with one element; `Shape.scalar` ({1}, {0}) is MIGraphX's broadcastable scalar.

import { type ElementType, typeSize } from './types.js';

export class Shape {
  readonly type: ElementType;
  readonly lens: readonly number[];
  readonly strides: readonly number[];
  /** Sub-shapes of a `tuple_type` shape; empty otherwise. */
  readonly subShapes: readonly Shape[];
  /** Computed once, as MIGraphX does in the constructor. */
  readonly standard: boolean;

  constructor(type: ElementType, lens: readonly number[] = [], strides?: readonly number[], subShapes: readonly Shape[] = []) {
    for (const l of lens) {
      if (!Number.isInteger(l) || l < 0) throw new Error(`invalid dimension ${l} in {${lens.join(', ')}}`);
    }
    this.type = type;
    this.lens = Object.freeze([...lens]);
    const s = strides ?? Shape.standardStrides(lens);
    if (s.length !== lens.length) throw new Error(`shape has ${lens.length} lens but ${s.length} strides`);
    this.strides = Object.freeze([...s]);
    this.subShapes = Object.freeze([...subShapes]);
    this.standard = this.computeStandard();
  }

  /** A scalar: lens {1}, strides {0} (not the same as `new Shape(t, [1])`, whose stride is 1). */
  static scalar(type: ElementType): Shape {
    return new Shape(type, [1], [0]);
  }

  static tuple(shapes: readonly Shape[]): Shape {
    return new Shape('tuple_type', [], [], shapes);
  }

  /** Row-major strides: the last is 1, each earlier one the product of the later lens. */
  static standardStrides(lens: readonly number[]): number[] {
    const strides = new Array<number>(lens.length);
    let acc = 1;
    for (let i = lens.length - 1; i >= 0; i--) {
      strides[i] = acc;
      acc *= Math.max(lens[i]!, 1);
    }
    return strides;
  }

  /** A shape whose memory order follows `perm` (MIGraphX `from_permutation`). */
  static fromPermutation(type: ElementType, lens: readonly number[], perm: readonly number[]): Shape {
    const permLens = perm.map((p) => lens[p]!);
    const permStrides = Shape.standardStrides(permLens);
    const strides = new Array<number>(lens.length).fill(0);
    perm.forEach((p, i) => (strides[p] = permStrides[i]!));
    return new Shape(type, lens, strides);
  }

  get ndim(): number {
    return this.lens.length;
  }

  /** Element count; a rank-0 shape (lens {}) holds one element (ONNX scalars keep their rank 0). */
  elements(): number {
    if (this.type === 'tuple_type') return 0;
    let n = 1;
    for (const l of this.lens) n *= l;
    return n;
  }

  /** 1 + Σ (len−1)·stride: how many elements the shape spans in memory. */
  elementSpace(): number {
    if (this.type === 'tuple_type') return 0;
    if (this.lens.some((l) => l === 0)) return 0;
    let s = 1;
    for (let i = 0; i < this.lens.length; i++) s += (this.lens[i]! - 1) * this.strides[i]!;
    return s;
  }

  bytes(): number {
    if (this.type === 'tuple_type') return this.subShapes.reduce((a, s) => a + s.bytes(), 0);
    return typeSize(this.type) * this.elementSpace();
  }

  /** No stride equals 1 (and more than one element). */
  skips(): boolean {
    if (this.elements() === 1) return false;
    return this.strides.every((s) => s !== 1);
  }

  packed(): boolean {
    return !this.skips() && this.elements() === this.elementSpace();
  }

  broadcasted(): boolean {
    return this.strides.some((s) => s === 0);
  }

  scalar(): boolean {
    return this.strides.length > 0 && this.strides.every((s) => s === 0);
  }

  /** Strides not in descending order (zero strides ignored when broadcast). */
  transposed(): boolean {
    const s = this.broadcasted() ? this.strides.filter((x) => x !== 0) : [...this.strides];
    for (let i = 1; i < s.length; i++) if (s[i - 1]! < s[i]!) return true;
    return false;
  }

  private computeStandard(): boolean {
    if (this.type === 'tuple_type') return false;
    if (this.elements() !== this.elementSpace()) return false;
    if (this.skips()) return false;
    // Axes of length 1 do not count (MIGraphX excludes them "to support an MLIR rule").
    let prev = Infinity;
    for (let i = 0; i < this.lens.length; i++) {
      if (this.lens[i] === 1) continue;
      if (this.strides[i]! > prev) return false;
      prev = this.strides[i]!;
    }
    return true;
  }

  /** The same type and lens with row-major strides. */
  asStandard(): Shape {
    return new Shape(this.type, this.lens);
  }

  withType(type: ElementType): Shape {
    return new Shape(type, this.lens, this.strides, this.subShapes);
  }

  withLens(lens: readonly number[]): Shape {
    return new Shape(this.type, lens);
  }

  equals(other: Shape): boolean {
    if (this.type !== other.type) return false;
    if (!sameNumbers(this.lens, other.lens) || !sameNumbers(this.strides, other.strides)) return false;
    if (this.subShapes.length !== other.subShapes.length) return false;
    return this.subShapes.every((s, i) => s.equals(other.subShapes[i]!));
  }

  /** MIGraphX text: `half_type, {1, 16, 1024, 128}, {2097152, 131072, 128, 1}`; a tuple prints `[s1, s2]`. */
  toString(): string {
    if (this.type === 'tuple_type') return `[${this.subShapes.map((s) => s.toString()).join(', ')}]`;
    return `${this.type}, {${this.lens.join(', ')}}, {${this.strides.join(', ')}}`;
  }
}

export function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
