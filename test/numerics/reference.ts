// Independent bit-level reference for the low-precision formats, written to be obviously correct, not
// fast. Shares no code with src/numerics: each format's code → value table is built from its
// definition (sign / exponent / mantissa fields, bias, which codes are NaN or Inf), and encoding is an
// exact search for the two neighbouring representable values (every value and midpoint involved is
// exact in a double), nearest wins, ties go to the even code, then the overflow rules apply.
// The ONNX-specific choices it encodes (saturation, NaN codes, e8m0 rounding) are in docs/numerics.md.

/** How a format spends its special codes. */
export type Specials =
  | 'ieee' // all-ones exponent: mantissa 0 is ±Inf, anything else NaN (fp16, bf16, e5m2)
  | 'fn' // no Inf; only S.1111.111 is NaN (e4m3fn)
  | 'fnuz' // no Inf, no -0; the code 1000_0000 is the only NaN (e4m3fnuz, e5m2fnuz)
  | 'none'; // no Inf, no NaN (e2m1)

export interface FormatDef {
  readonly name: string;
  readonly exponentBits: number;
  readonly mantissaBits: number;
  readonly bias: number;
  readonly specials: Specials;
}

export const FORMATS = {
  e4m3fn: { name: 'e4m3fn', exponentBits: 4, mantissaBits: 3, bias: 7, specials: 'fn' },
  e4m3fnuz: { name: 'e4m3fnuz', exponentBits: 4, mantissaBits: 3, bias: 8, specials: 'fnuz' },
  e5m2: { name: 'e5m2', exponentBits: 5, mantissaBits: 2, bias: 15, specials: 'ieee' },
  e5m2fnuz: { name: 'e5m2fnuz', exponentBits: 5, mantissaBits: 2, bias: 16, specials: 'fnuz' },
  e2m1: { name: 'e2m1', exponentBits: 2, mantissaBits: 1, bias: 1, specials: 'none' },
  half: { name: 'half', exponentBits: 5, mantissaBits: 10, bias: 15, specials: 'ieee' },
  bf16: { name: 'bf16', exponentBits: 8, mantissaBits: 7, bias: 127, specials: 'ieee' },
} as const satisfies Record<string, FormatDef>;

export interface FormatTable {
  readonly def: FormatDef;
  /** Number of codes (2^(1 + exponentBits + mantissaBits)). */
  readonly size: number;
  readonly signBit: number;
  /** Exact value of every code; NaN for NaN codes. */
  readonly values: readonly number[];
  /** Largest finite positive code; the positive finite codes are exactly 0..maxCode, ascending. */
  readonly maxCode: number;
  /**
   * The rounding grid: grid[i] is the value of code i for i <= maxCode, and grid[maxCode + 1] is one
   * ulp past the max, the point where the unbounded format would continue (landing there = overflow).
   */
  readonly grid: Float64Array;
}

/** Value of one code, straight from the field definitions. */
function valueFromFields(def: FormatDef, code: number): number {
  const mantissaCount = 2 ** def.mantissaBits;
  const exponentCount = 2 ** def.exponentBits;
  const signBit = mantissaCount * exponentCount;
  const negative = code >= signBit;
  const magnitudeCode = negative ? code - signBit : code;
  const exponentField = Math.floor(magnitudeCode / mantissaCount);
  const mantissaField = magnitudeCode % mantissaCount;
  const allOnesExponent = exponentField === exponentCount - 1;
  switch (def.specials) {
    case 'ieee':
      if (allOnesExponent && mantissaField === 0) return negative ? -Infinity : Infinity;
      if (allOnesExponent) return NaN;
      break;
    case 'fn':
      if (allOnesExponent && mantissaField === mantissaCount - 1) return NaN;
      break;
    case 'fnuz':
      if (negative && magnitudeCode === 0) return NaN;
      break;
    case 'none':
      break;
    default:
      return def.specials satisfies never;
  }
  const magnitude =
    exponentField === 0
      ? (mantissaField / mantissaCount) * Math.pow(2, 1 - def.bias)
      : (1 + mantissaField / mantissaCount) * Math.pow(2, exponentField - def.bias);
  return negative ? -magnitude : magnitude;
}

