// Messages between the VS Code extension host (extension/) and its webviews (webview/): one
// discriminated union per direction, keyed by `type`. A webview request carries an `id`; the host answers
// it with one `response` carrying the same id. Types plus small guards (two per view); no vscode, no DOM,
// no Node. The IR view only ever receives the compact IR (src/protocol/compact-ir.ts), never tensor data.
// The perf panel (a WebviewView) has its own pair of unions, after the IR view's.

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

/** The params of a request that carries nothing but its id. */
export type NoParams = Readonly<Record<never, never>>;

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

// ══ the perf panel ══════════════════════════════════════════════════════════════════════════════════
// The "FP8 Perf" WebviewView. The host runs `onnx-fp8 perf --format json` in a child process (never
// dawn.node in the extension host) and sends the panel what the CLI measured, run by run.

/** One kernel symbol (or op) of the perf Summary: its launches, summed time and share. */
export interface PerfKernel {
  readonly symbol: string;
  readonly count: number;
  readonly totalMs: number;
  readonly percent: number;
}

/** One printed instruction and its average time per run. */
export interface PerfInstructionTime {
  readonly name: string;
  readonly text: string;
  readonly ms: number;
}

/** What `onnx-fp8 perf --format json` (schema 1, docs/cli.md) measured for one attention strategy. */
export interface PerfReport {
  readonly file: string;
  readonly adapter: string;
  readonly iterations: number;
  /** False when the adapter has no timestamp queries: kernel times are then 0 and mean nothing. */
  readonly perKernelTimes: boolean;
  readonly totalTimeMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly meanMs: number;
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  /** Runs per second. */
  readonly rate: number;
  readonly instructionsTimeMs: number;
  readonly overheadMs: number;
  readonly kernels: readonly PerfKernel[];
  /** The slowest instructions, slowest first (at most PERF_MAX_INSTRUCTIONS of them). */
  readonly instructions: readonly PerfInstructionTime[];
  /** How many instructions the CLI reported in all. */
  readonly instructionCount: number;
  readonly scratchBytes: number;
  /** Fused ops that ran as separate kernels on the adapter (e.g. an attention group the fused kernel does not take), and why. */
  readonly fallbacks: readonly PerfFallback[];
}

export interface PerfFallback {
  readonly instruction: string;
  readonly reason: string;
}

/** How many of a report's instructions the panel gets and the run history keeps. */
export const PERF_MAX_INSTRUCTIONS = 50;

/** `single`: the attention strategy the settings choose; `compare`: skip, then keep. */
export type PerfMode = 'single' | 'compare';

/** Why a perf run produced no report. */
export type PerfFailureKind = 'no-adapter' | 'model' | 'usage' | 'internal' | 'runtime' | 'timeout' | 'spawn' | 'output' | 'untrusted';

export interface PerfFailure {
  readonly kind: PerfFailureKind;
  /** The strategy whose run failed (absent when the run never started). */
  readonly strategy?: AttentionQdq;
  /** What went wrong, in one sentence (the CLI's error line, without its `how to fix` part). */
  readonly message: string;
  /** How to fix it, when known (the CLI's `how to fix: …`). */
  readonly fix?: string;
}

/** A perf run in progress. */
export interface PerfRunning {
  readonly id: string;
  readonly fileName: string;
  readonly mode: PerfMode;
  readonly strategies: readonly AttentionQdq[];
  readonly iterations: number;
  readonly startedAt: number;
}

/** One finished perf run (one or two CLI runs), as the history keeps it. */
export interface PerfRunRecord {
  readonly id: string;
  /** The model's path on disk. */
  readonly model: string;
  readonly fileName: string;
  readonly mode: PerfMode;
  readonly strategies: readonly AttentionQdq[];
  readonly fp8Format: string;
  readonly iterations: number;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly outcome: 'done' | 'failed' | 'cancelled';
  readonly reports: Readonly<Partial<Record<AttentionQdq, PerfReport>>>;
  readonly failure?: PerfFailure;
}

