// Reference computes of the reductions (keep-dims) and softmax / logsoftmax (src/ops/reduce.ts).
// Floats accumulate in float64 and round once to the output type; integers (and bool) reduce exactly in
// BigInt and wrap. Over a zero-length axis: sum 0, prod 1, max −∞, min +∞, mean NaN (0/0); integer
// types use their lowest / highest value for max / min and 0 for mean.

import type { Op } from '../../ir/op.js';
import { Shape } from '../../ir/shape.js';
import type { Tensor } from '../../ir/tensor.js';
import { integerRange, type ElementType } from '../../ir/types.js';
import { normalizeAxis } from '../../ops/common.js';
import { defineCompute } from '../registry.js';
import { elementCount, walkView } from '../strided.js';
import { readBigInts, readFloat32, readFloat64, storageClass, writeBigInts, writeFloat64Results, writeIntegers } from '../values.js';

type Reduction = 'sum' | 'mean' | 'max' | 'min' | 'prod';

/**
 * Visits every input element (logical order) with the index of the output element it reduces into:
 * walking the input's lens with the output's strides, zeroed on reduced axes.
 */
function forEachTarget(inLens: readonly number[], axes: ReadonlySet<number>, visit: (target: number, source: number) => void): void {
  const outStrides = Shape.standardStrides(inLens.map((l, d) => (axes.has(d) ? 1 : l)));
  const strides = outStrides.map((s, d) => (axes.has(d) ? 0 : s));
  walkView(0, inLens, strides, (start, length, stride, logicalStart) => {
    for (let i = 0; i < length; i++) visit(start + i * stride, logicalStart + i);
  });
}

function reduceFloats(kind: Reduction, x: Float64Array, inLens: readonly number[], axes: ReadonlySet<number>, outCount: number, count: number): Float64Array {
  const init = kind === 'prod' ? 1 : kind === 'max' ? -Infinity : kind === 'min' ? Infinity : 0;
  const acc = new Float64Array(outCount).fill(init);
  switch (kind) {
    case 'sum':
    case 'mean':
      forEachTarget(inLens, axes, (t, s) => (acc[t] += x[s]!));
      break;
    case 'prod':
      forEachTarget(inLens, axes, (t, s) => (acc[t] *= x[s]!));
      break;
    case 'max':
      forEachTarget(inLens, axes, (t, s) => (acc[t] = Math.max(acc[t]!, x[s]!)));
      break;
    case 'min':
      forEachTarget(inLens, axes, (t, s) => (acc[t] = Math.min(acc[t]!, x[s]!)));
      break;
    default:
      return kind satisfies never;
  }
  if (kind === 'mean') for (let i = 0; i < outCount; i++) acc[i] = acc[i]! / count;
  return acc;
}

function integerBounds(t: ElementType): [bigint, bigint] {
  if (t === 'int64_type') return [-(2n ** 63n), 2n ** 63n - 1n];
  if (t === 'uint64_type') return [0n, 2n ** 64n - 1n];
  const [lo, hi] = integerRange(t);
  return [BigInt(lo), BigInt(hi)];
}

function reduceIntegers(kind: Reduction, x: ArrayLike<bigint>, type: ElementType, inLens: readonly number[], axes: ReadonlySet<number>, outCount: number, count: number): bigint[] {
  const [lowest, highest] = integerBounds(type);
  const init = kind === 'prod' ? 1n : kind === 'max' ? lowest : kind === 'min' ? highest : 0n;
  const acc = new Array<bigint>(outCount).fill(init);
  switch (kind) {
    case 'sum':
    case 'mean':
      forEachTarget(inLens, axes, (t, s) => (acc[t] = acc[t]! + x[s]!));
      break;
    case 'prod':
      forEachTarget(inLens, axes, (t, s) => (acc[t] = acc[t]! * x[s]!));
      break;
    case 'max':
      forEachTarget(inLens, axes, (t, s) => (acc[t] = x[s]! > acc[t]! ? x[s]! : acc[t]!));
      break;
    case 'min':
      forEachTarget(inLens, axes, (t, s) => (acc[t] = x[s]! < acc[t]! ? x[s]! : acc[t]!));
      break;
    default:
      return kind satisfies never;
  }
  // BigInt division truncates toward zero, as C++ integer division does.
  if (kind === 'mean') for (let i = 0; i < outCount; i++) acc[i] = count === 0 ? 0n : acc[i]! / BigInt(count);
  return acc;
}

