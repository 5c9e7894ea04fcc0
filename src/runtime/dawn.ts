// Loads Dawn (the `webgpu` package's dawn.node) on first use, so commands that never touch the GPU do
// not load a native module, and a platform without a prebuilt binary gets a clear error. Also the
// WebGPU flag constants, which Node has no globals for.
// NOTE: the object create() returns must stay referenced while any device from it lives, or the
// process crashes at the next mapAsync / onSubmittedWorkDone (reference/webgpu.md, "A crash to avoid").

import { WebGpuError, message } from './errors.js';

export interface DawnModule {
  create(flags: string[]): GPU;
}

let loaded: Promise<DawnModule> | undefined;

export function loadDawn(): Promise<DawnModule> {
  loaded ??= import('webgpu').then(
    (m) => m as unknown as DawnModule,
    (e: unknown) => {
      loaded = undefined;
      throw new WebGpuError(`cannot load the webgpu package (Dawn for Node): ${message(e)}`);
    },
  );
  return loaded;
}

/** GPUBufferUsage flags (the values the WebGPU spec fixes). */
export const BufferUsage = {
  MAP_READ: 0x0001,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
  QUERY_RESOLVE: 0x0200,
} as const;

export const MAP_MODE_READ = 0x0001;
export const SHADER_STAGE_COMPUTE = 0x4;
