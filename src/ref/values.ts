// Reading tensors as numbers and writing numbers back: the working formats of the computes.
//   float32 arrays: float_type, and half / bf16 / fp8 / fp4 / e8m0 decoded exactly
//   float64 arrays: double_type, and integers up to 32 bits (exact)
//   bigint arrays:  int64 / uint64 (exact)
// Writes round once to the storage type (RNE, src/numerics) or wrap integers to their width.

import type { Shape } from '../ir/shape.js';
import { allocStorage, type Storage, type Tensor } from '../ir/tensor.js';
import type { ElementType } from '../ir/types.js';
import { float32Bits, floatToBf16, floatToHalf } from '../numerics/float16.js';
import { wrapInt } from '../numerics/codec.js';
import { bitsTable, type TableType, valueTable } from './decode-tables.js';
import { logicalStorage, tensorFromLogical } from './strided.js';

/** How a type's storage holds its values, which decides how it is read. */
export type StorageClass = 'float32' | 'float64' | 'bf16' | 'table' | 'int' | 'bool' | 'int64' | 'none';

export function storageClass(t: ElementType): StorageClass {
  switch (t) {
    case 'float_type':
      return 'float32';
    case 'double_type':
      return 'float64';
    case 'bf16_type':
      return 'bf16';
    case 'half_type':
    case 'fp8e4m3fn_type':
    case 'fp8e4m3fnuz_type':
    case 'fp8e5m2_type':
    case 'fp8e5m2fnuz_type':
    case 'fp4e2m1_type':
    case 'fp8e8m0_type':
      return 'table';
    case 'uint8_type':
    case 'int8_type':
    case 'uint16_type':
    case 'int16_type':
    case 'int32_type':
    case 'uint32_type':
    case 'int4_type':
    case 'uint4_type':
    case 'int2_type':
    case 'uint2_type':
      return 'int';
    case 'bool_type':
      return 'bool';
    case 'int64_type':
    case 'uint64_type':
      return 'int64';
    case 'fp4x2_type':
    case 'tuple_type':
      return 'none';
    default:
      return t satisfies never;
  }
}

/** Width and signedness of an integer type (64-bit types included). */
export interface IntFormat {
  readonly bits: number;
  readonly signed: boolean;
}

export function intFormat(t: ElementType): IntFormat {
  switch (t) {
    case 'int8_type':
      return { bits: 8, signed: true };
    case 'uint8_type':
      return { bits: 8, signed: false };
    case 'int16_type':
      return { bits: 16, signed: true };
    case 'uint16_type':
      return { bits: 16, signed: false };
    case 'int32_type':
      return { bits: 32, signed: true };
    case 'uint32_type':
      return { bits: 32, signed: false };
    case 'int64_type':
      return { bits: 64, signed: true };
    case 'uint64_type':
      return { bits: 64, signed: false };
    case 'int4_type':
      return { bits: 4, signed: true };
    case 'uint4_type':
      return { bits: 4, signed: false };
    case 'int2_type':
      return { bits: 2, signed: true };
    case 'uint2_type':
      return { bits: 2, signed: false };
    default:
      throw new Error(`${t} is not an integer type`);
  }
}

function noValues(t: ElementType): Error {
  return new Error(`${t} has no per-element numeric value`);
}

/** The tensor's values in logical order as float32 (exact for every float format; integers rounded). Read-only. */
export function readFloat32(t: Tensor): Float32Array {
  const raw = logicalStorage(t);
  const cls = storageClass(t.type);
  switch (cls) {
    case 'float32':
      return raw as Float32Array;
    case 'table':
      return lookup(raw as Uint8Array | Uint16Array, valueTable(t.type as TableType));
    case 'bf16': {
      const bits = new Uint32Array(raw.length);
      for (let i = 0; i < raw.length; i++) bits[i] = (raw as Uint16Array)[i]! << 16;
      return new Float32Array(bits.buffer);
    }
    case 'float64':
    case 'int':
    case 'bool': {
      const out = new Float32Array(raw.length);
      out.set(raw as Float64Array);
      return out;
    }
    case 'int64':
      return Float32Array.from(raw as BigInt64Array, (v) => roundBigInt(v, 24));
    case 'none':
      throw noValues(t.type);
    default:
      return cls satisfies never;
  }
}

