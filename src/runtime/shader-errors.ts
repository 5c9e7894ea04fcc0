// Shader compile failures as readable errors: the kernel variant's name, each message at its file and
// line:col (kernels/gemm.wgsl:42:7, mapped back from the composed module), then the module's
// numbered source with the failing lines marked.

import { sourceLocation, type ComposedSource } from '../codegen/kernel-source.js';

export interface ShaderMessage {
  readonly type: string;
  readonly lineNum: number;
  readonly linePos: number;
  readonly message: string;
}

export function formatShaderError(kernel: string, source: ComposedSource, messages: readonly ShaderMessage[], fallback?: string): string {
  const lines = source.text.split('\n');
  const bad = new Set(messages.map((m) => m.lineNum));
  const width = String(lines.length).length;
  const numbered = lines.map((l, i) => `${bad.has(i + 1) ? '>>' : '  '} ${String(i + 1).padStart(width)} | ${l}`);
  const summary = messages.map((m) => `  ${sourceLocation(source, m.lineNum)}:${m.linePos} (module ${m.lineNum}:${m.linePos}) ${m.type}: ${m.message}`);
  if (summary.length === 0 && fallback) summary.push(`  ${fallback}`);
  return [`kernel ${kernel}: WGSL compilation failed`, ...summary, `numbered source of ${kernel}:`, ...numbered].join('\n');
}
