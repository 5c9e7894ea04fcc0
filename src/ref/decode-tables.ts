// Exact float32 values, and float32 bit patterns, of every code of the stored-as-code float types (half,
// the four fp8 formats, fp4e2m1, e8m0), built once on first use from src/numerics. Reading such data is
// then one table lookup per element. Bit tables keep a NaN code's sign so fp8 re-encoding preserves it.

import { float32Bits, halfToFloat } from '../numerics/float16.js';
import { fp8ToFloat, type Fp8Format } from '../numerics/float8.js';
import { e8m0ToFloat, fp4ToFloat } from '../numerics/float4.js';
import type { ElementType } from '../ir/types.js';

/** The types read through a table; bf16 is not one (its bits are the top half of float32's). */
export type TableType =
  | 'half_type'
  | 'fp8e4m3fn_type'
  | 'fp8e4m3fnuz_type'
  | 'fp8e5m2_type'
  | 'fp8e5m2fnuz_type'
  | 'fp4e2m1_type'
  | 'fp8e8m0_type';

export function isTableType(t: ElementType): t is TableType {
  switch (t) {
    case 'half_type':
    case 'fp8e4m3fn_type':
    case 'fp8e4m3fnuz_type':
    case 'fp8e5m2_type':
    case 'fp8e5m2fnuz_type':
    case 'fp4e2m1_type':
    case 'fp8e8m0_type':
      return true;
    default:
      return false;
  }
}

interface Tables {
  readonly values: Float32Array;
  readonly bits: Uint32Array;
}

const cache = new Map<TableType, Tables>();

/** Value of every code of `type` (65536 entries for half, 256 otherwise). */
export function valueTable(type: TableType): Float32Array {
  return tables(type).values;
}

/** float32 bits of every code of `type`; NaN codes give a quiet NaN with the code's sign. */
export function bitsTable(type: TableType): Uint32Array {
  return tables(type).bits;
}

function tables(type: TableType): Tables {
  let t = cache.get(type);
  if (!t) {
    t = buildTables(type);
    cache.set(type, t);
  }
  return t;
}

function buildTables(type: TableType): Tables {
  const size = type === 'half_type' ? 65536 : 256;
  const signBit = type === 'half_type' ? 0x8000 : 0x80;
  // e8m0 has no sign. The fnuz NaN code 0x80 has its sign bit set and decodes to −NaN, as ONNX's
  // reference does (test_cast_FLOAT8E4M3FNUZ_to_FLOAT16 expects 0xFE00).
  const signedNaN = type !== 'fp8e8m0_type';
  const values = new Float32Array(size);
  const bits = new Uint32Array(size);
  for (let code = 0; code < size; code++) {
    const v = decodeCode(type, code);
    values[code] = v;
    if (Number.isNaN(v)) bits[code] = (signedNaN && code & signBit ? 0x80000000 : 0) | 0x7fc00000;
    else bits[code] = float32Bits(v);
  }
  return { values, bits };
}

function decodeCode(type: TableType, code: number): number {
  switch (type) {
    case 'half_type':
      return halfToFloat(code);
    case 'fp8e4m3fn_type':
      return fp8ToFloat(code, 'e4m3fn' satisfies Fp8Format);
    case 'fp8e4m3fnuz_type':
      return fp8ToFloat(code, 'e4m3fnuz');
    case 'fp8e5m2_type':
      return fp8ToFloat(code, 'e5m2');
    case 'fp8e5m2fnuz_type':
      return fp8ToFloat(code, 'e5m2fnuz');
    case 'fp4e2m1_type':
      return fp4ToFloat(code & 0xf);
    case 'fp8e8m0_type':
      return e8m0ToFloat(code);
    default:
      return type satisfies never;
  }
}
