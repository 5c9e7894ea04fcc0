// Reads what the CLI printed: the `compile --format json` document (docs/cli.md, schema 1) and the
// one-line error on stderr (`onnx-fp8: error: <file>: node '<name>' (<OpType>): <cause>`). Checks the
// shape of everything before trusting it and tolerates fields a newer or older CLI adds or lacks
// (`attention`, `skipSet`, `quantized`, per-instruction `quantization`/`attention`/`scale`/`kernel`).

import type { CompactAttentionRegion, CompactDiagnostic, CompactInstruction, CompactProgram, QuantizationState, Severity } from '../src/protocol/compact-ir.js';
import type { FailureKind } from '../src/protocol/messages.js';

export const SUPPORTED_SCHEMA = 1;

export interface CompileDocument {
  readonly program: CompactProgram;
  /** The printed program, exactly as `compile` prints it (the IR text document shows it). */
  readonly text: string;
}

export class CliOutputError extends Error {
  override name = 'CliOutputError';
}

type Rec = Record<string, unknown>;

function isRecord(x: unknown): x is Rec {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function str(x: unknown): string | undefined {
  return typeof x === 'string' ? x : undefined;
}

function num(x: unknown): number | undefined {
  return typeof x === 'number' && Number.isFinite(x) ? x : undefined;
}

function strings(x: unknown): string[] {
  return Array.isArray(x) ? x.filter((v): v is string => typeof v === 'string') : [];
}

function severity(x: unknown): Severity {
  return x === 'error' || x === 'warning' || x === 'info' ? x : 'info';
}

function quantization(x: unknown): QuantizationState {
  return x === 'skipped' || x === 'quantized' ? x : 'none';
}

function instruction(x: unknown, index: number): CompactInstruction {
  if (!isRecord(x)) throw new CliOutputError(`instructions[${index}] is not an object`);
  const name = str(x['name']);
  const op = str(x['op']);
  const text = str(x['text']);
  const line = num(x['line']);
  if (name === undefined || op === undefined || text === undefined || line === undefined) {
    throw new CliOutputError(`instructions[${index}] lacks name, op, text or line`);
  }
  const att = x['attention'];
  const onnxNode = str(x['onnxNode']);
  const onnxOpType = str(x['onnxOpType']);
  const scale = num(x['scale']);
  const kernel = str(x['kernel']);
  return {
    name,
    module: str(x['module']) ?? 'main',
    op,
    text,
    line,
    type: str(x['type']) ?? '',
    lens: Array.isArray(x['lens']) ? x['lens'].filter((v): v is number => typeof v === 'number') : [],
    inputs: strings(x['inputs']),
    ...(onnxNode !== undefined ? { onnxNode } : {}),
    ...(onnxOpType !== undefined ? { onnxOpType } : {}),
    quantization: quantization(x['quantization']),
    ...(isRecord(att) && num(att['region']) !== undefined
      ? { attention: { region: num(att['region'])!, role: str(att['role']) ?? '', reason: str(att['reason']) ?? '' } }
      : {}),
    ...(scale !== undefined ? { scale } : {}),
    ...(kernel !== undefined ? { kernel } : {}),
  };
}

function region(x: unknown): CompactAttentionRegion | undefined {
  if (!isRecord(x) || num(x['id']) === undefined) return undefined;
  return { id: num(x['id'])!, pattern: str(x['pattern']) ?? '', instructions: strings(x['instructions']), onnxNodes: strings(x['onnxNodes']) };
}

function diagnostic(x: unknown): CompactDiagnostic | undefined {
  if (!isRecord(x) || str(x['code']) === undefined || str(x['message']) === undefined) return undefined;
  const onnxNode = str(x['onnxNode']);
  const ins = str(x['instruction']);
  return {
    severity: severity(x['severity']),
    code: str(x['code'])!,
    message: str(x['message'])!,
    ...(onnxNode !== undefined ? { onnxNode } : {}),
    ...(ins !== undefined ? { instruction: ins } : {}),
  };
}

/** Parses `compile --format json` output. Throws CliOutputError naming what is wrong. */
export function parseCompileJson(stdout: string): CompileDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch (e) {
    throw new CliOutputError(`the CLI printed something that is not JSON (${(e as Error).message})`);
  }
  if (!isRecord(doc)) throw new CliOutputError('the CLI printed JSON that is not an object');
  if (doc['schema'] !== SUPPORTED_SCHEMA) {
    throw new CliOutputError(`the CLI printed JSON schema ${String(doc['schema'])}; this extension reads schema ${SUPPORTED_SCHEMA}`);
  }
  const text = str(doc['program']);
  if (text === undefined || !Array.isArray(doc['instructions'])) throw new CliOutputError('the CLI JSON lacks `program` or `instructions`');
  const instructions = doc['instructions'].map(instruction);
  const stats = isRecord(doc['stats']) ? doc['stats'] : {};
  const program: CompactProgram = {
    file: str(doc['file']) ?? '',
    instructions,
    attention: (Array.isArray(doc['attention']) ? doc['attention'] : []).map(region).filter((r): r is CompactAttentionRegion => r !== undefined),
    diagnostics: (Array.isArray(doc['diagnostics']) ? doc['diagnostics'] : []).map(diagnostic).filter((d): d is CompactDiagnostic => d !== undefined),
    stats: {
      instructions: num(stats['instructions']) ?? instructions.filter((i) => i.module === 'main').length,
      modules: num(stats['modules']) ?? new Set(instructions.map((i) => i.module)).size,
    },
  };
  return { program, text };
}

