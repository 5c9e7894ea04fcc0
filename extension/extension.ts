// The extension's entry point (bundled to dist/extension.cjs): the only module that imports `vscode`.
// It hands the real API and a launcher for the bundled CLI (dist/cli.mjs, run by the editor's own Node
// with ELECTRON_RUN_AS_NODE) to activateWith; everything else lives behind that seam.

import { spawn } from 'node:child_process';
import * as vscode from 'vscode';
import { activateWith } from './host.js';

export function activate(context: vscode.ExtensionContext): void {
  activateWith(vscode, context, {
    launcher: {
      spawn,
      node: process.execPath,
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      cliPath: vscode.Uri.joinPath(context.extensionUri, 'dist', 'cli.mjs').fsPath,
    },
  });
}

export function deactivate(): void {
  // Everything is in context.subscriptions; VS Code disposes it (running compiles are killed).
}
