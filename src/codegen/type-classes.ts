// How the kernels treat each IR element type: which working domain computes on it, and whether it
// only moves as bits. Types WGSL has no arithmetic for (int64, uint64, double) are moved (views,
// copies, concat, gather, where) but not computed on; see docs/webgpu.md.

import { typeSize, type ElementType } from '../ir/types.js';

export type ComputeDomain = 'f32' | 'i32' | 'u32' | 'wide' | 'none';

export function computeDomain(t: ElementType): ComputeDomain {
  switch (t) {
    case 'float_type':
    case 'half_type':
    case 'bf16_type':
    case 'fp8e4m3fn_type':
    case 'fp8e4m3fnuz_type':
    case 'fp8e5m2_type':
    case 'fp8e5m2fnuz_type':
    case 'fp4e2m1_type':
    case 'fp8e8m0_type':
      return 'f32';
    case 'bool_type':
    case 'int8_type':
    case 'uint8_type':
    case 'int16_type':
    case 'uint16_type':
    case 'int32_type':
    case 'int4_type':
    case 'uint4_type':
    case 'int2_type':
    case 'uint2_type':
      return 'i32';
    case 'uint32_type':
      return 'u32';
    case 'int64_type':
    case 'uint64_type':
    case 'double_type':
      return 'wide';
    case 'tuple_type':
    case 'fp4x2_type':
      return 'none';
    default:
      return t satisfies never;
  }
}

/** Bytes an element occupies in a GPU buffer (the IR's storage size: 1, 2, 4 or 8), or 0 for none. */
export function elementBytes(t: ElementType): number {
  return computeDomain(t) === 'none' ? 0 : typeSize(t);
}

/** The 32-bit type a reduction or GEMM writes before a convert narrows it to `t`. */
export function workType(t: ElementType): ElementType {
  const d = computeDomain(t);
  return d === 'f32' ? 'float_type' : d === 'u32' ? 'uint32_type' : 'int32_type';
}
