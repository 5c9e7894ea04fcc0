// Writing the CLI's outputs without losing user files: never onto the model being read, never over an
// existing file unless --force, and atomically (write a temporary file, then rename), so an interrupted
// run leaves either the old file or the new one.

import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ModelError } from '../errors.js';

export interface WriteGuard {
  /** Files that must never be written (the model and its inputs). */
  readonly protect: readonly string[];
  readonly force: boolean;
}

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return resolve(a) === resolve(b);
  }
}

export function writeOutputFile(path: string, data: string | Uint8Array, guard: WriteGuard): void {
  for (const p of guard.protect) {
    if (existsSync(path) && sameFile(path, p)) throw new ModelError(`refusing to write over the input file ${p}`, { file: path });
  }
  if (existsSync(path) && !guard.force) {
    throw new ModelError('file exists; refusing to overwrite it (pass --force to replace it)', { file: path });
  }
  mkdirSync(dirname(resolve(path)), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new ModelError(`cannot write: ${(e as Error).message}`, { file: path });
  }
}
