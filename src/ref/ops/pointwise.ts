// Reference computes of the elementwise ops (src/ops/pointwise.ts). Each op is a set of kernels, one per
// working domain: float32 (float, half, bf16: computed in float32, rounded once to the storage type),
// float64 (double), int (integers up to 32 bits, exact, wrapped on store), bigint (int64/uint64) and bool.
// NOTE: integer division, mod and fmod by zero give 0 (C++ leaves it undefined; ONNX does not say).

import type { Op } from '../../ir/op.js';
import type { Shape } from '../../ir/shape.js';
import { allocStorage, type Tensor } from '../../ir/tensor.js';
import type { ElementType } from '../../ir/types.js';
import { defineCompute } from '../registry.js';
import { erf, floorMod, powC, roundHalfToEven } from '../float-math.js';
import { logicalStorage, tensorFromLogical } from '../strided.js';
import { readBigInts, readFloat32, readFloat64, storageClass, writeBigInts, writeFloats, writeIntegers } from '../values.js';

type Domain = 'float32' | 'float64' | 'int' | 'bigint' | 'bool';

/** One function per domain an op supports; a missing entry means the op rejects that domain. */
interface Kernels {
  readonly float?: (...x: number[]) => number;
  readonly int?: (...x: number[]) => number;
  readonly big?: (...x: bigint[]) => bigint;
  readonly bool?: (...x: number[]) => number;
}

function domainOf(op: Op, t: ElementType): Domain {
  const cls = storageClass(t);
  switch (cls) {
    case 'float32':
    case 'bf16':
      return 'float32';
    case 'table':
      if (t === 'half_type') return 'float32';
      throw new Error(`${op.name}: no arithmetic on ${t} (convert it to a float type first)`);
    case 'float64':
      return 'float64';
    case 'int':
      return 'int';
    case 'int64':
      return 'bigint';
    case 'bool':
      return 'bool';
    case 'none':
      throw new Error(`${op.name}: ${t} has no element values`);
    default:
      return cls satisfies never;
  }
}

/** Applies `fn` element by element to 1–3 inputs of equal length. */
function mapElements<T, R>(n: number, xs: readonly ArrayLike<T>[], fn: (...x: T[]) => R, store: (i: number, r: R) => void): void {
  const [a, b, c] = xs;
  switch (xs.length) {
    case 1:
      for (let i = 0; i < n; i++) store(i, fn(a![i]!));
      return;
    case 2:
      for (let i = 0; i < n; i++) store(i, fn(a![i]!, b![i]!));
      return;
    case 3:
      for (let i = 0; i < n; i++) store(i, fn(a![i]!, b![i]!, c![i]!));
      return;
    default:
      throw new Error(`elementwise kernels take 1 to 3 inputs, got ${xs.length}`);
  }
}

function missingKernel(op: Op, t: ElementType): Error {
  return new Error(`${op.name} is not defined on ${t}`);
}

/** Runs `kernels` over `args`; the result has `out`'s type (the input type, or bool for comparisons). */
function computeElementwise(op: Op, args: readonly Tensor[], out: Shape, kernels: Kernels): Tensor {
  const inType = args[0]!.type;
  const n = out.elements();
  const domain = domainOf(op, inType);
  switch (domain) {
    case 'float32':
    case 'float64': {
      const fn = kernels.float;
      if (!fn) throw missingKernel(op, inType);
      const read: (t: Tensor) => Float32Array | Float64Array = domain === 'float32' ? readFloat32 : readFloat64;
      const xs = args.map(read);
      const r = domain === 'float32' ? new Float32Array(n) : new Float64Array(n);
      mapElements(n, xs, fn, (i, v) => (r[i] = v));
      return out.type === 'bool_type' ? writeIntegers(out, r) : writeFloats(out, r);
    }
    case 'int':
    case 'bool': {
      const fn = domain === 'int' ? kernels.int : kernels.bool;
      if (!fn) throw missingKernel(op, inType);
      const r = new Float64Array(n);
      mapElements(n, args.map(readFloat64), fn, (i, v) => (r[i] = v));
      return writeIntegers(out, r);
    }
    case 'bigint': {
      const fn = kernels.big;
      if (!fn) throw missingKernel(op, inType);
      const r = new Array<bigint>(n);
      mapElements(n, args.map(readBigInts), fn, (i, v) => (r[i] = v));
      return out.type === 'bool_type' ? writeIntegers(out, r.map(Number)) : writeBigInts(out, r);
    }
    default:
      return domain satisfies never;
  }
}

