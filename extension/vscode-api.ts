// The seam between the extension host code and VS Code. Every module here receives the `vscode` API as a
// value of type `Vscode` instead of importing it, so unit tests can hand in a small fake
// (test/extension/fake-vscode.ts). Only extension.ts imports the real module.

import type * as vscode from 'vscode';

export type Vscode = typeof vscode;
export type { vscode };
