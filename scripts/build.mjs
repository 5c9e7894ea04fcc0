// Bundles the CLI (and, later, the extension and webviews) with esbuild.
// esbuild only bundles; `npm run typecheck` checks types.
import { build } from 'esbuild';

const nodeBanner = [
  '#!/usr/bin/env node',
  // protobufjs and other CommonJS dependencies call require(); give the ESM bundle one.
  "import { createRequire as __createRequire } from 'node:module';",
  'const require = __createRequire(import.meta.url);',
].join('\n');

await build({
  entryPoints: { cli: 'src/cli/main.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  banner: { js: nodeBanner },
  logLevel: 'warning',
});