export interface CliError {
  readonly kind: FailureKind;
  readonly file: string;
  readonly onnxNode?: string;
  readonly onnxOpType?: string;
  readonly cause: string;
}

/** The last line of stderr that starts with `onnx-fp8:`, or the last non-empty line. */
function errorLine(stderr: string): string {
  const lines = stderr.split(/\r?\n/).filter((l) => l.trim() !== '');
  return [...lines].reverse().find((l) => l.startsWith('onnx-fp8:')) ?? lines.at(-1) ?? '';
}

/**
 * Splits the CLI's one-line error into file, node and cause. `model` is the path the extension passed,
 * so a leading `<model>: ` is recognised even when the path itself holds `: `.
 */
export function parseCliError(stderr: string, exitCode: number, model: string): CliError {
  const line = errorLine(stderr);
  if (exitCode === 2) return { kind: 'usage', file: model, cause: line.replace(/^onnx-fp8:\s*/, '') || 'the CLI rejected its arguments' };
  if (line.startsWith('onnx-fp8: internal error:')) return { kind: 'internal', file: model, cause: line.slice('onnx-fp8: '.length) };
  let rest = line.startsWith('onnx-fp8: error: ') ? line.slice('onnx-fp8: error: '.length) : line.replace(/^onnx-fp8:\s*/, '');
  let file = model;
  if (rest.startsWith(`${model}: `)) {
    rest = rest.slice(model.length + 2);
  } else {
    const m = /^(.+?): (node '.*)$/.exec(rest);
    if (m) {
      file = m[1]!;
      rest = m[2]!;
    }
  }
  const node = /^node '(.*?)'(?: \(([\w.:-]*)\))?: (.*)$/.exec(rest);
  if (node) {
    return { kind: 'model', file, onnxNode: node[1]!, ...(node[2] ? { onnxOpType: node[2] } : {}), cause: node[3]! };
  }
  return { kind: 'model', file, cause: rest || `the CLI exited with code ${exitCode} and printed no error` };
}

/** The option a usage error rejects as unknown (`unknown option '--fp8'` → `fp8`), if any. */
export function unknownOption(stderr: string): string | undefined {
  return /unknown option '--([\w-]+)/.exec(stderr)?.[1];
}
