// Element types of the IR, spelled as MIGraphX prints them (`half_type`, `fp8e4m3fn_type`, …).
// Ids 0–18 are MIGraphX's enum order (they matter: `convert[target_type=1]` means half). Ids 19+ are
// ours, for ONNX types MIGraphX has no name for (int4, int2, fp4e2m1, e8m0); see docs/ir.md.
// NOTE: sub-byte types are held unpacked, one element per byte, in memory and in `bytes()`.

export const ELEMENT_TYPES = [
  'bool_type',
  'half_type',
  'float_type',
  'double_type',
  'uint8_type',
  'int8_type',
  'uint16_type',
  'int16_type',
  'int32_type',
  'int64_type',
  'uint32_type',
  'uint64_type',
  'fp8e4m3fnuz_type',
  'fp8e4m3fn_type',
  'fp8e5m2_type',
  'bf16_type',
  'fp8e5m2fnuz_type',
  'tuple_type',
  'fp4x2_type',
  'int4_type',
  'uint4_type',
  'int2_type',
  'uint2_type',
  'fp4e2m1_type',
  'fp8e8m0_type',
] as const;

export type ElementType = (typeof ELEMENT_TYPES)[number];

/** The integer MIGraphX prints for an enum-valued attribute such as `convert[target_type=…]`. */
export function typeId(t: ElementType): number {
  return ELEMENT_TYPES.indexOf(t);
}

export function typeFromId(id: number): ElementType {
  const t = ELEMENT_TYPES[id];
  if (t === undefined) throw new Error(`unknown element type id ${id}`);
  return t;
}

export function isElementType(s: string): s is ElementType {
  return (ELEMENT_TYPES as readonly string[]).includes(s);
}

/** Bytes per element as stored by this project (sub-byte types unpacked: 1 byte). */
export function typeSize(t: ElementType): number {
  switch (t) {
    case 'bool_type':
    case 'uint8_type':
    case 'int8_type':
    case 'fp8e4m3fnuz_type':
    case 'fp8e4m3fn_type':
    case 'fp8e5m2_type':
    case 'fp8e5m2fnuz_type':
    case 'fp4x2_type':
    case 'int4_type':
    case 'uint4_type':
    case 'int2_type':
    case 'uint2_type':
    case 'fp4e2m1_type':
    case 'fp8e8m0_type':
      return 1;
    case 'half_type':
    case 'bf16_type':
    case 'uint16_type':
    case 'int16_type':
      return 2;
    case 'float_type':
    case 'int32_type':
    case 'uint32_type':
      return 4;
    case 'double_type':
    case 'int64_type':
    case 'uint64_type':
      return 8;
    case 'tuple_type':
      return 0;
    default:
      return t satisfies never;
  }
}

/** Floating types ordinary arithmetic runs on (fp8/fp4/e8m0 are storage formats: convert first). */
export function isFloatType(t: ElementType): boolean {
  return t === 'half_type' || t === 'float_type' || t === 'double_type' || t === 'bf16_type';
}

export function isFp8Type(t: ElementType): boolean {
  return t === 'fp8e4m3fn_type' || t === 'fp8e4m3fnuz_type' || t === 'fp8e5m2_type' || t === 'fp8e5m2fnuz_type';
}

/** Low-precision float storage formats: fp8 (4), fp4e2m1, e8m0. */
export function isLowPrecisionFloat(t: ElementType): boolean {
  return isFp8Type(t) || t === 'fp4e2m1_type' || t === 'fp8e8m0_type';
}

export function isIntegerType(t: ElementType): boolean {
  switch (t) {
    case 'uint8_type':
    case 'int8_type':
    case 'uint16_type':
    case 'int16_type':
    case 'int32_type':
    case 'int64_type':
    case 'uint32_type':
    case 'uint64_type':
    case 'int4_type':
    case 'uint4_type':
    case 'int2_type':
    case 'uint2_type':
      return true;
    default:
      return false;
  }
}

export function isSignedInteger(t: ElementType): boolean {
  return t === 'int8_type' || t === 'int16_type' || t === 'int32_type' || t === 'int64_type' || t === 'int4_type' || t === 'int2_type';
}

/** Inclusive value range of an integer type (as JS numbers; 64-bit ends are approximate). */
export function integerRange(t: ElementType): [number, number] {
  switch (t) {
    case 'uint8_type':
      return [0, 255];
    case 'int8_type':
      return [-128, 127];
    case 'uint16_type':
      return [0, 65535];
    case 'int16_type':
      return [-32768, 32767];
    case 'int32_type':
      return [-2147483648, 2147483647];
    case 'uint32_type':
      return [0, 4294967295];
    case 'int64_type':
      return [-9223372036854775808, 9223372036854775807];
    case 'uint64_type':
      return [0, 18446744073709551615];
    case 'int4_type':
      return [-8, 7];
    case 'uint4_type':
      return [0, 15];
    case 'int2_type':
      return [-2, 1];
    case 'uint2_type':
      return [0, 3];
    case 'bool_type':
      return [0, 1];
    default:
      throw new Error(`${t} is not an integer type`);
  }
}
