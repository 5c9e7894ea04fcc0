// A plain-loop attention for checking the attention lowerings numerically: softmax(scale·q·kᵀ + bias)·v
// per batch and head, with GQA head sharing, an optional tanh soft cap and a bias/mask callback.
// Deliberately naive (float64, no IR) so it is independent of the code under test.

export interface AttentionCase {
  /** [B, H, S, D] row-major */
  q: number[];
  k: number[];
  v: number[];
  batch: number;
  heads: number;
  kvHeads: number;
  rows: number;
  keys: number;
  headSize: number;
  valueSize: number;
  scale: number;
  softcap?: number;
  /** Added to the score of (b, h, i, j); −Infinity hides the key. */
  bias?: (b: number, h: number, i: number, j: number) => number;
}

/** [B, H, S, Dv] */
export function referenceAttention(c: AttentionCase): number[] {
  const out: number[] = [];
  const group = c.heads / c.kvHeads;
  for (let b = 0; b < c.batch; b++) {
    for (let h = 0; h < c.heads; h++) {
      const kh = Math.floor(h / group);
      for (let i = 0; i < c.rows; i++) {
        const scores: number[] = [];
        for (let j = 0; j < c.keys; j++) {
          let s = 0;
          for (let d = 0; d < c.headSize; d++) {
            s += c.q[((b * c.heads + h) * c.rows + i) * c.headSize + d]! * c.k[((b * c.kvHeads + kh) * c.keys + j) * c.headSize + d]!;
          }
          s *= c.scale;
          if (c.softcap) s = c.softcap * Math.tanh(s / c.softcap);
          scores.push(s + (c.bias ? c.bias(b, h, i, j) : 0));
        }
        const max = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - max));
        const sum = e.reduce((a, x) => a + x, 0);
        for (let d = 0; d < c.valueSize; d++) {
          let y = 0;
          for (let j = 0; j < c.keys; j++) y += (e[j]! / sum) * c.v[((b * c.kvHeads + kh) * c.keys + j) * c.valueSize + d]!;
          out.push(y);
        }
      }
    }
  }
  return out;
}

/** Deterministic values in [-1, 1). */
export function pseudoRandom(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.round((s / 2 ** 32) * 2000 - 1000) / 1000;
  });
}

/** [B, S, H·D] → [B, H, S, D] */
export function toHeads(x: readonly number[], batch: number, rows: number, heads: number, size: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < batch; b++) for (let h = 0; h < heads; h++) for (let i = 0; i < rows; i++) for (let d = 0; d < size; d++) out.push(x[(b * rows + i) * heads * size + h * size + d]!);
  return out;
}

/** [B, H, S, D] → [B, S, H·D] */
export function fromHeads(x: readonly number[], batch: number, rows: number, heads: number, size: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < batch; b++) for (let i = 0; i < rows; i++) for (let h = 0; h < heads; h++) for (let d = 0; d < size; d++) out.push(x[((b * heads + h) * rows + i) * size + d]!);
  return out;
}

export function assertClose(actual: readonly number[], expected: readonly number[], tol = 1e-4): void {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length}, expected ${expected.length}`);
  actual.forEach((a, i) => {
    const e = expected[i]!;
    if (!(Math.abs(a - e) <= tol * (1 + Math.abs(e)))) throw new Error(`element ${i}: ${a}, expected ${e}`);
  });
}
