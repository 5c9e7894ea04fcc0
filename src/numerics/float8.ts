// The four float8 formats of ONNX / OCP: encode from float32 bits with round-to-nearest-even and
// optional saturation, and exact decode. One table describes each format; the tests check every code
// and every fp16 value against an independent bit-level reference (test/numerics/).
//   e4m3fn   bias 7,  max 448,   NaN S.1111.111, no inf, ±0
//   e4m3fnuz bias 8,  max 240,   NaN 0x80 only, no inf, no -0
//   e5m2     bias 15, max 57344, inf S.11111.00, NaN S.11111.{01,10,11}
//   e5m2fnuz bias 16, max 57344, NaN 0x80 only, no inf, no -0

import { bitsToFloat32 } from './float16.js';

export type Fp8Format = 'e4m3fn' | 'e4m3fnuz' | 'e5m2' | 'e5m2fnuz';

interface Spec {
  readonly ebits: number;
  readonly mbits: number;
  readonly bias: number;
  /** Code of the largest finite value (sign bit clear). */
  readonly maxCode: number;
  /** 'fn': NaN is all ones; 'fnuz': NaN is 0x80, no -0; 'ieee': inf and NaN as IEEE. */
  readonly kind: 'fn' | 'fnuz' | 'ieee';
}

const SPECS: Record<Fp8Format, Spec> = {
  e4m3fn: { ebits: 4, mbits: 3, bias: 7, maxCode: 0x7e, kind: 'fn' },
  e4m3fnuz: { ebits: 4, mbits: 3, bias: 8, maxCode: 0x7f, kind: 'fnuz' },
  e5m2: { ebits: 5, mbits: 2, bias: 15, maxCode: 0x7b, kind: 'ieee' },
  e5m2fnuz: { ebits: 5, mbits: 2, bias: 16, maxCode: 0x7f, kind: 'fnuz' },
};

/** Largest finite value of a format (448, 240, 57344, 57344). */
export function fp8Max(fmt: Fp8Format): number {
  return fp8ToFloat(SPECS[fmt].maxCode, fmt);
}

/** Decodes an 8-bit code to its exact value (NaN for NaN codes, ±Infinity for e5m2's infinities). */
export function fp8ToFloat(code: number, fmt: Fp8Format): number {
  const s = SPECS[fmt];
  code &= 0xff;
  const neg = (code & 0x80) !== 0;
  const mag = code & 0x7f;
  if (s.kind === 'fnuz') {
    if (code === 0x80) return NaN;
  } else if (s.kind === 'fn') {
    if (mag === 0x7f) return NaN;
  } else {
    const expAll = ((1 << s.ebits) - 1) << s.mbits;
    if ((mag & expAll) === expAll) return (mag & ((1 << s.mbits) - 1)) === 0 ? (neg ? -Infinity : Infinity) : NaN;
  }
  const e = mag >> s.mbits;
  const m = mag & ((1 << s.mbits) - 1);
  const v = e === 0 ? m * 2 ** (1 - s.bias - s.mbits) : (1 + m / (1 << s.mbits)) * 2 ** (e - s.bias);
  return neg ? -v : v;
}

/**
 * Encodes a float32 (given as its bits, so NaN and -0 keep their sign) to a float8 code.
 * saturate: out-of-range values and ±Inf clamp to ±max (the ONNX default; ±Inf → ±max for all four
 * formats, as the ONNX reference and node tests do). Without it they become NaN (inf for e5m2).
 */
export function fp8FromF32Bits(bits: number, fmt: Fp8Format, saturate: boolean): number {
  const s = SPECS[fmt];
  bits >>>= 0;
  const sign = bits >>> 31 ? 0x80 : 0;
  const a = bits & 0x7fffffff;
  const nan = s.kind === 'fnuz' ? 0x80 : sign | 0x7f;
  const overflow = saturate ? sign | s.maxCode : s.kind === 'ieee' ? sign | 0x7c : nan;
  if (a > 0x7f800000) return nan;
  if (a === 0x7f800000) return overflow;
  const x = bitsToFloat32(a);
  const signOf = (code: number) => (code === 0 && s.kind === 'fnuz' ? 0 : sign | code);
  const emin = 1 - s.bias;
  let code: number;
  if (x < 2 ** emin) {
    // Subnormal grid (quantum 2^(emin-mbits)); a result of 1<<mbits is the smallest normal's code.
    code = rne(x * 2 ** (s.mbits - emin));
  } else {
    let e = ((a >>> 23) & 0xff) - 127; // x is a normal float32 here (every format's emin > -126)
    let m = rne((x / 2 ** e - 1) * (1 << s.mbits));
    if (m === 1 << s.mbits) {
      m = 0;
      e += 1;
    }
    const E = e + s.bias;
    if (E >= 1 << s.ebits) return overflow;
    code = (E << s.mbits) | m;
  }
  if (code > s.maxCode) return overflow;
  return signOf(code);
}

/** Round half to even for non-negative values. */
function rne(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}
