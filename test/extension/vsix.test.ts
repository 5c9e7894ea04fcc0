// Packaging: production bundles + the staged webgpu package (extension/stage-dawn.mjs) + `vsce package
// --no-dependencies` (offline) in a staging copy of the repository's manifest, README, .vscodeignore and
// media, with sources, maps and node_modules lying around as they do in a checkout. The VSIX must hold
// exactly what runs: the bundles, media, and the webgpu loader with this platform's dawn.node.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { pathToFileURL } from 'node:url';
import { repoPath } from '../helpers/paths.js';

interface BuildModule {
  buildBundles(o: { targets?: string[]; outdir?: string; production?: boolean }): Promise<void>;
}
interface StageModule {
  stageDawn(distDir: string): string[];
  dawnTarget(): string;
}

const stage = mkdtempSync(join(tmpdir(), 'onnx-fp8-vsix-'));
after(() => rmSync(stage, { recursive: true, force: true }));

/** Names and contents of a zip archive's entries (stored or deflated), read from its central directory. */
function readZip(buf: Buffer): Map<string, Buffer> {
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  assert.ok(eocd >= 0, 'not a zip file');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50);
    const method = buf.readUInt16LE(p + 10);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(dataStart, dataStart + size);
    out.set(name, method === 8 ? inflateRawSync(data) : Buffer.from(data));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

test('the package script (production bundles, staged dawn.node, vsce package --no-dependencies) makes a VSIX with the bundles, webgpu, media and licence only: no sources, maps or root node_modules', async () => {
  for (const f of ['package.json', 'README.md', 'LICENSE', '.vscodeignore', 'media']) cpSync(repoPath(f), join(stage, f), { recursive: true });
  const build = (await import(pathToFileURL(repoPath('scripts/build.mjs')).href)) as BuildModule;
  await build.buildBundles({ outdir: join(stage, 'dist'), production: true });
  const dawn = (await import(pathToFileURL(repoPath('extension/stage-dawn.mjs')).href)) as StageModule;
  const staged = dawn.stageDawn(join(stage, 'dist'));
  const target = dawn.dawnTarget();
  // What else lies in a checkout, and must stay out.
  for (const junk of ['src/compiler.ts', 'extension/host.ts', 'webview/ir-view/main.ts', 'test/x.test.ts', 'docs/extension.md', 'node_modules/protobufjs/index.js', 'dist/cli.mjs.map', 'dist/extension.cjs.map', 'dist/webview/ir-view.js.map', 'tsconfig.json', 'onnx-fp8.vsix', 'examples/bert_layer.onnx']) {
    mkdirSync(dirname(join(stage, junk)), { recursive: true });
    writeFileSync(join(stage, junk), 'junk');
  }
  const vsce = spawnSync(process.execPath, [repoPath('node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '--out', 'out.vsix'], {
    cwd: stage,
    encoding: 'utf8',
    timeout: 60_000,
    input: '',
  });
  assert.equal(vsce.status, 0, `vsce failed:\n${vsce.stdout}\n${vsce.stderr}`);

  const zip = readZip(readFileSync(join(stage, 'out.vsix')));
  assert.deepEqual(
    [...zip.keys()].sort(),
    [
      '[Content_Types].xml',
      'extension.vsixmanifest',
      'extension/LICENSE.txt',
      'extension/dist/cli.mjs',
      'extension/dist/extension.cjs',
      ...staged.map((f) => `extension/dist/${f}`),
      'extension/dist/webview/ir-view.css',
      'extension/dist/webview/ir-view.js',
      'extension/dist/webview/perf-panel.css',
      'extension/dist/webview/perf-panel.js',
      'extension/media/icon.png',
      'extension/package.json',
      'extension/readme.md',
    ].sort(),
  );
  // One platform's binary and the loader, nothing else of the package.
  assert.ok(staged.includes(`node_modules/webgpu/dist/${target}/dawn.node`), staged.join(', '));
  assert.deepEqual(
    staged.filter((f) => !f.startsWith(`node_modules/webgpu/dist/${target}/`)),
    ['node_modules/webgpu/package.json', 'node_modules/webgpu/index.js', 'node_modules/webgpu/LICENSE.md'],
  );
  assert.equal(zip.get(`extension/dist/node_modules/webgpu/dist/${target}/dawn.node`)!.length, readFileSync(repoPath(`node_modules/webgpu/dist/${target}/dawn.node`)).length);
  // Production bundles: minified, no source map references; the extension loads `vscode` from the editor.
  const ext = zip.get('extension/dist/extension.cjs')!.toString();
  assert.doesNotMatch(ext, /sourceMappingURL/);
  assert.match(ext, /require\("vscode"\)/);
  assert.ok(ext.split('\n').length < 40, 'minified');
  assert.doesNotMatch(zip.get('extension/dist/webview/ir-view.js')!.toString(), /sourceMappingURL/);
  assert.doesNotMatch(zip.get('extension/dist/webview/perf-panel.js')!.toString(), /sourceMappingURL/);
  const manifest = JSON.parse(zip.get('extension/package.json')!.toString()) as { main: string; engines: { vscode: string } };
  assert.equal(manifest.main, './dist/extension.cjs');
  assert.equal(manifest.engines.vscode, '^1.90.0');
});
