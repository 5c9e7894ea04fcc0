// Reference computes of convert, quantizelinear and dequantizelinear (src/ops/quant.ts).
// convert float → integer truncates toward zero and wraps modulo 2^bits (the ONNX Cast node tests wrap:
// test_cast_FLOAT_to_INT4 maps −9 to 7); NaN and ±Inf become 0, since C++ leaves them undefined.
// Any → bool is x ≠ 0 (NaN → true, as static_cast<bool> does). Low-precision float targets (fp8, fp4,
// e8m0) encode from float32 bits through src/numerics, so a NaN keeps its sign, honouring `saturate`.

import type { Shape } from '../../ir/shape.js';
import type { Tensor } from '../../ir/tensor.js';
import { type ElementType, integerRange, isFp8Type } from '../../ir/types.js';
import { fp8FromF32Bits, type Fp8Format } from '../../numerics/float8.js';
import { e8m0FromF32Bits, fp4FromF32Bits } from '../../numerics/float4.js';
import { defineCompute } from '../registry.js';
import { roundHalfToEven } from '../float-math.js';
import {
  doubleToFloat32Bits,
  readBigInts,
  readFloat32Bits,
  readFloat64,
  roundBigInt,
  storageClass,
  writeBigInts,
  writeFloats,
  writeIntegers,
} from '../values.js';
import { tensorFromLogical } from '../strided.js';

/** Types encoded from float32 bits with a `saturate` choice. */
function isCodedFloat(t: ElementType): boolean {
  return storageClass(t) === 'table' && t !== 'half_type';
}

/** One float32 bit pattern encoded to a coded-float type. */
function encodeCoded(type: ElementType, bits: number, saturate: boolean): number {
  switch (type) {
    case 'fp8e4m3fn_type':
      return fp8FromF32Bits(bits, 'e4m3fn', saturate);
    case 'fp8e4m3fnuz_type':
      return fp8FromF32Bits(bits, 'e4m3fnuz', saturate);
    case 'fp8e5m2_type':
      return fp8FromF32Bits(bits, 'e5m2', saturate);
    case 'fp8e5m2fnuz_type':
      return fp8FromF32Bits(bits, 'e5m2fnuz', saturate);
    case 'fp4e2m1_type':
      return fp4FromF32Bits(bits, saturate);
    case 'fp8e8m0_type':
      return e8m0FromF32Bits(bits, saturate);
    default:
      throw new Error(`${type} is not encoded from float32 bits`);
  }
}

function writeCoded(out: Shape, bits: Uint32Array, saturate: boolean): Tensor {
  const codes = new Uint8Array(bits.length);
  for (let i = 0; i < bits.length; i++) codes[i] = encodeCoded(out.type, bits[i]!, saturate);
  return tensorFromLogical(out, codes);
}

/** Significant bits of each float type, for rounding 64-bit integers to it in one step. */
function precisionBits(t: ElementType): number {
  return t === 'half_type' ? 11 : t === 'bf16_type' ? 8 : t === 'float_type' ? 24 : 53;
}

defineCompute('convert', (op, args, out) => {
  const x = args[0]!;
  const saturate = op.bool('saturate');
  if (isCodedFloat(out.type)) return writeCoded(out, readFloat32Bits(x), saturate);
  const to = storageClass(out.type);
  if (to === 'none') throw new Error(`${op.name}: cannot convert to ${out.type}`);
  if (storageClass(x.type) === 'int64') {
    const v = readBigInts(x);
    if (to === 'int64') return writeBigInts(out, v);
    if (to === 'int' || to === 'bool') return writeIntegers(out, Array.from(v, (b) => (to === 'bool' ? Number(b !== 0n) : Number(BigInt.asIntN(32, b)))));
    // Round the integer once to the target's precision; the float write is then exact.
    return writeFloats(out, Float64Array.from(v, (b) => roundBigInt(b, precisionBits(out.type))));
  }
  const v = readFloat64(x); // exact for every other type
  switch (to) {
    case 'float32':
    case 'float64':
    case 'bf16':
    case 'table':
      return copyNaNSigns(writeFloats(out, v), v, x);
    case 'int':
    case 'bool':
    case 'int64':
      return writeIntegers(out, v);
    default:
      return to satisfies never;
  }
});

/**
 * writeFloats takes numbers, which carry no NaN sign; Cast keeps it (−NaN stays −NaN), so each NaN's
 * sign bit is copied from the source's float32 bits into the fresh, standard result storage.
 */
function copyNaNSigns(result: Tensor, values: Float64Array, source: Tensor): Tensor {
  if (!values.some(Number.isNaN)) return result;
  const signs = readFloat32Bits(source);
  const data = result.data;
  const words = data instanceof Uint16Array ? undefined : new Uint32Array(data.buffer, data.byteOffset, data.byteLength / 4);
  // A double's sign lives in its high word: the second of the pair on a little-endian host.
  const highWord = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isNaN(values[i]!) || signs[i]! >>> 31 === 0) continue;
    if (data instanceof Uint16Array) data[i]! |= 0x8000; // half, bf16
    else if (data instanceof Float32Array) words![i] = 0xffc00000;
    else if (data instanceof Float64Array) words![2 * i + highWord]! |= 0x80000000;
  }
  return result;
}

/** x / scale in float32, or in float64 when either is double. */
function quotients(x: Tensor, scale: Tensor): Float64Array {
  const xv = readFloat64(x);
  const sv = readFloat64(scale);
  const inDouble = x.type === 'double_type' || scale.type === 'double_type';
  const q = new Float64Array(xv.length);
  for (let i = 0; i < q.length; i++) q[i] = inDouble ? xv[i]! / sv[i]! : Math.fround(Math.fround(xv[i]!) / Math.fround(sv[i]!));
  return q;
}

