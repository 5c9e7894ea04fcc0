// Messages between the VS Code extension host (extension/) and its webviews (webview/): one
// discriminated union per direction, keyed by `type`. A webview request carries an `id`; the host answers
// it with one `response` carrying the same id. Types plus two small guards; no vscode, no DOM, no Node.
// The webview only ever receives the compact IR (src/protocol/compact-ir.ts), never tensor data.
// The perf panel (later) gets its own pair of unions here, next to the IR view's.

import type { CompactProgram } from './compact-ir.js';

/** How FP8 quantization treats attention: `skip` leaves it out of Q/DQ (so it fuses), `keep` quantizes it. */
export type AttentionQdq = 'skip' | 'keep';

export const ATTENTION_QDQ_VALUES: readonly AttentionQdq[] = ['skip', 'keep'];

/** One finished compile of one model with one attention strategy. */
export interface CompiledView {
  readonly strategy: AttentionQdq;
  /** False when the CLI could not quantize (e.g. it predates `--fp8`): the program is unquantized. */
  readonly fp8: boolean;
  readonly program: CompactProgram;
  /** Milliseconds since the epoch when the compile finished. */
  readonly compiledAt: number;
  readonly durationMs: number;
  /** Things the user should know about this compile (shown above the listing). */
  readonly notes: readonly string[];
}

/** Why a compile produced no program. The last good CompiledView stays on screen. */
export type FailureKind = 'model' | 'usage' | 'internal' | 'timeout' | 'spawn' | 'output';

export interface CompileFailure {
  readonly strategy: AttentionQdq;
  readonly kind: FailureKind;
  /** The file at fault (usually the model). */
  readonly file: string;
  readonly onnxNode?: string;
  readonly onnxOpType?: string;
  readonly cause: string;
  readonly at: number;
}

// ── host → webview ──────────────────────────────────────────────────────────────────────────────────

/** Sent once after `ready`: which model this view shows and which strategy is the primary one. */
export interface ModelMessage {
  readonly type: 'model';
  readonly fileName: string;
  readonly primary: AttentionQdq;
}

export interface CompileStartedMessage {
  readonly type: 'compileStarted';
  readonly strategy: AttentionQdq;
}

/** A new result for one strategy; replaces the previous one. */
export interface CompiledMessage {
  readonly type: 'compiled';
  readonly view: CompiledView;
}

/** A compile failed; the view keeps showing the last good result for that strategy. */
export interface CompileFailedMessage {
  readonly type: 'compileFailed';
  readonly failure: CompileFailure;
}

export interface CompileCancelledMessage {
  readonly type: 'compileCancelled';
  readonly strategy: AttentionQdq;
}

/** Select an instruction (from a CodeLens or hover in the IR text). */
export interface RevealMessage {
  readonly type: 'reveal';
  readonly strategy: AttentionQdq;
  readonly name: string;
}

export type ResponseMessage = {
  [K in RequestType]:
    | { readonly type: 'response'; readonly id: number; readonly request: K; readonly ok: true; readonly result: WebviewRequests[K]['result'] }
    | { readonly type: 'response'; readonly id: number; readonly request: K; readonly ok: false; readonly error: string };
}[RequestType];

export type ToWebviewMessage =
  | ModelMessage
  | CompileStartedMessage
  | CompiledMessage
  | CompileFailedMessage
  | CompileCancelledMessage
  | RevealMessage
  | ResponseMessage;

// ── webview → host ──────────────────────────────────────────────────────────────────────────────────

/** Request/response pairs the webview may send: `params` travel with the request, `result` comes back. */
export interface WebviewRequests {
  /** Compile this model with one strategy (the compare switch, the Recompile button). */
  compile: { params: { readonly strategy: AttentionQdq }; result: { readonly outcome: 'compiled' | 'failed' | 'cancelled' } };
  /** Open the read-only IR text document at a line. */
  openIrText: { params: { readonly strategy: AttentionQdq; readonly line: number }; result: { readonly opened: boolean } };
}

export type RequestType = keyof WebviewRequests;

export type RequestMessage = {
  [K in RequestType]: { readonly type: K; readonly id: number } & WebviewRequests[K]['params'];
}[RequestType];

/** The webview's script is loaded and listening; the host answers with `model` and the current results. */
export interface ReadyMessage {
  readonly type: 'ready';
}

/** Something went wrong inside the webview; the host writes it to its log. */
export interface LogMessage {
  readonly type: 'log';
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
}

export type FromWebviewMessage = ReadyMessage | LogMessage | RequestMessage;

// ── guards (messages cross a process boundary: check the shape before trusting it) ──────────────────

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null;
}

function isStrategy(x: unknown): x is AttentionQdq {
  return x === 'skip' || x === 'keep';
}

/** True when `x` is a well-formed message from the webview. */
export function isFromWebviewMessage(x: unknown): x is FromWebviewMessage {
  if (!isRecord(x)) return false;
  switch (x['type']) {
    case 'ready':
      return true;
    case 'log':
      return (x['level'] === 'info' || x['level'] === 'warn' || x['level'] === 'error') && typeof x['message'] === 'string';
    case 'compile':
      return Number.isInteger(x['id']) && isStrategy(x['strategy']);
    case 'openIrText':
      return Number.isInteger(x['id']) && isStrategy(x['strategy']) && Number.isInteger(x['line']);
    default:
      return false;
  }
}

const TO_WEBVIEW_TYPES: ReadonlySet<string> = new Set<ToWebviewMessage['type']>([
  'model',
  'compileStarted',
  'compiled',
  'compileFailed',
  'compileCancelled',
  'reveal',
  'response',
]);

/** True when `x` carries one of the host's message types (the host is trusted; this filters stray posts). */
export function isToWebviewMessage(x: unknown): x is ToWebviewMessage {
  return isRecord(x) && typeof x['type'] === 'string' && TO_WEBVIEW_TYPES.has(x['type']);
}