/** The tensor's values in logical order as float64 (exact except 64-bit integers beyond 2^53). Read-only. */
export function readFloat64(t: Tensor): Float64Array {
  const cls = storageClass(t.type);
  switch (cls) {
    case 'float64':
      return logicalStorage(t) as Float64Array;
    case 'float32':
    case 'table':
    case 'bf16':
      return Float64Array.from(readFloat32(t));
    case 'int':
    case 'bool': {
      const raw = logicalStorage(t);
      const out = new Float64Array(raw.length);
      out.set(raw as Float64Array);
      return out;
    }
    case 'int64':
      return Float64Array.from(logicalStorage(t) as BigInt64Array, (v) => Number(v));
    case 'none':
      throw noValues(t.type);
    default:
      return cls satisfies never;
  }
}

/** An int64 / uint64 tensor's values in logical order. Read-only. */
export function readBigInts(t: Tensor): BigInt64Array | BigUint64Array {
  if (storageClass(t.type) !== 'int64') throw new Error(`${t.type} is not a 64-bit integer type`);
  return logicalStorage(t) as BigInt64Array | BigUint64Array;
}

/**
 * The tensor's values as float32 bit patterns, NaN signs kept (what fp8 encoders take). Doubles round to
 * float32 first; integers convert to the nearest float32.
 */
export function readFloat32Bits(t: Tensor): Uint32Array {
  const cls = storageClass(t.type);
  switch (cls) {
    case 'float32': {
      // Copy through a Uint32 view so NaN payloads move as bits.
      const f = logicalStorage(t) as Float32Array;
      return new Uint32Array(f.buffer, f.byteOffset, f.length).slice();
    }
    case 'table':
      return lookupBits(logicalStorage(t) as Uint8Array | Uint16Array, bitsTable(t.type as TableType));
    case 'bf16':
      return Uint32Array.from(logicalStorage(t) as Uint16Array, (b) => b << 16);
    case 'float64':
      return Uint32Array.from(readFloat64(t), doubleToFloat32Bits);
    case 'int':
    case 'bool':
      return Uint32Array.from(readFloat64(t), (v) => float32Bits(v));
    case 'int64':
      return Uint32Array.from(readBigInts(t), (v) => float32Bits(roundBigInt(v, 24)));
    case 'none':
      throw noValues(t.type);
    default:
      return cls satisfies never;
  }
}

const f64Scratch = new Float64Array(1);
const f64Words = new Uint32Array(f64Scratch.buffer);
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** float32 bits of a double rounded to float32; a NaN keeps its sign bit. */
export function doubleToFloat32Bits(x: number): number {
  if (!Number.isNaN(x)) return float32Bits(x);
  f64Scratch[0] = x;
  const high = f64Words[littleEndian ? 1 : 0]!;
  return (high & 0x80000000) | 0x7fc00000;
}

function lookup(codes: Uint8Array | Uint16Array, table: Float32Array): Float32Array {
  const out = new Float32Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = table[codes[i]!]!;
  return out;
}

function lookupBits(codes: Uint8Array | Uint16Array, table: Uint32Array): Uint32Array {
  const out = new Uint32Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = table[codes[i]!]!;
  return out;
}

/** A float tensor of shape `out` from logical-order values, rounded once to `out.type` (float, double, half, bf16). */
export function writeFloats(out: Shape, values: Float32Array | Float64Array): Tensor {
  const n = values.length;
  let storage: Storage;
  switch (out.type) {
    case 'float_type':
      storage = values instanceof Float32Array ? values : Float32Array.from(values);
      break;
    case 'double_type':
      storage = values instanceof Float64Array ? values : Float64Array.from(values);
      break;
    case 'half_type':
      storage = halvesOf(values);
      break;
    case 'bf16_type': {
      const b = new Uint16Array(n);
      // floatToBf16 rounds a double once (round-to-odd through float32), so doubles need no special path.
      for (let i = 0; i < n; i++) b[i] = floatToBf16(values[i]!);
      storage = b;
      break;
    }
    default:
      throw new Error(`cannot write float values as ${out.type}`);
  }
  return tensorFromLogical(out, storage);
}

/** Float32 bits of 2^-14 (the smallest normal half) and of 2^16 (from where half overflows). */
const HALF_NORMAL_LO = 0x38800000;
const HALF_NORMAL_HI = 0x47800000;
/** (127 − 15) << 23: rebias a float32 exponent to half's once shifted down by 13. */
const HALF_REBIAS = (127 - 15) << 23;

/**
 * Half bits of every value, rounded once to nearest even: what `floatToHalf` gives, about 2× faster.
 * Values go to float32 natively in chunks; in half's normal range rounding that float32 again is exact
 * unless float32 landed on a half tie (low 13 bits 0x1000) without being the value itself; that case,
 * overflow and NaN take `floatToHalf`. Subnormals round from the value directly.
 */
