// code-server for the end-to-end test: installs a VSIX into a fresh extensions folder and runs the
// server on a free localhost port (auth none, telemetry and update checks off) in its own process
// group, so stopping it takes down its file watcher and extension host too. A detached reaper process
// kills that group if the test process dies without stopping it (a crash, a SIGKILL) or when a hard
// deadline passes, so no run leaves a server behind.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { E2eTools } from './tools.js';

/** The folders one code-server instance uses; all of them live in the test's temp folder. */
export interface CodeServerDirs {
  readonly userData: string;
  readonly extensions: string;
  /** XDG_CONFIG_HOME and XDG_DATA_HOME: code-server writes a config file and logs there, not in ~. */
  readonly xdg: string;
}

export function codeServerDirs(root: string): CodeServerDirs {
  const dirs = { userData: join(root, 'user-data'), extensions: join(root, 'extensions'), xdg: join(root, 'xdg') };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  return dirs;
}

function userSettingsFile(dirs: CodeServerDirs): string {
  return join(dirs.userData, 'User', 'settings.json');
}

/**
 * Writes the user settings file, before the server starts. NOTE: code-server's web workbench reads it
 * once; it does not notice later changes on disk (gitpod-io/openvscode-server#294), so a test changes
 * settings through the workbench.
 */
export function writeUserSettings(dirs: CodeServerDirs, settings: Record<string, unknown>): void {
  const file = userSettingsFile(dirs);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(settings, null, 2)}\n`);
}

/** The user settings as the workbench saved them (VS Code writes plain JSON without comments here). */
export function readUserSettings(dirs: CodeServerDirs): Record<string, unknown> {
  return JSON.parse(readFileSync(userSettingsFile(dirs), 'utf8')) as Record<string, unknown>;
}

/** Settings that keep a fresh workbench quiet and offline (no welcome page, tips, trust prompt, updates). */
export const QUIET_SETTINGS: Readonly<Record<string, unknown>> = {
  'workbench.startupEditor': 'none',
  'security.workspace.trust.enabled': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'git.enabled': false,
};

function childEnv(tools: E2eTools, dirs: CodeServerDirs): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Node 24 first on PATH: code-server's bin is `#!/usr/bin/env node`, its children use process.execPath.
  env['PATH'] = `${dirname(tools.node)}:${env['PATH'] ?? ''}`;
  env['XDG_CONFIG_HOME'] = dirs.xdg;
  env['XDG_DATA_HOME'] = dirs.xdg;
  // Nothing of the test runner or of a VS Code this may be started from should leak into the server.
  for (const k of Object.keys(env)) {
    if (k.startsWith('NODE_TEST') || k.startsWith('VSCODE_') || k === 'NODE_OPTIONS' || k === 'ELECTRON_RUN_AS_NODE' || k === 'PORT') delete env[k];
  }
  return env;
}

