// The four float8 formats of ONNX / OCP: encode from float32 bits with round-to-nearest-even and
// optional saturation (integer operations on the bits, no allocation), and exact decode (a 256-entry
// table per format). The tests check every code and millions of inputs against an independent
// bit-level reference (test/numerics/reference.ts); docs/numerics.md records the edge-case choices.
//   e4m3fn   bias 7,  max 448,   NaN S.1111.111, no inf, ±0
//   e4m3fnuz bias 8,  max 240,   NaN 0x80 only, no inf, no -0
//   e5m2     bias 15, max 57344, inf S.11111.00, NaN S.11111.{01,10,11}
//   e5m2fnuz bias 16, max 57344, NaN 0x80 only, no inf, no -0

import { shiftRightRoundEven } from './float16.js';

export type Fp8Format = 'e4m3fn' | 'e4m3fnuz' | 'e5m2' | 'e5m2fnuz';

interface Spec {
  readonly ebits: number;
  readonly mbits: number;
  readonly bias: number;
  /** Code of the largest finite value (sign bit clear). */
  readonly maxCode: number;
  /** 'fn': NaN is S.1111.111; 'fnuz': NaN is 0x80, no -0; 'ieee': inf and NaN as IEEE. */
  readonly kind: 'fn' | 'fnuz' | 'ieee';
}

const SPECS: Record<Fp8Format, Spec> = {
  e4m3fn: { ebits: 4, mbits: 3, bias: 7, maxCode: 0x7e, kind: 'fn' },
  e4m3fnuz: { ebits: 4, mbits: 3, bias: 8, maxCode: 0x7f, kind: 'fnuz' },
  e5m2: { ebits: 5, mbits: 2, bias: 15, maxCode: 0x7b, kind: 'ieee' },
  e5m2fnuz: { ebits: 5, mbits: 2, bias: 16, maxCode: 0x7f, kind: 'fnuz' },
};

/** Everything the encoder needs, derived once per format from its Spec. */
interface Encoder {
  readonly maxCode: number;
  readonly kind: Spec['kind'];
  /** Mantissa bits dropped from a float32 (23 - mbits) and the round-to-nearest bias for them. */
  readonly shift: number;
  readonly roundBias: number;
  /** (127 - bias) << mbits: turns a shifted float32 pattern into the fp8 code. */
  readonly rebias: number;
  /** Float32 bits of the smallest normal value of the format. */
  readonly minNormalF32: number;
  /** Float32 bits of 2^(emax+1): every magnitude from here on overflows. */
  readonly overflowF32: number;
  /** Float32 bits of half the smallest subnormal: magnitudes at or below it round to zero. */
  readonly roundsToZeroF32: number;
  /** 151 - bias - mbits: the subnormal code of float32 exponent e is significand >> (this - e). */
  readonly subnormalShiftBase: number;
}

function encoderOf(s: Spec): Encoder {
  const shift = 23 - s.mbits;
  const emax = (s.maxCode >> s.mbits) - s.bias;
  return {
    maxCode: s.maxCode,
    kind: s.kind,
    shift,
    roundBias: (1 << (shift - 1)) - 1,
    rebias: (127 - s.bias) << s.mbits,
    minNormalF32: (127 + 1 - s.bias) << 23,
    overflowF32: (127 + emax + 1) << 23,
    roundsToZeroF32: (127 + 1 - s.bias - s.mbits - 1) << 23,
    subnormalShiftBase: 151 - s.bias - s.mbits,
  };
}

const ENCODERS: Record<Fp8Format, Encoder> = {
  e4m3fn: encoderOf(SPECS.e4m3fn),
  e4m3fnuz: encoderOf(SPECS.e4m3fnuz),
  e5m2: encoderOf(SPECS.e5m2),
  e5m2fnuz: encoderOf(SPECS.e5m2fnuz),
};

