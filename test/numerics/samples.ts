// Seeded input sets for the numerics sweeps: uniform float32 bit patterns, and samples biased toward
// where a format's rounding can go wrong (every code, every tie and its float32 neighbours, the
// overflow midpoint, subnormals, ±0, ±Inf, NaNs of both signs). Deterministic, so a failure reproduces.

import { type FormatTable, f32BitsOf } from './reference.js';

/** mulberry32: a small, well-mixed 32-bit generator; enough for test inputs. */
export function makeRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** `count` float32 bit patterns drawn uniformly from all 2^32. */
export function uniformF32Bits(count: number, seed: number): Uint32Array {
  const next = makeRandom(seed);
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) out[i] = next();
  return out;
}

/** Float32 bit patterns that matter for every format: ±0, ±Inf, NaNs, float32 subnormals and extremes. */
export function specialF32Bits(seed: number): number[] {
  const next = makeRandom(seed);
  const out = [0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7f800001, 0xff800001];
  out.push(0x7fffffff, 0xffffffff, 0x00000001, 0x80000001, 0x007fffff, 0x807fffff, 0x00800000, 0x7f7fffff);
  for (let i = 0; i < 200; i++) {
    const sign = (i & 1) << 31;
    out.push((sign | 0x7f800001 | (next() & 0x7fffff)) >>> 0); // NaN payloads
    out.push((sign | (next() & 0x7fffff)) >>> 0); // float32 subnormals
  }
  return out;
}

/**
 * Samples around a format's grid: each finite value and its float32 neighbours, each midpoint between
 * consecutive values (the ties) and its neighbours, the same past the max (the overflow midpoint),
 * both signs; then `randomCount` patterns uniform over [0, 4·max] in bit space, which covers the
 * format's subnormals and every binade evenly.
 */
export function gridF32Bits(t: FormatTable, randomCount: number, seed: number): Uint32Array {
  const next = makeRandom(seed);
  const max = t.values[t.maxCode]!;
  const beyond = max + (max - t.values[t.maxCode - 1]!);
  const points: number[] = [];
  for (let code = 0; code <= t.maxCode; code++) points.push(t.values[code]!);
  points.push(beyond, 2 * beyond);
  const anchors: number[] = [];
  for (let i = 0; i < points.length; i++) {
    anchors.push(points[i]!);
    if (i + 1 < points.length) anchors.push((points[i]! + points[i + 1]!) / 2);
  }
  const out: number[] = [];
  for (const anchor of anchors) {
    if (Math.fround(anchor) !== anchor) continue; // past float32's range (bf16's overflow point)
    const bits = f32BitsOf(anchor);
    for (const neighbour of [bits - 1, bits, bits + 1]) {
      if (neighbour < 0) continue;
      out.push(neighbour >>> 0, (neighbour | 0x80000000) >>> 0);
    }
  }
  const top = Math.fround(4 * max) === 4 * max ? f32BitsOf(4 * max) : 0x7f800000;
  for (let i = 0; i < randomCount; i++) {
    const magnitude = next() % (top + 1);
    out.push(((next() & 0x80000000) | magnitude) >>> 0);
  }
  return Uint32Array.from(out);
}

/** The 65,536 half values as exact float32 bit patterns (NaNs become quiet NaNs with their sign). */
export function allHalvesAsF32Bits(halfValues: readonly number[]): Uint32Array {
  const out = new Uint32Array(65536);
  for (let h = 0; h < 65536; h++) out[h] = f32BitsOf(halfValues[h]!, h >= 0x8000);
  return out;
}

/**
 * Doubles (not float32s) around a format's ties: each sample is a midpoint between two neighbouring
 * grid points nudged by a tiny fraction of the gap (2^-14 … 2^-45 of it, either way), or exactly the
 * midpoint, or a random point of the gap with a full 52-bit mantissa; random sign. Rounding these
 * through float32 first would land many of them exactly on the tie, so they catch double rounding.
 */
export function doublesNearTies(t: FormatTable, count: number, seed: number): Float64Array {
  const next = makeRandom(seed);
  const out = new Float64Array(count);
  const gaps = t.grid.length - 1;
  for (let i = 0; i < count; i++) {
    const index = next() % gaps;
    const lo = t.grid[index]!;
    const hi = t.grid[index + 1]!;
    const mid = (lo + hi) / 2;
    let x: number;
    switch (next() % 3) {
      case 0:
        x = mid + (hi - lo) * 2 ** -(14 + (next() % 32)) * (next() & 1 ? 1 : -1);
        break;
      case 1:
        x = mid;
        break;
      default:
        x = lo + (hi - lo) * ((next() * 2 ** 21 + (next() >>> 11)) * 2 ** -53);
    }
    out[i] = next() & 1 ? -x : x;
  }
  return out;
}
