// Timing helpers for benchmarks: run a function after warm-ups and report min / median / max in ms.

export interface Timing {
  readonly runs: number;
  readonly minMs: number;
  readonly medianMs: number;
  readonly maxMs: number;
}

export function time(fn: () => void, runs = 10, warmups = 2): Timing {
  for (let i = 0; i < warmups; i++) fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return { runs, minMs: t[0]!, medianMs: t[Math.floor(runs / 2)]!, maxMs: t[runs - 1]! };
}

export const ms = (x: number): string => (x < 10 ? x.toFixed(2) : x.toFixed(1));