/** The value of a code from the format's definition (used once, to fill the decode tables). */
function valueOfCode(code: number, s: Spec): number {
  const neg = (code & 0x80) !== 0;
  const mag = code & 0x7f;
  if (s.kind === 'fnuz') {
    if (code === 0x80) return NaN;
  } else if (s.kind === 'fn') {
    if (mag === 0x7f) return NaN;
  } else {
    const expAll = ((1 << s.ebits) - 1) << s.mbits;
    if ((mag & expAll) === expAll) {
      if ((mag & ((1 << s.mbits) - 1)) !== 0) return NaN;
      return neg ? -Infinity : Infinity;
    }
  }
  const e = mag >> s.mbits;
  const m = mag & ((1 << s.mbits) - 1);
  const v = e === 0 ? m * 2 ** (1 - s.bias - s.mbits) : (1 + m / (1 << s.mbits)) * 2 ** (e - s.bias);
  return neg ? -v : v;
}

function decodeTable(s: Spec): Float64Array {
  const table = new Float64Array(256);
  for (let code = 0; code < 256; code++) table[code] = valueOfCode(code, s);
  return table;
}

const DECODE: Record<Fp8Format, Float64Array> = {
  e4m3fn: decodeTable(SPECS.e4m3fn),
  e4m3fnuz: decodeTable(SPECS.e4m3fnuz),
  e5m2: decodeTable(SPECS.e5m2),
  e5m2fnuz: decodeTable(SPECS.e5m2fnuz),
};

/** Largest finite value of a format (448, 240, 57344, 57344). */
export function fp8Max(fmt: Fp8Format): number {
  return DECODE[fmt][SPECS[fmt].maxCode]!;
}

/** Decodes an 8-bit code to its exact value (NaN for NaN codes, ±Infinity for e5m2's infinities). */
export function fp8ToFloat(code: number, fmt: Fp8Format): number {
  return DECODE[fmt][code & 0xff]!;
}

/** The NaN code an input NaN becomes: sign kept in e4m3fn (S.1111.111) and e5m2 (S.11111.10). */
function nanCode(enc: Encoder, sign: number): number {
  switch (enc.kind) {
    case 'fn':
      return sign | 0x7f;
    case 'ieee':
      return sign | 0x7e;
    case 'fnuz':
      return 0x80;
    default:
      return enc.kind satisfies never;
  }
}

/** What ±Inf and values rounding past the largest finite become without saturation. */
function overflowCode(enc: Encoder, sign: number): number {
  switch (enc.kind) {
    case 'fn':
      return sign | 0x7f;
    case 'ieee':
      return sign | 0x7c;
    case 'fnuz':
      return 0x80;
    default:
      return enc.kind satisfies never;
  }
}

/**
 * Encodes a float32 (given as its bits, so NaN and -0 keep their sign) to a float8 code, rounding to
 * nearest even.
 * saturate: values that round past ±max, and ±Inf, clamp to ±max in all four formats (the ONNX
 * default; the node tests clamp ±Inf for the fnuz formats too). Without it they become NaN
 * (e4m3fn: S.1111.111, fnuz: 0x80) or ±Inf (e5m2). NaN stays NaN; fnuz has no -0, so tiny negatives
 * and -0 become 0x00. NOTE: docs/numerics.md lists where ORT and older ONNX differ.
 */
export function fp8FromF32Bits(bits: number, fmt: Fp8Format, saturate: boolean): number {
  const enc = ENCODERS[fmt];
  const sign = (bits >>> 24) & 0x80;
  const a = bits & 0x7fffffff;
  if (a > 0x7f800000) return nanCode(enc, sign);
  const overflow = saturate ? sign | enc.maxCode : overflowCode(enc, sign);
  if (a >= enc.overflowF32) return overflow;
  let code: number;
  if (a >= enc.minNormalF32) {
    // Round the mantissa on the whole pattern (a carry moves into the exponent), then rebias.
    code = ((a + enc.roundBias + ((a >>> enc.shift) & 1)) >>> enc.shift) - enc.rebias;
    if (code > enc.maxCode) return overflow;
  } else if (a > enc.roundsToZeroF32) {
    // Subnormal: the float32 significand in units of the smallest subnormal; rounding up to
    // 1 << mbits gives the smallest normal's code.
    const significand = (a & 0x7fffff) | 0x800000;
    code = shiftRightRoundEven(significand, enc.subnormalShiftBase - (a >>> 23));
  } else {
    code = 0;
  }
  if (code === 0 && enc.kind === 'fnuz') return 0;
  return sign | code;
}
