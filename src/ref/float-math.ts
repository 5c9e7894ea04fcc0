// Scalar math the JS Math object lacks, in float64 (callers round the result to their type once):
// erf to about 1e-14 relative, round-half-to-even (C nearbyint under FE_TONEAREST), Python-style mod,
// and pow with C's special cases.

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** The error function. Taylor series below 2.5, the erfc continued fraction from 2.5 to 6, 1 beyond. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  let r: number;
  if (a < 2.5) r = erfSeries(a);
  else if (a < 6) r = 1 - erfcContinuedFraction(a);
  else r = 1; // erfc(6) ≈ 2e-17, below double precision next to 1
  return x < 0 ? -r : r;
}

/** erf(x) = 2/√π · Σ (−1)^n x^(2n+1) / (n!·(2n+1)); below 2.5 the terms cancel away under 2 digits. */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= -x2 / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) <= 1e-17 * Math.abs(sum)) break;
  }
  return sum * TWO_OVER_SQRT_PI;
}

/** erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated from the tail (x ≥ 2.5). */
function erfcContinuedFraction(x: number): number {
  let f = x;
  for (let n = 60; n >= 1; n--) f = x + n / 2 / f;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** Rounds to the nearest integer, ties to even, keeping the sign of zero (C `nearbyint`). */
export function roundHalfToEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const r = Math.round(x); // ties go toward +∞ here
  if (Math.abs(x % 1) !== 0.5) return r;
  return 2 * Math.round(x / 2);
}

/** ONNX Mod with fmod=0: the remainder takes the divisor's sign (Python `%`). */
export function floorMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

/** C `pow`: unlike Math.pow, 1^y = 1 for every y and (−1)^±∞ = 1. */
export function powC(a: number, b: number): number {
  if (a === 1) return 1;
  if (a === -1 && !Number.isFinite(b) && !Number.isNaN(b)) return 1;
  return Math.pow(a, b);
}