function computeReduce(kind: Reduction, op: Op, x: Tensor, out: Shape): Tensor {
  const lens = x.shape.lens;
  const axes = new Set(op.ints('axes').map((a) => normalizeAxis(a, lens.length)));
  const count = elementCount([...axes].map((a) => lens[a]!));
  const outCount = out.elements();
  const cls = storageClass(x.type);
  switch (cls) {
    case 'float32':
    case 'float64':
    case 'bf16':
    case 'table':
      return writeFloat64Results(out, reduceFloats(kind, readFloat64(x), lens, axes, outCount, count));
    case 'int':
    case 'bool': {
      const values = Array.from(readFloat64(x), BigInt);
      const r = reduceIntegers(kind, values, x.type, lens, axes, outCount, count);
      return writeIntegers(out, r.map((v) => Number(BigInt.asIntN(32, v))));
    }
    case 'int64':
      return writeBigInts(out, reduceIntegers(kind, readBigInts(x), x.type, lens, axes, outCount, count));
    case 'none':
      throw new Error(`${op.name} is not defined on ${x.type}`);
    default:
      return cls satisfies never;
  }
}

const REDUCTIONS: Readonly<Record<string, Reduction>> = {
  reduce_sum: 'sum',
  reduce_mean: 'mean',
  reduce_max: 'max',
  reduce_min: 'min',
  reduce_prod: 'prod',
};

for (const [name, kind] of Object.entries(REDUCTIONS)) {
  defineCompute(name, (op, args, out) => computeReduce(kind, op, args[0]!, out));
}

/**
 * softmax = e^(x − max) / Σ e^(x − max) and logsoftmax = x − max − log Σ e^(x − max) along `axis`.
 * Subtracting the max keeps exp in range; a row of −∞ gives NaN, as the formula does.
 */
function computeSoftmax(log: boolean, op: Op, x: Tensor, out: Shape): Tensor {
  const lens = x.shape.lens;
  const axis = normalizeAxis(op.int('axis'), lens.length);
  const outer = elementCount(lens.slice(0, axis));
  const length = lens[axis]!;
  const inner = elementCount(lens.slice(axis + 1));
  // Float formats read exactly as float32 (one pass fewer than widening them to float64 first).
  const cls = storageClass(x.type);
  const v = cls === 'float32' || cls === 'table' || cls === 'bf16' ? readFloat32(x) : readFloat64(x);
  const y = new Float64Array(v.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const start = o * length * inner + i;
      let max = -Infinity;
      for (let k = 0; k < length; k++) max = Math.max(max, v[start + k * inner]!);
      let sum = 0;
      if (log) {
        for (let k = 0; k < length; k++) sum += Math.exp(v[start + k * inner]! - max);
        const logSum = Math.log(sum);
        for (let k = 0; k < length; k++) y[start + k * inner] = v[start + k * inner]! - max - logSum;
        continue;
      }
      // Each exp is computed once and kept (the same values, half the exp calls).
      for (let k = 0; k < length; k++) {
        const e = Math.exp(v[start + k * inner]! - max);
        y[start + k * inner] = e;
        sum += e;
      }
      for (let k = 0; k < length; k++) y[start + k * inner]! /= sum;
    }
  }
  return writeFloat64Results(out, y);
}

defineCompute('softmax', (op, args, out) => computeSoftmax(false, op, args[0]!, out));
defineCompute('logsoftmax', (op, args, out) => computeSoftmax(true, op, args[0]!, out));
