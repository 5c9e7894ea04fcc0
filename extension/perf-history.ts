// The perf panel's past runs, kept in the workspace state (a Memento: per workspace, survives restarts),
// newest first, at most MAX_PERF_RUNS. Each report keeps only its kernels and slowest instructions
// (src/protocol/messages.ts PERF_MAX_INSTRUCTIONS), so the state stays small for big models.

import type { PerfRunRecord } from '../src/protocol/messages.js';
import type { vscode } from './vscode-api.js';

export const PERF_HISTORY_KEY = 'onnxFp8.perfRuns';
export const MAX_PERF_RUNS = 20;

/** Stored records come from an older or newer extension too: keep only what has the fields the panel reads. */
function isRunRecord(x: unknown): x is PerfRunRecord {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as Record<string, unknown>;
  return (
    typeof r['id'] === 'string' &&
    typeof r['fileName'] === 'string' &&
    typeof r['startedAt'] === 'number' &&
    (r['outcome'] === 'done' || r['outcome'] === 'failed' || r['outcome'] === 'cancelled') &&
    Array.isArray(r['strategies']) &&
    typeof r['reports'] === 'object' &&
    r['reports'] !== null
  );
}

export class PerfHistory {
  constructor(private readonly memento: vscode.Memento) {}

  /** The stored runs, newest first. */
  all(): PerfRunRecord[] {
    const raw = this.memento.get<unknown>(PERF_HISTORY_KEY);
    return Array.isArray(raw) ? raw.filter(isRunRecord).slice(0, MAX_PERF_RUNS) : [];
  }

  async add(run: PerfRunRecord): Promise<void> {
    const runs = [run, ...this.all().filter((r) => r.id !== run.id)].slice(0, MAX_PERF_RUNS);
    await this.memento.update(PERF_HISTORY_KEY, runs);
  }

  async clear(): Promise<void> {
    await this.memento.update(PERF_HISTORY_KEY, []);
  }
}
