// Finds what the end-to-end test runs on: Debian's Chromium and the Node 24 + code-server that
// scripts/install-e2e-tools.sh puts in $E2E_TOOLS (it writes tools.json there). A missing piece is
// reported by name with the command that installs it; the test fails on it unless ONNX_FP8_E2E=skip.

import { accessSync, constants, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM = '/usr/bin/chromium';

export interface E2eTools {
  /** Node 24: code-server's server and extension host run on it (code-server 4.139 refuses Node 20). */
  readonly node: string;
  readonly codeServer: string;
  readonly codeServerVersion: string;
  readonly chromium: string;
}

export type ToolsLookup = { readonly ok: true; readonly tools: E2eTools } | { readonly ok: false; readonly missing: readonly string[] };

/** Where install-e2e-tools.sh puts the tools: $E2E_TOOLS, or ~/.cache/onnx-fp8-e2e. */
export function toolsDir(): string {
  return process.env['E2E_TOOLS'] || join(homedir(), '.cache', 'onnx-fp8-e2e');
}

/** What ONNX_FP8_E2E asks for: `skip` skips the end-to-end test (saying so); anything else requires it. */
export function e2eMode(): 'require' | 'skip' {
  return process.env['ONNX_FP8_E2E'] === 'skip' ? 'skip' : 'require';
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findTools(): ToolsLookup {
  const missing: string[] = [];
  if (!isExecutable(CHROMIUM)) {
    missing.push(`Debian's Chromium (${CHROMIUM}): install it with scripts/install-system-deps.sh (as root), or apt-get install chromium`);
  }
  const dir = toolsDir();
  const install = `scripts/install-e2e-tools.sh${process.env['E2E_TOOLS'] ? ` (with E2E_TOOLS=${dir})` : ''}`;
  let manifest: { node?: unknown; codeServer?: unknown; codeServerVersion?: unknown } = {};
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'tools.json'), 'utf8')) as typeof manifest;
  } catch {
    missing.push(`code-server and Node 24 (no ${join(dir, 'tools.json')}): install them with ${install}`);
    return { ok: false, missing };
  }
  const node = typeof manifest.node === 'string' ? manifest.node : '';
  const codeServer = typeof manifest.codeServer === 'string' ? manifest.codeServer : '';
  if (!isExecutable(node)) missing.push(`Node 24 (${node || 'not named in tools.json'}): reinstall it with ${install}`);
  if (!isExecutable(codeServer)) missing.push(`code-server (${codeServer || 'not named in tools.json'}): reinstall it with ${install}`);
  if (missing.length > 0) return { ok: false, missing };
  return { ok: true, tools: { node, codeServer, codeServerVersion: String(manifest.codeServerVersion ?? '?'), chromium: CHROMIUM } };
}

/** The message a missing tool fails the test with. */
export function missingToolsMessage(missing: readonly string[]): string {
  return [
    'The end-to-end test (test/e2e/) cannot run; missing:',
    ...missing.map((m) => `  - ${m}`),
    'Install them (CI: .ci/run runs both scripts), or set ONNX_FP8_E2E=skip to skip this test on purpose. See docs/e2e.md.',
  ].join('\n');
}