export function buildTable(def: FormatDef): FormatTable {
  const signBit = 2 ** (def.exponentBits + def.mantissaBits);
  const size = 2 * signBit;
  const values: number[] = [];
  for (let code = 0; code < size; code++) values.push(valueFromFields(def, code));
  let maxCode = 0;
  while (maxCode + 1 < signBit && Number.isFinite(values[maxCode + 1]!)) maxCode++;
  // The search below relies on this: positive finite codes in order are the values in order.
  for (let code = 1; code <= maxCode; code++) {
    if (!(values[code]! > values[code - 1]!)) throw new Error(`${def.name}: values not ascending at ${code}`);
  }
  for (let code = maxCode + 1; code < signBit; code++) {
    if (Number.isFinite(values[code]!)) throw new Error(`${def.name}: finite code ${code} above the max`);
  }
  const grid = new Float64Array(maxCode + 2);
  for (let code = 0; code <= maxCode; code++) grid[code] = values[code]!;
  grid[maxCode + 1] = values[maxCode]! + (values[maxCode]! - values[maxCode - 1]!);
  return { def, size, signBit, values, maxCode, grid };
}

export const TABLES = {
  e4m3fn: buildTable(FORMATS.e4m3fn),
  e4m3fnuz: buildTable(FORMATS.e4m3fnuz),
  e5m2: buildTable(FORMATS.e5m2),
  e5m2fnuz: buildTable(FORMATS.e5m2fnuz),
  e2m1: buildTable(FORMATS.e2m1),
  half: buildTable(FORMATS.half),
  bf16: buildTable(FORMATS.bf16),
};

export type Fp8Name = 'e4m3fn' | 'e4m3fnuz' | 'e5m2' | 'e5m2fnuz';
export const FP8_NAMES: readonly Fp8Name[] = ['e4m3fn', 'e4m3fnuz', 'e5m2', 'e5m2fnuz'];

/** The code a NaN input becomes. */
function nanCode(t: FormatTable, negative: boolean): number {
  const sign = negative ? t.signBit : 0;
  const mantissaCount = 2 ** t.def.mantissaBits;
  switch (t.def.specials) {
    case 'ieee':
      // all-ones exponent with only the top mantissa bit set: the quiet NaN numpy/ml_dtypes produce
      return sign + (t.signBit - mantissaCount) + mantissaCount / 2;
    case 'fn':
      return sign + t.signBit - 1;
    case 'fnuz':
      return t.signBit;
    case 'none':
      // ml_dtypes (which generated the ONNX node tests) maps NaN to its "NaN" 1.00.0 and negates it
      return negative ? 0 : t.signBit;
    default:
      return t.def.specials satisfies never;
  }
}

/** The code ±Inf and values rounding past the largest finite become without saturation. */
function overflowCode(t: FormatTable, negative: boolean): number {
  const sign = negative ? t.signBit : 0;
  switch (t.def.specials) {
    case 'ieee':
      return sign + t.maxCode + 1; // the Inf pattern directly follows the largest finite value
    case 'fn':
      return sign + t.signBit - 1;
    case 'fnuz':
      return t.signBit;
    case 'none':
      return sign + t.maxCode; // no Inf and no NaN: always clamps
    default:
      return t.def.specials satisfies never;
  }
}

/** Index of the grid point nearest to `a` (0 <= a), ties to the even index (= even code). */
function nearestGridIndex(t: FormatTable, a: number): number {
  const grid = t.grid;
  const last = grid.length - 1;
  if (a >= grid[last]!) return last;
  // Bisection with the invariant grid[lo] <= a < grid[hi].
  let lo = 0;
  let hi = last;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (grid[mid]! <= a) lo = mid;
    else hi = mid;
  }
  if (a === grid[lo]) return lo;
  const midpoint = (grid[lo]! + grid[hi]!) / 2;
  if (a < midpoint) return lo;
  if (a > midpoint) return hi;
  return lo % 2 === 0 ? lo : hi;
}

/**
 * Encodes the exact value `x` (any double; `negative` carries the sign, which matters for NaN and
 * zero) with ONNX Cast semantics. `saturate` only changes the float8 formats; half and bf16 follow
 * IEEE (overflow → ±Inf) and e2m1 always clamps.
 */
