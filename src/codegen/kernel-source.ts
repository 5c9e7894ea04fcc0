// The one place kernel sources are read: kernels/*.wgsl and kernels/lib/*.wgsl, found by walking up
// from this module to the folder holding package.json and kernels/ (works from src/ through the TS
// runner, from build/ in tests and from dist/ in the CLI bundle), unless a bundle registered the texts
// (registerKernelSources; e.g. an esbuild entry importing the files with `loader: {'.wgsl': 'text'}`).
// Also composes a variant's module text and maps its lines back to files for error messages.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { variantNeedsF16, type KernelVariant } from './kernel-catalog.js';

/** Bundles built by scripts/build.mjs define this as every kernel text, so they need no kernels/ folder. */
declare const __ONNX_FP8_KERNEL_SOURCES__: Readonly<Record<string, string>> | undefined;

const registered = new Map<string, string>(typeof __ONNX_FP8_KERNEL_SOURCES__ === 'undefined' ? [] : Object.entries(__ONNX_FP8_KERNEL_SOURCES__));
const cache = new Map<string, string>();
let kernelsDir: string | undefined;

/** Supplies kernel texts by path relative to kernels/ (`gemm.wgsl`, `lib/types.wgsl`); no files are read for these. */
export function registerKernelSources(sources: Readonly<Record<string, string>>): void {
  for (const [path, text] of Object.entries(sources)) registered.set(path, text);
}

function findKernelsDir(): string {
  if (kernelsDir) return kernelsDir;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'kernels'))) {
      kernelsDir = join(dir, 'kernels');
      return kernelsDir;
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the kernels/ folder above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
}

/** The text of kernels/<path>. */
export function readKernelFile(path: string): string {
  const known = registered.get(path) ?? cache.get(path);
  if (known !== undefined) return known;
  const text = readFileSync(join(findKernelsDir(), path), 'utf8');
  cache.set(path, text);
  return text;
}

/** Which file and line a line of a composed module came from. */
export interface SourcePart {
  readonly file: string;
  /** First line of this part in the composed text (1-based). */
  readonly firstLine: number;
  readonly lines: number;
}

export interface ComposedSource {
  readonly text: string;
  readonly parts: readonly SourcePart[];
}

/** The library files a variant's slots pull in. */
function slotLibs(v: KernelVariant): string[] {
  const libs: string[] = [];
  for (const slot of v.spec.slots) {
    const choice = v.slots[slot];
    if (choice === undefined) throw new Error(`kernel ${v.spec.name}: slot '${slot}' is not filled`);
    switch (slot) {
      case 'domain':
        libs.push(`domain-${choice}.wgsl`);
        break;
      case 'tile':
        libs.push(`tile-${choice}.wgsl`);
        break;
      case 'block':
        libs.push(`gemm-block-${choice}.wgsl`);
        break;
      default:
        return slot satisfies never;
    }
  }
  return libs;
}

/** The module text of a variant: enable directives, then the libraries, then the kernel file. */
export function composeKernel(v: KernelVariant): ComposedSource {
  const pieces: { file: string; text: string }[] = [];
  if (variantNeedsF16(v)) pieces.push({ file: '(enable directives)', text: 'enable f16;' });
  for (const lib of [...v.spec.libs, ...slotLibs(v)]) pieces.push({ file: `kernels/lib/${lib}`, text: readKernelFile(`lib/${lib}`) });
  if (v.spec.generated !== undefined) pieces.push({ file: `(generated for ${v.spec.name})`, text: v.spec.generated });
  pieces.push({ file: `kernels/${v.spec.file}`, text: readKernelFile(v.spec.file) });
  const parts: SourcePart[] = [];
  let line = 1;
  const texts: string[] = [];
  for (const p of pieces) {
    const body = p.text.endsWith('\n') ? p.text : `${p.text}\n`;
    const lines = body.split('\n').length - 1;
    parts.push({ file: p.file, firstLine: line, lines });
    texts.push(body);
    line += lines;
  }
  return { text: texts.join(''), parts };
}

/** `kernels/gemm.wgsl:42` for line 310 of a composed module. */
export function sourceLocation(source: ComposedSource, line: number): string {
  for (const p of source.parts) {
    if (line >= p.firstLine && line < p.firstLine + p.lines) return `${p.file}:${line - p.firstLine + 1}`;
  }
  return `line ${line}`;
}
