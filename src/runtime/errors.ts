// Errors of the WebGPU runtime: the environment or the device failed, not the model (a model the
// backend cannot run is UnsupportedOnWebGpuError, in src/codegen). Each message is one sentence that
// says what failed and, where there is one, how to fix it; shader compile errors add the numbered
// source on the following lines.

export class WebGpuError extends Error {
  override name = 'WebGpuError';
}

export const HOW_TO_GET_AN_ADAPTER =
  'how to fix: install Mesa 25 lavapipe (scripts/install-system-deps.sh; Debian 12 needs mesa-vulkan-drivers and libvulkan1 from bookworm-backports) or use a GPU, or try Dawn\'s GLES backend (backend opengles, on Mesa llvmpipe)';

export function noAdapterError(backend: string | undefined, detail?: string): WebGpuError {
  const which = backend ? ` for backend '${backend}'` : '';
  const why = detail ? ` (${detail})` : '';
  return new WebGpuError(`no WebGPU adapter found${which}${why}: ${HOW_TO_GET_AN_ADAPTER}`);
}

export function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
