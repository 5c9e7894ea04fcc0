// Runs the onnx-fp8 CLI bundle in a child process: collects stdout and stderr, enforces a timeout, and
// kills the child when the caller aborts (SIGTERM, then SIGKILL after KILL_GRACE_MS). Never throws: every
// way a run can end is a CliResult. The spawn function is injected so tests can pass a fake child.

/** The part of a child process this module uses (node:child_process's ChildProcess satisfies it). */
export interface ChildLike {
  readonly stdout: StreamLike | null;
  readonly stderr: StreamLike | null;
  on(event: 'close', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  kill(signal?: NodeJS.Signals): boolean;
}

export interface StreamLike {
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
}

export type SpawnFn = (command: string, args: readonly string[], options: { cwd?: string; env: NodeJS.ProcessEnv; windowsHide: boolean }) => ChildLike;

export interface CliLauncher {
  readonly spawn: SpawnFn;
  /** The Node binary (process.execPath in VS Code, with ELECTRON_RUN_AS_NODE=1 in env). */
  readonly node: string;
  readonly env: NodeJS.ProcessEnv;
  /** Absolute path of dist/cli.mjs. */
  readonly cliPath: string;
}

export interface CliRequest {
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** stdout beyond this many bytes fails the run (default 256 MiB). */
  readonly maxOutputBytes?: number;
  /** Called with each chunk of stderr as it arrives (the perf runner streams it as progress). */
  readonly onStderr?: (text: string) => void;
}

export type CliResult =
  | { readonly kind: 'exited'; readonly code: number; readonly stdout: string; readonly stderr: string; readonly durationMs: number }
  | { readonly kind: 'signalled'; readonly signal: string; readonly stderr: string }
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'timeout'; readonly timeoutMs: number; readonly stderr: string }
  | { readonly kind: 'spawn-error'; readonly message: string }
  | { readonly kind: 'output-too-large'; readonly limitBytes: number };

/** How long a child gets after SIGTERM before SIGKILL. Cancel must take effect within 1 s. */
export const KILL_GRACE_MS = 500;
const DEFAULT_MAX_OUTPUT = 256 * 1024 * 1024;
const MAX_STDERR = 1024 * 1024;

export function runCli(launcher: CliLauncher, req: CliRequest): Promise<CliResult> {
  const started = Date.now();
  return new Promise<CliResult>((resolve) => {
    if (req.signal?.aborted) {
      resolve({ kind: 'cancelled' });
      return;
    }
    let child: ChildLike;
    try {
      child = launcher.spawn(launcher.node, [launcher.cliPath, ...req.args], { ...(req.cwd ? { cwd: req.cwd } : {}), env: launcher.env, windowsHide: true });
    } catch (e) {
      resolve({ kind: 'spawn-error', message: (e as Error)?.message ?? String(e) });
      return;
    }

    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    let settled = false;
    let closed = false;
    let killTimer: ReturnType<typeof setTimeout> | undefined;
    const limit = req.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;

    const finish = (r: CliResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      req.signal?.removeEventListener('abort', onAbort);
      resolve(r);
    };
    const kill = (): void => {
      if (closed) return;
      child.kill('SIGTERM');
      killTimer ??= setTimeout(() => {
        if (!closed) child.kill('SIGKILL');
      }, KILL_GRACE_MS);
    };
    const onAbort = (): void => {
      kill();
      finish({ kind: 'cancelled' });
    };
    const timeout = setTimeout(() => {
      kill();
      finish({ kind: 'timeout', timeoutMs: req.timeoutMs, stderr: err });
    }, req.timeoutMs);
    req.signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout?.on('data', (chunk) => {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      outBytes += b.length;
      if (outBytes > limit) {
        kill();
        finish({ kind: 'output-too-large', limitBytes: limit });
        return;
      }
      if (!settled) out.push(b);
    });
    child.stderr?.on('data', (chunk) => {
      const text = chunk.toString();
      if (err.length < MAX_STDERR) err += text;
      if (!settled) req.onStderr?.(text);
    });
    child.on('error', (e) => {
      closed = true;
      clearTimeout(killTimer);
      finish({ kind: 'spawn-error', message: e.message });
    });
    child.on('close', (code, signal) => {
      closed = true;
      clearTimeout(killTimer);
      if (code === null) finish({ kind: 'signalled', signal: signal ?? 'unknown', stderr: err });
      else finish({ kind: 'exited', code, stdout: Buffer.concat(out).toString('utf8'), stderr: err, durationMs: Date.now() - started });
    });
  });
}
