// Reads what `onnx-fp8 perf --format json` printed (docs/cli.md, schema 1) and the one-line error of a
// failed run. Checks every field before trusting it. The CLI's "no WebGPU adapter found …: how to fix: …"
// line is split into what failed and how to fix it, so the panel can say both plainly.

import { PERF_MAX_INSTRUCTIONS, type PerfFailure, type PerfInstructionTime, type PerfKernel, type PerfReport } from '../src/protocol/messages.js';
import { CliOutputError, SUPPORTED_SCHEMA } from './cli-output.js';

type Rec = Record<string, unknown>;

function isRecord(x: unknown): x is Rec {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function num(doc: Rec, key: string): number {
  const v = doc[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new CliOutputError(`the perf JSON lacks the number \`${key}\``);
  return v;
}

function kernel(x: unknown, i: number): PerfKernel {
  if (!isRecord(x) || typeof x['symbol'] !== 'string') throw new CliOutputError(`kernels[${i}] is not a {symbol, count, totalMs, percent} object`);
  return { symbol: x['symbol'], count: num(x, 'count'), totalMs: num(x, 'totalMs'), percent: num(x, 'percent') };
}

function instruction(x: unknown, i: number): PerfInstructionTime {
  if (!isRecord(x) || typeof x['name'] !== 'string' || typeof x['text'] !== 'string') throw new CliOutputError(`instructions[${i}] is not a {name, text, ms} object`);
  return { name: x['name'], text: x['text'], ms: num(x, 'ms') };
}

/** Parses `perf --format json`. Keeps the PERF_MAX_INSTRUCTIONS slowest instructions. Throws CliOutputError. */
export function parsePerfJson(stdout: string): PerfReport {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch (e) {
    throw new CliOutputError(`the CLI printed something that is not JSON (${(e as Error).message})`);
  }
  if (!isRecord(doc)) throw new CliOutputError('the CLI printed JSON that is not an object');
  if (doc['schema'] !== SUPPORTED_SCHEMA) {
    throw new CliOutputError(`the CLI printed perf JSON schema ${String(doc['schema'])}; this extension reads schema ${SUPPORTED_SCHEMA}`);
  }
  if (!Array.isArray(doc['kernels']) || !Array.isArray(doc['instructions'])) throw new CliOutputError('the perf JSON lacks `kernels` or `instructions`');
  const instructions = doc['instructions'].map(instruction);
  const slowest = instructions
    .map((ins, index) => ({ ins, index }))
    .sort((a, b) => b.ins.ms - a.ins.ms || a.index - b.index)
    .slice(0, PERF_MAX_INSTRUCTIONS)
    .map((x) => x.ins);
  return {
    file: typeof doc['file'] === 'string' ? doc['file'] : '',
    adapter: typeof doc['adapter'] === 'string' ? doc['adapter'] : 'unknown adapter',
    iterations: num(doc, 'iterations'),
    perKernelTimes: doc['perKernelTimes'] !== false,
    totalTimeMs: num(doc, 'totalTimeMs'),
    minMs: num(doc, 'minMs'),
    maxMs: num(doc, 'maxMs'),
    meanMs: num(doc, 'meanMs'),
    medianMs: num(doc, 'medianMs'),
    p90Ms: num(doc, 'p90Ms'),
    p95Ms: num(doc, 'p95Ms'),
    p99Ms: num(doc, 'p99Ms'),
    rate: num(doc, 'rate'),
    instructionsTimeMs: num(doc, 'instructionsTimeMs'),
    overheadMs: num(doc, 'overheadMs'),
    kernels: doc['kernels'].map(kernel),
    instructions: slowest,
    instructionCount: instructions.length,
    scratchBytes: num(doc, 'scratchBytes'),
    // Older CLIs print no `fallbacks`: nothing is known to have fallen back.
    fallbacks: Array.isArray(doc['fallbacks']) ? doc['fallbacks'].filter(isRecord).map((f) => ({ instruction: String(f['instruction'] ?? ''), reason: String(f['reason'] ?? '') })) : [],
  };
}

/** The last stderr line starting with `onnx-fp8:`, else the last non-empty line. */
function errorLine(stderr: string): string {
  const lines = stderr.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  return [...lines].reverse().find((l) => l.startsWith('onnx-fp8:')) ?? lines.at(-1) ?? '';
}

const FIX = /:\s*how to fix:\s*/;

/**
 * The failure a perf run that exited with `code` reports on stderr. NOTE: dawn.node cannot read GPU
 * buffers back under Electron's Node (external ArrayBuffers are forbidden there, dawn-gpu/node-webgpu#5);
 * that shows up as "External buffers are not allowed" and is fixed by a plain Node for the runner.
 */
export function parsePerfError(stderr: string, code: number): PerfFailure {
  if (/External buffers are not allowed/i.test(stderr)) {
    return {
      kind: 'runtime',
      message: "dawn.node cannot run under the editor's own Node (Electron forbids external buffers)",
      fix: 'set "Node path for the perf runner" (onnxFp8.perfNodePath) to a Node 20+ binary, e.g. /usr/bin/node',
    };
  }
  const line = errorLine(stderr);
  if (code === 2) return { kind: 'usage', message: line.replace(/^onnx-fp8:\s*/, '') || 'the CLI rejected its arguments' };
  if (line.startsWith('onnx-fp8: internal error:')) return { kind: 'internal', message: line.slice('onnx-fp8: '.length) };
  const text = line.replace(/^onnx-fp8:\s*(error:\s*)?/, '') || `the CLI exited with code ${code} and printed no error`;
  const [message, fix] = text.split(FIX, 2) as [string, string | undefined];
  const kind = /no WebGPU adapter found/i.test(message) ? 'no-adapter' : /WebGPU|dawn|webgpu package/i.test(message) ? 'runtime' : 'model';
  return { kind, message, ...(fix ? { fix } : {}) };
}