// ---- integer helpers (exact results; the store wraps them to the type's width) ----

/** a^b modulo 2^32 by repeated squaring with Math.imul; negative exponents truncate 1/a^|b| toward 0. */
function intPow(a: number, b: number): number {
  if (b < 0) return a === 1 ? 1 : a === -1 ? (b % 2 === 0 ? 1 : -1) : 0;
  let result = 1;
  let base = a | 0;
  for (let e = b; e > 0; e = Math.floor(e / 2)) {
    if (e % 2 === 1) result = Math.imul(result, base);
    base = Math.imul(base, base);
  }
  return result;
}

/** a^b modulo 2^64. */
function bigPow(a: bigint, b: bigint): bigint {
  if (b < 0n) return a === 1n ? 1n : a === -1n ? (b % 2n === 0n ? 1n : -1n) : 0n;
  let result = 1n;
  let base = BigInt.asUintN(64, a);
  for (let e = b; e > 0n; e >>= 1n) {
    if (e & 1n) result = BigInt.asUintN(64, result * base);
    base = BigInt.asUintN(64, base * base);
  }
  return result;
}

const bit = (c: boolean): number => (c ? 1 : 0);
const bigBit = (c: boolean): bigint => (c ? 1n : 0n);
const bigMod = (a: bigint, b: bigint): bigint => {
  if (b === 0n) return 0n;
  const r = a % b;
  return r !== 0n && r < 0n !== b < 0n ? r + b : r;
};

// ---- the ops ----

const BINARY: Readonly<Record<string, Kernels>> = {
  add: { float: (a, b) => a! + b!, int: (a, b) => a! + b!, big: (a, b) => a! + b! },
  sub: { float: (a, b) => a! - b!, int: (a, b) => a! - b!, big: (a, b) => a! - b! },
  // Math.imul keeps the low 32 bits of the exact product, which is all a ≤32-bit result needs.
  mul: { float: (a, b) => a! * b!, int: (a, b) => Math.imul(a!, b!), big: (a, b) => a! * b! },
  div: {
    float: (a, b) => a! / b!,
    int: (a, b) => (b === 0 ? 0 : Math.trunc(a! / b!)),
    big: (a, b) => (b === 0n ? 0n : a! / b!),
  },
  pow: { float: (a, b) => powC(a!, b!), int: (a, b) => intPow(a!, b!), big: (a, b) => bigPow(a!, b!) },
  min: { float: (a, b) => Math.min(a!, b!), int: (a, b) => Math.min(a!, b!), big: (a, b) => (a! < b! ? a! : b!) },
  max: { float: (a, b) => Math.max(a!, b!), int: (a, b) => Math.max(a!, b!), big: (a, b) => (a! > b! ? a! : b!) },
  mod: { float: (a, b) => floorMod(a!, b!), int: (a, b) => (b === 0 ? 0 : floorMod(a!, b!)), big: (a, b) => bigMod(a!, b!) },
  fmod: { float: (a, b) => a! % b!, int: (a, b) => (b === 0 ? 0 : a! % b!), big: (a, b) => (b === 0n ? 0n : a! % b!) },
};

/** Both operands always share a type (number or bigint); NaN compares false. */
const COMPARISONS: Readonly<Record<string, (a: number | bigint, b: number | bigint) => boolean>> = {
  equal: (a, b) => a === b,
  less: (a, b) => a < b,
  greater: (a, b) => a > b,
};

const LOGICAL: Readonly<Record<string, (a: number, b: number) => number>> = {
  logical_and: (a, b) => a & b,
  logical_or: (a, b) => a | b,
  logical_xor: (a, b) => a ^ b,
};