/**
 * quantizelinear: integers get saturate(round_half_even(x / scale) + zp), clamped to the type's range
 * (a NaN quotient gives the zero point); fp8 / fp4 get cast(x / scale) honouring `saturate`, zp = 0.
 */
/** The value every element of `t` has when it is a broadcast scalar (all strides 0), else undefined. */
function broadcastScalar(t: Tensor | undefined): number | undefined {
  if (!t) return 0;
  return t.shape.strides.every((s) => s === 0) || t.shape.elements() === 1 ? t.get(0) : undefined;
}

/**
 * fp8 codes by float32 bits, indexed by the top 16 bits and whether any lower bit is set: rounding to
 * nearest even at 6 or fewer mantissa bits (fp8's 2 and 3) only needs the bits down to 16 and a sticky
 * bit for the rest, and a NaN's representative stays a NaN, so the table is exact. Built on first use
 * from fp8FromF32Bits, per format and saturate.
 */
const ENCODE_TABLES = new Map<string, Uint8Array>();

function encodeTable(format: Fp8Format, saturate: boolean): Uint8Array {
  const key = `${format}/${saturate}`;
  let t = ENCODE_TABLES.get(key);
  if (!t) {
    t = new Uint8Array(1 << 17);
    for (let i = 0; i < 1 << 17; i++) t[i] = fp8FromF32Bits(((i >>> 1) << 16) | (i & 1), format, saturate);
    // quantizelinear adds the zero point 0, which turns −0 into +0 (only an exact −0: any other negative
    // value keeps its sign).
    t[0x8000 << 1] = t[0]!;
    ENCODE_TABLES.set(key, t);
  }
  return t;
}

/**
 * quantizelinear of a standard float32 tensor to fp8 by one scalar scale (how quantized weights fold
 * at compile time: 85M of them in a BERT-base encoder): the same arithmetic as the general path below,
 * without its per-element float64 arrays.
 */
function quantizeFloat32ToFp8(x: Tensor, scale: number, out: Shape, saturate: boolean): Tensor {
  const format: Fp8Format = out.type === 'fp8e4m3fn_type' ? 'e4m3fn' : out.type === 'fp8e4m3fnuz_type' ? 'e4m3fnuz' : out.type === 'fp8e5m2_type' ? 'e5m2' : 'e5m2fnuz';
  const src = x.data as Float32Array;
  const n = x.shape.elements();
  const codes = new Uint8Array(n);
  const s = Math.fround(scale);
  const table = encodeTable(format, saturate);
  // In chunks: quotients rounded to float32 by the store, then their bits through the table.
  const chunk = Math.min(n, 1 << 16);
  const q = new Float32Array(chunk);
  const bits = new Uint32Array(q.buffer);
  for (let start = 0; start < n; start += chunk) {
    const m = Math.min(chunk, n - start);
    const from = x.offset + start;
    for (let i = 0; i < m; i++) q[i] = src[from + i]! / s;
    for (let i = 0; i < m; i++) {
      const b = bits[i]!;
      codes[start + i] = table[((b >>> 16) << 1) | ((b & 0xffff) === 0 ? 0 : 1)]!;
    }
  }
  return tensorFromLogical(out, codes);
}

defineCompute('quantizelinear', (op, args, out) => {
  const [x, scale, zp] = args as [Tensor, Tensor, Tensor | undefined];
  const s = broadcastScalar(scale);
  if (x.type === 'float_type' && x.shape.standard && s !== undefined && scale.type !== 'double_type' && isFp8Type(out.type) && broadcastScalar(zp) === 0) {
    return quantizeFloat32ToFp8(x, s, out, op.bool('saturate'));
  }
  const q = quotients(x, scale);
  const zeros = zp ? readFloat64(zp) : new Float64Array(q.length);
  if (isCodedFloat(out.type)) {
    if (zeros.some((z) => z !== 0)) throw new Error(`${op.name}: a ${out.type} zero point must be 0`);
    // x / scale + 0: adding the zero point turns −0 into +0, as ONNX's reference does (test_quantizelinear_float4e2m1).
    return writeCoded(out, Uint32Array.from(q, (v) => doubleToFloat32Bits(v + 0)), op.bool('saturate'));
  }
  const cls = storageClass(out.type);
  if (cls !== 'int') throw new Error(`${op.name}: cannot quantize to ${out.type}`);
  const [lo, hi] = integerRange(out.type);
  const y = new Float64Array(q.length);
  for (let i = 0; i < q.length; i++) {
    const shifted = Number.isNaN(q[i]!) ? zeros[i]! : roundHalfToEven(q[i]!) + zeros[i]!;
    y[i] = Math.min(Math.max(shifted, lo), hi);
  }
  return writeIntegers(out, y);
});

/** dequantizelinear: (x − zp) · scale in float32 (float64 for a double scale), output in scale's type. */
defineCompute('dequantizelinear', (_op, args, out) => {
  const [x, scale, zp] = args as [Tensor, Tensor, Tensor | undefined];
  const xv = readFloat64(x);
  const sv = readFloat64(scale);
  const zv = zp ? readFloat64(zp) : undefined;
  const n = xv.length;
  if (scale.type === 'double_type') {
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) y[i] = (xv[i]! - (zv ? zv[i]! : 0)) * sv[i]!;
    return writeFloats(out, y);
  }
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) y[i] = Math.fround(xv[i]! - (zv ? zv[i]! : 0)) * sv[i]!;
  return writeFloats(out, y);
});
