// Builds onnx-fp8.vsix as `npm run package` does (production bundles, the webgpu package staged into
// dist/node_modules by extension/stage-dawn.mjs, then `vsce package --no-dependencies`), but in a staging
// folder: the repository's dist/ is left alone, since other test files read it while this one runs.

import { spawn } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoPath } from '../helpers/paths.js';

interface BuildModule {
  buildBundles(o: { targets?: string[]; outdir?: string; production?: boolean }): Promise<void>;
}
interface StageModule {
  stageDawn(distDir: string): string[];
}

export interface PackagedExtension {
  readonly vsix: string;
  /** The CLI bundle that went into the VSIX (the one the extension runs; it finds the staged webgpu). */
  readonly cli: string;
}

export async function packageVsix(stage: string): Promise<PackagedExtension> {
  for (const f of ['package.json', 'README.md', 'LICENSE', '.vscodeignore', 'media']) cpSync(repoPath(f), join(stage, f), { recursive: true });
  const build = (await import(pathToFileURL(repoPath('scripts/build.mjs')).href)) as BuildModule;
  await build.buildBundles({ outdir: join(stage, 'dist'), production: true });
  const dawn = (await import(pathToFileURL(repoPath('extension/stage-dawn.mjs')).href)) as StageModule;
  dawn.stageDawn(join(stage, 'dist'));
  const vsix = join(stage, 'onnx-fp8.vsix');
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [repoPath('node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '--out', vsix], {
      cwd: stage,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 120_000,
      killSignal: 'SIGKILL',
    });
    child.stdout.on('data', (d: Buffer) => output.push(d.toString()));
    child.stderr.on('data', (d: Buffer) => output.push(d.toString()));
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0 || !existsSync(vsix)) throw new Error(`vsce package failed (exit ${code}):\n${output.join('')}`);
  return { vsix, cli: join(stage, 'dist', 'cli.mjs') };
}