const float = (f: (x: number) => number): Kernels => ({ float: (x) => f(x!) });

const UNARY: Readonly<Record<string, Kernels>> = {
  abs: { float: (x) => Math.abs(x!), int: (x) => Math.abs(x!), big: (x) => (x! < 0n ? -x! : x!) },
  neg: { float: (x) => -x!, int: (x) => -x!, big: (x) => -x! },
  sign: { float: (x) => Math.sign(x!), int: (x) => Math.sign(x!), big: (x) => (x! > 0n ? 1n : x! < 0n ? -1n : 0n) },
  // NaN stays NaN (ONNX Relu, numpy maximum), unlike std::max(0, NaN).
  relu: { float: (x) => (x! > 0 || Number.isNaN(x!) ? x! : 0), int: (x) => (x! > 0 ? x! : 0), big: (x) => (x! > 0n ? x! : 0n) },
  not: { int: (x) => ~x!, big: (x) => ~x!, bool: (x) => 1 - x! },
  sqrt: float(Math.sqrt),
  rsqrt: float((x) => 1 / Math.sqrt(x)),
  exp: float(Math.exp),
  log: float(Math.log),
  erf: float(erf),
  tanh: float(Math.tanh),
  sigmoid: float((x) => 1 / (1 + Math.exp(-x))),
  recip: float((x) => 1 / x),
  floor: float(Math.floor),
  ceil: float(Math.ceil),
  nearbyint: float(roundHalfToEven),
  sin: float(Math.sin),
  cos: float(Math.cos),
};

for (const [name, kernels] of Object.entries({ ...UNARY, ...BINARY })) {
  defineCompute(name, (op, args, out) => computeElementwise(op, args, out, kernels));
}

for (const [name, cmp] of Object.entries(COMPARISONS)) {
  const kernels: Kernels = {
    float: (a, b) => bit(cmp(a!, b!)),
    int: (a, b) => bit(cmp(a!, b!)),
    big: (a, b) => bigBit(cmp(a!, b!)),
    bool: (a, b) => bit(cmp(a!, b!)),
  };
  defineCompute(name, (op, args, out) => computeElementwise(op, args, out, kernels));
}

for (const [name, f] of Object.entries(LOGICAL)) {
  defineCompute(name, (op, args, out) => computeElementwise(op, args, out, { bool: (a, b) => f(a!, b!) }));
}

/** clip(x, lo, hi) = min(max(x, lo), hi) as std::min/std::max compute it (a NaN x stays NaN). */
function clamp<T extends number | bigint>(x: T, lo: T, hi: T): T {
  const low = x < lo ? lo : x;
  return hi < low ? hi : low;
}

defineCompute('clip', (op, args, out) =>
  computeElementwise(op, args, out, {
    float: (x, lo, hi) => clamp(x!, lo!, hi!),
    int: (x, lo, hi) => clamp(x!, lo!, hi!),
    big: (x, lo, hi) => clamp(x!, lo!, hi!),
  }),
);

defineCompute('isnan', (_op, args, out) => {
  const x = args[0]!;
  const cls = storageClass(x.type);
  const n = out.elements();
  const isFloat = cls === 'float32' || cls === 'float64' || cls === 'bf16' || cls === 'table';
  const flags = new Float64Array(n);
  if (isFloat) {
    const v = readFloat64(x);
    for (let i = 0; i < n; i++) flags[i] = bit(Number.isNaN(v[i]!));
  }
  return writeIntegers(out, flags);
});

/** where(c, x, y): copies stored values, so it works for every type (fp8 codes, bigints) unchanged. */
defineCompute('where', (_op, args, out) => {
  const [c, x, y] = args as [Tensor, Tensor, Tensor];
  const cond = logicalStorage(c) as Uint8Array;
  const xs = logicalStorage(x) as Float64Array;
  const ys = logicalStorage(y) as Float64Array;
  const r = allocStorage(out.type, cond.length) as Float64Array;
  for (let i = 0; i < cond.length; i++) r[i] = cond[i] ? xs[i]! : ys[i]!;
  return tensorFromLogical(out, r);
});