/** `code-server --install-extension <vsix>` into dirs.extensions. */
export function installExtension(tools: E2eTools, dirs: CodeServerDirs, vsix: string, timeoutMs = 60_000): Promise<string> {
  const args = ['--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions, '--install-extension', vsix, '--force'];
  return new Promise((resolve, reject) => {
    execFile(tools.codeServer, args, { env: childEnv(tools, dirs), timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      if (error || !/successfully installed/i.test(output)) {
        reject(new Error(`code-server --install-extension ${vsix} failed (${error?.message ?? 'no success message'}):\n${output}`));
      } else {
        resolve(output);
      }
    });
  });
}

// Runs detached with: <parent pid> <process group> <deadline ms> [<folder>]. Kills the group (TERM, then
// KILL) once the parent is gone or the deadline passes, and then removes the folder if the parent is gone;
// exits by itself once the group is gone.
const REAPER = `
const [parent, group, deadline] = process.argv.slice(1, 4).map(Number);
const folder = process.argv[4];
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
const end = Date.now() + deadline;
const timer = setInterval(() => {
  if (!alive(-group)) process.exit(0);
  if (alive(parent) && Date.now() < end) return;
  clearInterval(timer);
  try { process.kill(-group, 'SIGTERM'); } catch {}
  setTimeout(() => {
    try { process.kill(-group, 'SIGKILL'); } catch {}
    if (folder && !alive(parent)) setTimeout(() => { require('node:fs').rmSync(folder, { recursive: true, force: true }); process.exit(0); }, 500);
    else process.exit(0);
  }, 1500);
}, 500);
`;

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export class CodeServer {
  private address = '';
  private stopped = false;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    /** The last lines code-server printed (stdout and stderr). */
    private readonly lines: string[],
  ) {
    this.exited = new Promise((r) => child.once('exit', () => r()));
  }

  /** http://127.0.0.1:<port>, once started. */
  get url(): string {
    return this.address;
  }

  /**
   * Starts code-server on 127.0.0.1 with a port the OS picks (read from its log line) and waits until
   * /healthz answers. The reaper stops it `hardDeadlineMs` after the start at the latest, and removes the
   * folder `removeIfAbandoned` if the test process dies first.
   */
  static async start(tools: E2eTools, dirs: CodeServerDirs, o: { timeoutMs: number; hardDeadlineMs: number; removeIfAbandoned?: string }): Promise<CodeServer> {
    const args = [
      '--auth', 'none',
      '--bind-addr', '127.0.0.1:0',
      '--user-data-dir', dirs.userData,
      '--extensions-dir', dirs.extensions,
      '--disable-workspace-trust',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-getting-started-override',
      '--ignore-last-opened',
    ];
    const child = spawn(tools.codeServer, args, { env: childEnv(tools, dirs), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid === undefined) throw new Error(`could not start ${tools.codeServer}`);
    const reaperArgs = [String(process.pid), String(child.pid), String(o.hardDeadlineMs), ...(o.removeIfAbandoned ? [o.removeIfAbandoned] : [])];
    spawn(process.execPath, ['-e', REAPER, ...reaperArgs], { detached: true, stdio: 'ignore' }).unref();

    const lines: string[] = [];
    const server = new CodeServer(child, lines);
    const address = new Promise<string>((resolve, reject) => {
      const partial = { stdout: '', stderr: '' };
      const collect = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
        const parts = (partial[stream] + chunk.toString()).split('\n');
        partial[stream] = parts.pop() ?? '';
        for (const line of parts) {
          if (line.trim() !== '') lines.push(line);
          const m = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
          if (m) resolve(m[1]!);
        }
        if (lines.length > 400) lines.splice(0, lines.length - 400);
      };
      child.stdout!.on('data', collect('stdout'));
      child.stderr!.on('data', collect('stderr'));
      child.once('error', reject);
      child.once('exit', (code, signal) => reject(new Error(`code-server exited (${code ?? signal}) before listening:\n${lines.join('\n')}`)));
    });
    const deadline = Date.now() + o.timeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`code-server did not listen within ${o.timeoutMs} ms:\n${lines.join('\n')}`)), o.timeoutMs);
    });
    try {
      server.address = await Promise.race([address, timeout]);
      while (!(await fetch(`${server.address}/healthz`).then((r) => r.ok, () => false))) {
        if (Date.now() > deadline) throw new Error(`code-server's /healthz did not answer within ${o.timeoutMs} ms:\n${lines.join('\n')}`);
        await sleep(200);
      }
      return server;
    } catch (e) {
      await server.stop();
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The server's last log lines, for failure messages. */
  log(): string {
    return this.lines.join('\n');
  }

  /** SIGTERM to the whole process group, SIGKILL after 2 s; resolves when the group is gone. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const pid = this.child.pid!;
    const kill = (signal: NodeJS.Signals): void => {
      try {
        process.kill(-pid, signal);
      } catch {
        // already gone
      }
    };
    kill('SIGTERM');
    await Promise.race([this.exited, sleep(2000)]);
    for (let i = 0; i < 20 && groupAlive(pid); i++) await sleep(100);
    if (groupAlive(pid)) kill('SIGKILL');
    for (let i = 0; i < 20 && groupAlive(pid); i++) await sleep(100);
  }
}
