// The project's test command: type check, transpile src/ and test/ to build/, run Node's test runner.
//   node scripts/test.mjs                 all tests
//   node scripts/test.mjs printer shape   only test files whose path contains one of the words
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const skipTypecheck = process.argv.includes('--no-typecheck');

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

if (!skipTypecheck) {
  // One project per folder kind: src/test (Node), the extension host (Node, no DOM), the webviews (DOM, no Node).
  for (const project of ['tsconfig.json', 'extension/tsconfig.json', 'webview/tsconfig.json']) {
    const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', project, '--noEmit'], { stdio: 'inherit' });
    if (tsc.status !== 0) process.exit(tsc.status ?? 1);
  }
}

// build/ is not wiped (another run may be using it); only tests with a current source file run.
const sources = [...walk('src'), ...walk('test'), ...walk('examples')].filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'));
await build({
  entryPoints: sources,
  outdir: 'build',
  outbase: '.',
  bundle: false,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'inline',
  logLevel: 'warning',
});

const testFiles = sources
  .filter((f) => f.startsWith('test') && f.endsWith('.test.ts'))
  .map((f) => join('build', f.replace(/\.ts$/, '.js')))
  .filter((f) => filters.length === 0 || filters.some((w) => f.includes(w)))
  .sort();
if (testFiles.length === 0) {
  console.error(`no test files match ${filters.join(', ')}`);
  process.exit(1);
}
console.log(`running ${testFiles.length} test files: ${testFiles.map((f) => relative('build/test', f)).join(' ')}`);
// The end-to-end tests (a real VS Code driving WebGPU runs on lavapipe) run after the others, alone:
// sharing the 2 CPU cores with another file's llvmpipe shader compiles made their waits a matter of luck.
const e2e = testFiles.filter((f) => f.includes(`${sep}e2e${sep}`));
const rest = testFiles.filter((f) => !e2e.includes(f));
let status = 0;
for (const [files, concurrency] of [[rest, 2], [e2e, 1]]) {
  if (files.length === 0) continue;
  const run = spawnSync(process.execPath, ['--enable-source-maps', '--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`, ...files], { stdio: 'inherit' });
  if (run.status !== 0) status = run.status ?? 1;
}
process.exit(status);
