// The `perf` report in migraphx-driver's format (reference/migraphx.md §8; the seed's logs show it):
// each printed instruction with its average time and share, a Summary grouped by kernel symbol, then
// Batch size, Rate, Total time (the interquartile mean) with Min/Max/Mean/Median, percentiles, total
// instructions time and overhead. Pure formatting over measured samples; measuring is the runtime's job.

import { formatG } from '../ir/format.js';

/** Mean of the sorted samples with floor(n/4) dropped at each end (MIGraphX `common_average`). */
export function commonAverage(samples: readonly number[]): number {
  if (samples.length === 0) return 0;
  const v = [...samples].sort((a, b) => a - b);
  const cut = Math.floor(v.length / 4);
  const kept = v.slice(cut, v.length - cut);
  return kept.reduce((a, b) => a + b, 0) / kept.length;
}

export function median(samples: readonly number[]): number {
  const v = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 === 0 ? (v[mid - 1]! + v[mid]!) / 2 : v[mid]!;
}

/** v[floor(p·(n−1))] of the sorted samples (MIGraphX's percentile). */
export function percentile(samples: readonly number[], p: number): number {
  const v = [...samples].sort((a, b) => a - b);
  return v[Math.floor(p * (v.length - 1))]!;
}

export interface TimedInstruction {
  /** The printed line (as `compile` prints it). */
  readonly text: string;
  /** Printed name (`@6`). */
  readonly name: string;
  /** Summary group: `gpu::code_object::<symbol>` for kernels, else the op name (`@param`, `load`, …). */
  readonly group: string;
  /** Time samples in ms; undefined for lines that are not timed (`@return`). */
  readonly samples?: readonly number[];
}

export interface PerfInput {
  readonly instructions: readonly TimedInstruction[];
  /** Whole-program run times, ms. */
  readonly totals: readonly number[];
  /** Host-only walks of the program (no GPU work), ms: the overhead estimate. */
  readonly overheads: readonly number[];
  readonly batch: number;
}

export interface PerfSummary {
  readonly totalTimeMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly meanMs: number;
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly rate: number;
  readonly instructionsTimeMs: number;
  readonly overheadMs: number;
  readonly kernels: readonly { symbol: string; count: number; totalMs: number; percent: number }[];
  readonly instructions: readonly { name: string; text: string; ms: number }[];
}

const pct = (part: number, whole: number) => (whole > 0 ? Math.ceil((100 * part) / whole) : 0);

export function summarize(input: PerfInput): PerfSummary {
  const timed = input.instructions.filter((i) => i.samples !== undefined);
  const averages = timed.map((i) => ({ i, ms: commonAverage(i.samples!) }));
  const instructionsTimeMs = averages.reduce((a, x) => a + x.ms, 0);
  const groups = new Map<string, { totalMs: number; count: number }>();
  for (const { i, ms } of averages) {
    const g = groups.get(i.group) ?? { totalMs: 0, count: 0 };
    g.totalMs += ms;
    g.count++;
    groups.set(i.group, g);
  }
  const kernels = [...groups.entries()]
    .map(([symbol, g]) => ({ symbol, count: g.count, totalMs: g.totalMs, percent: pct(g.totalMs, instructionsTimeMs) }))
    .sort((a, b) => b.totalMs - a.totalMs || b.count - a.count || (a.symbol < b.symbol ? 1 : a.symbol > b.symbol ? -1 : 0));
  const totals = [...input.totals].sort((a, b) => a - b);
  const total = commonAverage(totals);
  return {
    totalTimeMs: total,
    minMs: totals[0] ?? 0,
    maxMs: totals[totals.length - 1] ?? 0,
    meanMs: totals.reduce((a, b) => a + b, 0) / Math.max(1, totals.length),
    medianMs: totals.length > 0 ? median(totals) : 0,
    p90Ms: totals.length > 0 ? percentile(totals, 0.9) : 0,
    p95Ms: totals.length > 0 ? percentile(totals, 0.95) : 0,
    p99Ms: totals.length > 0 ? percentile(totals, 0.99) : 0,
    rate: total > 0 ? (1000 / total) * input.batch : 0,
    instructionsTimeMs,
    overheadMs: commonAverage(input.overheads),
    kernels,
    instructions: averages.map(({ i, ms }) => ({ name: i.name, text: i.text, ms })),
  };
}

/** The report text, line for line as migraphx-driver perf prints it after the program. */
export function formatReport(input: PerfInput, s: PerfSummary = summarize(input)): string {
  const lines: string[] = [];
  const byName = new Map(s.instructions.map((x) => [x.name, x.ms]));
  for (const i of input.instructions) {
    const ms = byName.get(i.name);
    lines.push(ms === undefined ? i.text : `${i.text}: ${formatG(ms)}ms, ${pct(ms, s.instructionsTimeMs)}%`);
  }
  lines.push('Summary:');
  for (const k of s.kernels) {
    lines.push(`${k.symbol}: ${formatG(k.totalMs)}ms / ${k.count} = ${formatG(k.totalMs / k.count)}ms, ${k.percent}%`);
  }
  const calcOverhead = s.totalTimeMs - s.instructionsTimeMs;
  lines.push(
    '',
    `Batch size: ${input.batch}`,
    `Rate: ${formatG(s.rate)} inferences/sec`,
    `Total time: ${formatG(s.totalTimeMs)}ms (Min: ${formatG(s.minMs)}ms, Max: ${formatG(s.maxMs)}ms, Mean: ${formatG(s.meanMs)}ms, Median: ${formatG(s.medianMs)}ms)`,
    `Percentiles (90%, 95%, 99%): (${formatG(s.p90Ms)}ms, ${formatG(s.p95Ms)}ms, ${formatG(s.p99Ms)}ms)`,
    `Total instructions time: ${formatG(s.instructionsTimeMs)}ms`,
    `Overhead time: ${formatG(s.overheadMs)}ms, ${formatG(calcOverhead)}ms`,
    `Overhead: ${s.totalTimeMs > 0 ? Math.round((100 * s.overheadMs) / s.totalTimeMs) : 0}%, ${s.totalTimeMs > 0 ? Math.round((100 * calcOverhead) / s.totalTimeMs) : 0}%`,
  );
  return lines.join('\n') + '\n';
}