export function refEncode(t: FormatTable, x: number, negative: boolean, saturate: boolean): number {
  const sign = negative ? t.signBit : 0;
  if (Number.isNaN(x)) return nanCode(t, negative);
  // e2m1 always clamps; the float8 formats clamp when saturating; half and bf16 never do.
  const isFloat8 = t.size === 256;
  const clamps = t.def.specials === 'none' || (saturate && isFloat8);
  const overflow = clamps ? sign + t.maxCode : overflowCode(t, negative);
  const a = Math.abs(x);
  if (a === Infinity) return overflow;
  const index = nearestGridIndex(t, a);
  if (index > t.maxCode) return overflow;
  if (index === 0 && t.def.specials === 'fnuz') return 0;
  return sign + index;
}

const scratch = new DataView(new ArrayBuffer(4));

/** Exact value of a float32 bit pattern, read with a DataView (its sign bit is bits >>> 31). */
export function f32ValueOfBits(bits: number): number {
  scratch.setUint32(0, bits >>> 0);
  return scratch.getFloat32(0);
}

/** Float32 bits of a value exactly representable as float32 (NaN → the quiet NaN with `negative`'s sign). */
export function f32BitsOf(value: number, negative = value < 0 || Object.is(value, -0)): number {
  if (Number.isNaN(value)) return (negative ? 0xffc00000 : 0x7fc00000) >>> 0;
  scratch.setFloat32(0, value);
  if (scratch.getFloat32(0) !== value) throw new Error(`${value} is not a float32`);
  return scratch.getUint32(0);
}

/** refEncode for a float32 bit pattern. */
export function refEncodeF32Bits(t: FormatTable, bits: number, saturate: boolean): number {
  return refEncode(t, f32ValueOfBits(bits), bits >>> 31 === 1, saturate);
}

// ---- FLOAT8E8M0: unsigned powers of two 2^(code-127), code 0..254, 0xFF NaN. -------------------

export type RefRoundMode = 'up' | 'down' | 'nearest';

/** 2^k for every k in [-1075, 1024], from Math.pow (exact for base 2): 0 and Infinity at the ends. */
const POWERS_OF_TWO = Float64Array.from({ length: 2100 }, (_, i) => Math.pow(2, i - 1075));
const powerOfTwo = (k: number): number => POWERS_OF_TWO[k + 1075]!;

/** Exact value of every e8m0 code. */
export const E8M0_VALUES: readonly number[] = Array.from({ length: 256 }, (_, code) =>
  code === 255 ? NaN : Math.pow(2, code - 127),
);

/**
 * e8m0 of |x| (the sign is ignored): round to a power of two by `mode` ('nearest': ties, 1.5·2^k, go
 * up), then a power above 2^127 (or Inf) is overflow and one below 2^-127 (or zero) is underflow:
 * saturate → 0xFE / 0x00, otherwise NaN (0xFF). NaN → 0xFF.
 */
export function refEncodeE8m0(x: number, saturate: boolean, mode: RefRoundMode): number {
  if (Number.isNaN(x)) return 0xff;
  const overflow = saturate ? 0xfe : 0xff;
  const underflow = saturate ? 0x00 : 0xff;
  const a = Math.abs(x);
  if (a === Infinity) return overflow;
  if (a === 0) return underflow;
  // The power k with 2^k <= a < 2^(k+1), by bisection: 2^-1075 is 0 and 2^1024 is Infinity, so
  // every positive finite double starts inside [k, hi).
  let k = -1075;
  let hi = 1024;
  while (hi - k > 1) {
    const mid = Math.floor((k + hi) / 2);
    if (powerOfTwo(mid) <= a) k = mid;
    else hi = mid;
  }
  const below = powerOfTwo(k);
  const above = powerOfTwo(k + 1);
  let power: number;
  switch (mode) {
    case 'down':
      power = k;
      break;
    case 'up':
      power = a === below ? k : k + 1;
      break;
    case 'nearest':
      power = a >= (below + above) / 2 ? k + 1 : k;
      break;
    default:
      return mode satisfies never;
  }
  if (power > 127) return overflow;
  if (power < -127) return underflow;
  return power + 127;
}
