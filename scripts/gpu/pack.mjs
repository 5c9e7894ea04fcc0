// Packs what a lent GPU machine needs to run the benchmarks and the CLI with nothing installed there:
// this machine's Node binary, the webgpu package with dawn.node for linux-x64, onnxruntime-node with its
// linux-x64 binaries, the Vulkan loader and the libglvnd libraries NVIDIA's Vulkan driver loads, the
// CLI bundle and the benchmark bundles (kernels inlined). Writes build/gpu/ (ignored by git):
//   build/gpu/pack.tar.xz    everything, to carry to the device (scripts/gpu/run.sh unpacks it there)
//   build/gpu/MANIFEST.json  what is in it: commit, versions, files and sizes
//   node scripts/gpu/pack.mjs [--no-ort] [--out DIR]
// scripts/gpu/README.md says how a session uses it (one `run` call).

import { build } from 'esbuild';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const OUT = resolve(ROOT, outIndex >= 0 ? args[outIndex + 1] : 'build/gpu');
const withOrt = !args.includes('--no-ort');
const APP = join(OUT, 'app');
const TARGET = 'linux-x64';

/** The benchmark entry points bundled next to the CLI (run.sh `bench <name>` runs bench/<name>.mjs). */
const BENCHES = ['webgpu-suite', 'attention', 'gpu'];

/**
 * Libraries the device may lack: the Vulkan loader (Dawn dlopens libvulkan.so.1) and libglvnd, which
 * NVIDIA's Vulkan ICD (libGLX_nvidia.so.0) links against. run.sh puts a copy on the library path
 * only for those the device does not have.
 */
const LIBS = ['libvulkan.so.1', 'libGLdispatch.so.0', 'libGLX.so.0', 'libEGL.so.1', 'libOpenGL.so.0'];
const LIB_DIRS = ['/usr/lib/x86_64-linux-gnu', '/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib'];

function log(s) {
  process.stdout.write(`${s}\n`);
}

function copyInto(from, to) {
  mkdirSync(dirname(to), { recursive: true });
  cpSync(from, to, { recursive: true, dereference: true });
}

async function bundles() {
  const { buildBundles, bundleOptions } = await import(pathToFileURL(join(ROOT, 'scripts', 'build.mjs')).href);
  await buildBundles({ targets: ['cli'], outdir: join(APP, 'dist') });
  // The benchmarks as the CLI is bundled: ESM with a require() for CommonJS dependencies, kernels
  // inlined, the native packages left to node_modules.
  const cli = bundleOptions({ outdir: join(APP, 'dist') }).cli;
  await build({
    entryPoints: Object.fromEntries(BENCHES.map((b) => [b, join(ROOT, 'bench', `${b}.ts`)])),
    outdir: join(APP, 'bench'),
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'inline',
    banner: cli.banner,
    define: cli.define,
    external: ['webgpu', 'onnxruntime-node'],
    absWorkingDir: ROOT,
    logLevel: 'warning',
  });
}

function nodeModules() {
  const nm = join(ROOT, 'node_modules');
  const webgpu = join(nm, 'webgpu');
  for (const f of ['package.json', 'index.js', 'LICENSE.md']) copyInto(join(webgpu, f), join(APP, 'node_modules', 'webgpu', f));
  const dawn = join(webgpu, 'dist', TARGET, 'dawn.node');
  if (!existsSync(dawn)) throw new Error(`no ${dawn}: run npm ci`);
  copyInto(dawn, join(APP, 'node_modules', 'webgpu', 'dist', TARGET, 'dawn.node'));
  if (!withOrt) return;
  const ort = join(nm, 'onnxruntime-node');
  for (const f of ['package.json', 'dist', 'lib', 'README.md']) if (existsSync(join(ort, f))) copyInto(join(ort, f), join(APP, 'node_modules', 'onnxruntime-node', f));
  const ortBin = join(ort, 'bin', 'napi-v6', 'linux', 'x64');
  if (!existsSync(ortBin)) throw new Error(`no ${ortBin}: onnxruntime-node's linux-x64 binaries are missing`);
  copyInto(ortBin, join(APP, 'node_modules', 'onnxruntime-node', 'bin', 'napi-v6', 'linux', 'x64'));
  copyInto(join(nm, 'onnxruntime-common'), join(APP, 'node_modules', 'onnxruntime-common'));
}

function systemLibraries() {
  const found = [];
  for (const lib of LIBS) {
    const dir = LIB_DIRS.find((d) => existsSync(join(d, lib)));
    if (!dir) {
      log(`  note: ${lib} not found on this machine; the device must have its own`);
      continue;
    }
    copyFileSync(realpathSync(join(dir, lib)), join(APP, 'lib', lib));
    found.push(lib);
  }
  return found;
}

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

function version(pkg) {
  try {
    return JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

function gitCommit() {
  const r = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error(`packing needs linux-x64 (the device's platform); this is ${process.platform}-${process.arch}`);
const t0 = performance.now();
rmSync(OUT, { recursive: true, force: true });
mkdirSync(join(APP, 'lib'), { recursive: true });
log(`packing into ${relative(ROOT, OUT)}/`);
await bundles();
log('  bundles: dist/cli.mjs, ' + BENCHES.map((b) => `bench/${b}.mjs`).join(', '));
nodeModules();
log(`  node_modules: webgpu ${version('webgpu')} (dawn.node ${TARGET})${withOrt ? `, onnxruntime-node ${version('onnxruntime-node')}` : ''}`);
const libs = systemLibraries();
log(`  lib: ${libs.join(', ') || 'none'}`);
copyFileSync(process.execPath, join(APP, 'node'));
log(`  node ${process.version} (${process.execPath})`);
const files = walk(APP).map((p) => ({ path: relative(APP, p), bytes: statSync(p).size }));
const manifest = {
  date: new Date().toISOString(),
  commit: gitCommit(),
  node: process.version,
  webgpu: version('webgpu'),
  onnxruntimeNode: withOrt ? version('onnxruntime-node') : null,
  target: TARGET,
  libs,
  files,
  bytes: files.reduce((a, f) => a + f.bytes, 0),
};
writeFileSync(join(APP, 'MANIFEST.json'), JSON.stringify(manifest, null, 2));
log(`  ${files.length} files, ${(manifest.bytes / 2 ** 20).toFixed(1)} MiB; compressing (xz) …`);
execFileSync('tar', ['-C', OUT, '-cf', join(OUT, 'pack.tar'), 'app']);
execFileSync('xz', ['-T0', '-6', '-f', join(OUT, 'pack.tar')]);
copyFileSync(join(APP, 'MANIFEST.json'), join(OUT, 'MANIFEST.json'));
rmSync(APP, { recursive: true, force: true });
const packed = statSync(join(OUT, 'pack.tar.xz')).size;
log(`wrote ${relative(ROOT, join(OUT, 'pack.tar.xz'))}: ${(packed / 2 ** 20).toFixed(1)} MiB in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
if (packed > 60 * 2 ** 20) log('WARNING: over 60 MiB; a device run carries at most 64 MiB (pack with --no-ort to leave onnxruntime-node out)');
