// Bundles with esbuild: the CLI (dist/cli.mjs), the VS Code extension host (dist/extension.cjs) and the
// webviews (dist/webview/*.js + .css). esbuild only bundles; `node scripts/test.mjs` checks types.
//   node scripts/build.mjs                         all bundles, with source maps
//   node scripts/build.mjs extension webview       only those
//   node scripts/build.mjs --production            minified extension and webviews, no maps (npm run package)
// Tests import `buildBundles` to build into a temporary folder.
import { build } from 'esbuild';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const nodeBanner = [
  '#!/usr/bin/env node',
  // protobufjs and other CommonJS dependencies call require(); give the ESM bundle one.
  "import { createRequire as __createRequire } from 'node:module';",
  'const require = __createRequire(import.meta.url);',
].join('\n');

/** Every kernels/**.wgsl text by its path under kernels/, inlined into the CLI bundle (src/codegen/kernel-source.ts). */
function kernelSources() {
  const base = join(ROOT, 'kernels');
  const out = {};
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.wgsl')) out[relative(base, p).split('\\').join('/')] = readFileSync(p, 'utf8');
    }
  };
  walk(base);
  return out;
}

/** The webviews: one bundle (script + stylesheet) each. */
export const WEBVIEWS = [
  { name: 'ir-view', script: 'webview/ir-view/main.ts', style: 'webview/ir-view/ir-view.css' },
  { name: 'perf-panel', script: 'webview/perf-panel/main.ts', style: 'webview/perf-panel/perf-panel.css' },
];

export const TARGETS = ['cli', 'extension', 'webview'];

/** esbuild options for each target, writing under `outdir` (default <repo>/dist). */
export function bundleOptions({ outdir = join(ROOT, 'dist'), production = false } = {}) {
  return {
    cli: {
      entryPoints: { cli: 'src/cli/main.ts' },
      outdir,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      sourcemap: true,
      banner: { js: nodeBanner },
      // Native and optional: dawn.node is loaded from node_modules when `run --device webgpu` asks for it.
      external: ['webgpu', 'onnxruntime-node'],
      define: { __ONNX_FP8_KERNEL_SOURCES__: JSON.stringify(kernelSources()) },
      logLevel: 'warning',
    },
    // VS Code 1.90 loads extensions as CommonJS; `vscode` is provided by the editor at run time.
    extension: {
      entryPoints: { extension: 'extension/extension.ts' },
      outdir,
      outExtension: { '.js': '.cjs' },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      external: ['vscode'],
      sourcemap: !production,
      minify: production,
      logLevel: 'warning',
    },
    // Loaded by a nonce'd <script> under a CSP without 'unsafe-eval' or 'unsafe-inline'.
    webview: {
      entryPoints: WEBVIEWS.flatMap((w) => [
        { in: w.script, out: w.name },
        { in: w.style, out: w.name },
      ]),
      outdir: join(outdir, 'webview'),
      bundle: true,
      platform: 'browser',
      format: 'iife',
      target: ['chrome114'],
      sourcemap: !production,
      minify: production,
      logLevel: 'warning',
    },
  };
}

export async function buildBundles({ targets = TARGETS, outdir, production = false } = {}) {
  const options = bundleOptions({ outdir, production });
  for (const t of targets) {
    if (!(t in options)) throw new Error(`unknown build target '${t}' (targets: ${TARGETS.join(', ')})`);
  }
  await Promise.all(targets.map((t) => build({ ...options[t], absWorkingDir: ROOT })));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  const targets = args.filter((a) => !a.startsWith('-'));
  await buildBundles({ targets: targets.length > 0 ? targets : TARGETS, production: args.includes('--production') });
}