export function halvesOf(values: Float32Array | Float64Array): Uint16Array {
  const n = values.length;
  const out = new Uint16Array(n);
  const CHUNK = 65536;
  const f = new Float32Array(Math.min(n, CHUNK));
  const u = new Uint32Array(f.buffer);
  for (let start = 0; start < n; start += CHUNK) {
    const end = Math.min(n, start + CHUNK);
    f.set(values.subarray(start, end));
    for (let i = start; i < end; i++) {
      const bits = u[i - start]!;
      const a = bits & 0x7fffffff;
      if (a >= HALF_NORMAL_LO && a < HALF_NORMAL_HI && ((bits & 0x1fff) !== 0x1000 || f[i - start] === values[i])) {
        out[i] = ((bits >>> 16) & 0x8000) | ((a + 0x0fff + ((a >>> 13) & 1) - HALF_REBIAS) >>> 13);
      } else if (a < HALF_NORMAL_LO) {
        // Subnormal (or zero): a count of 2^-24 steps, rounded to even by adding and removing 2^52;
        // from the value itself, so nothing rounds twice. A count of 1024 is the smallest normal.
        const steps = Math.abs(values[i]!) * 2 ** 24;
        out[i] = ((bits >>> 16) & 0x8000) | (steps + 2 ** 52 - 2 ** 52);
      } else {
        out[i] = floatToHalf(values[i]!);
      }
    }
  }
  return out;
}

/** float64 results rounded once to `out`'s float type. */
export function writeFloat64Results(out: Shape, values: Float64Array): Tensor {
  return writeFloats(out, out.type === 'float_type' ? Float32Array.from(values) : values);
}

/**
 * The double nearest to `v` with at most `bits` significant bits (ties to even), so that rounding it to a
 * float type with that precision is exact: one rounding from the integer, not two through float64.
 */
export function roundBigInt(v: bigint, bits: number): number {
  const magnitude = v < 0n ? -v : v;
  const length = magnitude.toString(2).length;
  if (length <= bits) return Number(v);
  const shift = BigInt(length - bits);
  let q = magnitude >> shift;
  const rest = magnitude - (q << shift);
  const half = 1n << (shift - 1n);
  if (rest > half || (rest === half && (q & 1n) === 1n)) q += 1n;
  const r = Number(q) * 2 ** Number(shift);
  return v < 0n ? -r : r;
}

/**
 * An integer or bool tensor of shape `out` from exact integer values (logical order). Values wrap to the
 * type's width (two's complement), as a C++ cast of an in-range value would; bool is x ≠ 0.
 */
export function writeIntegers(out: Shape, values: ArrayLike<number>): Tensor {
  const n = values.length;
  const storage = allocStorage(out.type, n);
  const cls = storageClass(out.type);
  switch (cls) {
    case 'int': {
      const { bits, signed } = intFormat(out.type);
      // NOTE: 8/16/32-bit typed-array stores truncate and wrap modulo 2^bits (ECMAScript ToInt8 etc.).
      if (bits >= 8) (storage as Float64Array).set(values);
      else for (let i = 0; i < n; i++) (storage as Int8Array)[i] = wrapInt(values[i]!, bits, signed);
      break;
    }
    case 'bool':
      for (let i = 0; i < n; i++) (storage as Uint8Array)[i] = values[i] !== 0 ? 1 : 0;
      break;
    case 'int64':
      // BigInt64Array / BigUint64Array stores wrap modulo 2^64.
      for (let i = 0; i < n; i++) {
        const v = values[i]!;
        (storage as BigInt64Array)[i] = Number.isFinite(v) ? BigInt(Math.trunc(v)) : 0n;
      }
      break;
    case 'float32':
    case 'float64':
    case 'bf16':
    case 'table':
    case 'none':
      throw new Error(`cannot write integer values as ${out.type}`);
    default:
      return cls satisfies never;
  }
  return tensorFromLogical(out, storage);
}

/** An int64 / uint64 tensor of shape `out` from bigint values (wrapped modulo 2^64 by the store). */
export function writeBigInts(out: Shape, values: ArrayLike<bigint>): Tensor {
  if (storageClass(out.type) !== 'int64') throw new Error(`cannot write bigint values as ${out.type}`);
  const storage = allocStorage(out.type, values.length) as BigInt64Array;
  for (let i = 0; i < values.length; i++) storage[i] = values[i]!;
  return tensorFromLogical(out, storage);
}
