// Puts the `webgpu` package (Dawn for Node) next to the CLI bundle, as <dist>/node_modules/webgpu/ with
// only this machine's prebuilt dawn.node, so that the packaged extension's perf runner (dist/cli.mjs in a
// child Node process) finds it with `import('webgpu')`. It goes under dist/ because `vsce package
// --no-dependencies` never packs the root node_modules/; .vscodeignore lets these files in.
//   node extension/stage-dawn.mjs [distDir]        (npm run package does this after the build)
// NOTE: the VSIX then runs perf on this platform only (linux-x64 on CI); per-target VSIXs
// (`vsce package --target`) would stage each target's binary instead.
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The folder of the webgpu package's prebuilt binaries for a platform (macOS ships one universal build). */
export function dawnTarget(platform = process.platform, arch = process.arch) {
  return platform === 'darwin' ? 'darwin-universal' : `${platform}-${arch}`;
}

/** Copies the loader and one platform's binaries into <distDir>/node_modules/webgpu; returns the copied paths (relative to distDir). */
export function stageDawn(distDir, { root = ROOT, platform = process.platform, arch = process.arch } = {}) {
  const from = join(root, 'node_modules', 'webgpu');
  const target = dawnTarget(platform, arch);
  const binaries = join(from, 'dist', target);
  if (!existsSync(join(binaries, 'dawn.node'))) throw new Error(`no prebuilt dawn.node for ${target} in ${from} (run npm ci)`);
  const to = join(distDir, 'node_modules', 'webgpu');
  rmSync(to, { recursive: true, force: true });
  mkdirSync(join(to, 'dist', target), { recursive: true });
  const copied = [];
  for (const f of ['package.json', 'index.js', 'LICENSE.md']) {
    cpSync(join(from, f), join(to, f));
    copied.push(`node_modules/webgpu/${f}`);
  }
  for (const f of readdirSync(binaries)) {
    cpSync(join(binaries, f), join(to, 'dist', target, f));
    copied.push(`node_modules/webgpu/dist/${target}/${f}`);
  }
  return copied;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dist = resolve(process.argv[2] ?? join(ROOT, 'dist'));
  const files = stageDawn(dist);
  console.log(`staged ${files.length} files of webgpu into ${join(dist, 'node_modules', 'webgpu')}`);
}
