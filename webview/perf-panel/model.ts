// What the perf panel shows, computed without the DOM (test/webview/perf-model.test.ts runs it in Node):
// number formats, the skip-vs-keep comparison with its ratios, the bar chart's bar lengths, and the
// labels of past runs.

import type { AttentionQdq, PerfKernel, PerfReport, PerfRunRecord } from '../../src/protocol/messages.js';

const KERNEL_PREFIX = 'gpu::code_object::';

/** Milliseconds with about three significant digits, never in exponent form. */
export function formatMs(ms: number): string {
  if (ms === 0) return '0';
  const a = Math.abs(ms);
  if (a >= 100) return ms.toFixed(1);
  if (a >= 1) return ms.toFixed(2);
  if (a >= 0.001) return ms.toFixed(3);
  return ms.toFixed(6).replace(/0+$/, '');
}

function grouped(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Exact bytes with a binary unit beside them: `2,097,152 B (2 MiB)`. */
export function formatBytes(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB'];
  let v = bytes;
  let unit = '';
  for (const u of units) {
    if (v < 1024) break;
    v /= 1024;
    unit = u;
  }
  if (unit === '') return `${grouped(bytes)} B`;
  const short = v >= 100 || Number.isInteger(v) ? v.toFixed(0) : v.toFixed(1);
  return `${grouped(bytes)} B (${short} ${unit})`;
}

/** Runs per second. */
export function formatRate(rate: number): string {
  return `${rate >= 100 ? grouped(rate) : rate >= 1 ? rate.toFixed(1) : rate.toPrecision(2)}/s`;
}

/** `a ÷ b` as `2.31×`, or an em dash when it has no meaning (b is 0, or a value is missing). */
export function formatRatio(a: number, b: number): string {
  if (!(b > 0) || !Number.isFinite(a)) return '—';
  const r = a / b;
  return `${r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`;
}

/** A kernel symbol without MIGraphX's `gpu::code_object::` prefix. */
export function shortSymbol(symbol: string): string {
  return symbol.startsWith(KERNEL_PREFIX) ? symbol.slice(KERNEL_PREFIX.length) : symbol;
}

/** GPU kernel launches of one run (instructions that do no GPU work are not kernels). */
export function kernelLaunches(report: PerfReport): number {
  return report.kernels.filter((k) => k.symbol.startsWith(KERNEL_PREFIX)).reduce((n, k) => n + k.count, 0);
}

export interface CompareRow {
  readonly metric: string;
  readonly skip: string;
  readonly keep: string;
  /** keep ÷ skip, formatted. */
  readonly ratio: string;
}

/** The side-by-side table: keep ÷ skip for time, scratch, rate and kernel launches. */
export function compareRows(skip: PerfReport, keep: PerfReport): CompareRow[] {
  const row = (metric: string, s: number, k: number, fmt: (x: number) => string): CompareRow => ({ metric, skip: fmt(s), keep: fmt(k), ratio: formatRatio(k, s) });
  return [
    row('Total time (ms)', skip.totalTimeMs, keep.totalTimeMs, formatMs),
    row('Scratch', skip.scratchBytes, keep.scratchBytes, formatBytes),
    row('Rate', skip.rate, keep.rate, formatRate),
    row('Kernel launches', kernelLaunches(skip), kernelLaunches(keep), (x) => String(x)),
    row('Instructions time (ms)', skip.instructionsTimeMs, keep.instructionsTimeMs, formatMs),
  ];
}

/** One sentence that says which strategy is faster and by how much. */
export function compareVerdict(skip: PerfReport, keep: PerfReport): string {
  if (!(skip.totalTimeMs > 0) || !(keep.totalTimeMs > 0)) return '';
  const faster: AttentionQdq = skip.totalTimeMs <= keep.totalTimeMs ? 'skip' : 'keep';
  const r = faster === 'skip' ? keep.totalTimeMs / skip.totalTimeMs : skip.totalTimeMs / keep.totalTimeMs;
  return `${faster} is ${formatRatio(r, 1)} faster than ${faster === 'skip' ? 'keep' : 'skip'}; keep needs ${formatRatio(keep.scratchBytes, skip.scratchBytes)} the scratch of skip.`;
}

export interface Bar {
  readonly kernel: PerfKernel;
  /** Bar length as a fraction of the longest bar among the charts drawn together (0…1). */
  readonly fraction: number;
}

/**
 * The bars of each report's chart: its kernels with a time, longest first, scaled to one common
 * maximum so that charts drawn side by side compare. Reports without per-kernel times get no bars.
 */
export function chartBars(reports: readonly PerfReport[]): Bar[][] {
  const timed = reports.map((r) => (r.perKernelTimes ? r.kernels.filter((k) => k.totalMs > 0).sort((a, b) => b.totalMs - a.totalMs) : []));
  const max = Math.max(0, ...timed.flat().map((k) => k.totalMs));
  return timed.map((ks) => ks.map((kernel) => ({ kernel, fraction: max > 0 ? kernel.totalMs / max : 0 })));
}

function time(at: number): string {
  const d = new Date(at);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** How a past run is listed: when, which model, which strategies, how it ended. */
export function runLabel(run: PerfRunRecord): string {
  const what = run.mode === 'compare' ? 'skip vs keep' : run.strategies.join(', ');
  const end = run.outcome === 'done' ? '' : run.outcome === 'failed' ? ' (failed)' : ' (cancelled)';
  return `${time(run.startedAt)}  ${run.fileName}  ${what}, ${run.iterations}×${end}`;
}

export { time as formatTime };