export interface PerfProgress {
  readonly id: string;
  readonly strategy: AttentionQdq;
  /** 1-based index of the CLI run, of `steps`. */
  readonly step: number;
  readonly steps: number;
  readonly elapsedMs: number;
  /** The latest line the CLI printed on stderr, if any. */
  readonly line?: string;
}

// ── host → perf panel ───────────────────────────────────────────────────────────────────────────────

/** Sent after `ready` and whenever the target model or workspace trust changes. */
export interface PerfTargetMessage {
  readonly type: 'perfTarget';
  /** The model the Run buttons measure (the last one perf ran on, or the active .onnx). */
  readonly fileName?: string;
  readonly trusted: boolean;
  readonly attentionQdq: AttentionQdq;
  readonly iterations: number;
}

/** The whole run history, newest first (after `ready`, and after each change). */
export interface PerfHistoryMessage {
  readonly type: 'perfHistory';
  readonly runs: readonly PerfRunRecord[];
}

export interface PerfStartedMessage {
  readonly type: 'perfStarted';
  readonly run: PerfRunning;
}

export interface PerfProgressMessage {
  readonly type: 'perfProgress';
  readonly progress: PerfProgress;
}

/** A run ended (done, failed or cancelled); the panel shows it. */
export interface PerfFinishedMessage {
  readonly type: 'perfFinished';
  readonly run: PerfRunRecord;
}

/** Requests the perf panel may send. */
export interface PerfPanelRequests {
  /** Run perf on the target model: `single` or `compare` (skip, then keep). */
  runPerf: { params: { readonly mode: PerfMode }; result: { readonly started: boolean; readonly reason?: string } };
  /** Stop the running perf run (its child process is killed). */
  cancelPerf: { params: NoParams; result: { readonly cancelled: boolean } };
  clearPerfHistory: { params: NoParams; result: { readonly cleared: boolean } };
  /** Open VS Code's workspace trust editor. */
  manageTrust: { params: NoParams; result: { readonly opened: boolean } };
}

export type PerfRequestType = keyof PerfPanelRequests;

export type PerfRequestMessage = {
  [K in PerfRequestType]: { readonly type: K; readonly id: number } & PerfPanelRequests[K]['params'];
}[PerfRequestType];

export type PerfResponseMessage = {
  [K in PerfRequestType]:
    | { readonly type: 'response'; readonly id: number; readonly request: K; readonly ok: true; readonly result: PerfPanelRequests[K]['result'] }
    | { readonly type: 'response'; readonly id: number; readonly request: K; readonly ok: false; readonly error: string };
}[PerfRequestType];

export type ToPerfPanelMessage = PerfTargetMessage | PerfHistoryMessage | PerfStartedMessage | PerfProgressMessage | PerfFinishedMessage | PerfResponseMessage;

// ── perf panel → host ───────────────────────────────────────────────────────────────────────────────

export type FromPerfPanelMessage = ReadyMessage | LogMessage | PerfRequestMessage;

/** True when `x` is a well-formed message from the perf panel. */
export function isFromPerfPanelMessage(x: unknown): x is FromPerfPanelMessage {
  if (!isRecord(x)) return false;
  switch (x['type']) {
    case 'ready':
      return true;
    case 'log':
      return (x['level'] === 'info' || x['level'] === 'warn' || x['level'] === 'error') && typeof x['message'] === 'string';
    case 'runPerf':
      return Number.isInteger(x['id']) && (x['mode'] === 'single' || x['mode'] === 'compare');
    case 'cancelPerf':
    case 'clearPerfHistory':
    case 'manageTrust':
      return Number.isInteger(x['id']);
    default:
      return false;
  }
}

const TO_PERF_PANEL_TYPES: ReadonlySet<string> = new Set<ToPerfPanelMessage['type']>(['perfTarget', 'perfHistory', 'perfStarted', 'perfProgress', 'perfFinished', 'response']);

/** True when `x` carries one of the host's perf panel message types. */
export function isToPerfPanelMessage(x: unknown): x is ToPerfPanelMessage {
  return isRecord(x) && typeof x['type'] === 'string' && TO_PERF_PANEL_TYPES.has(x['type']);
}
