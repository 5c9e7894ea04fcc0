// One WebGPU device per test file, or a clear skip. In CI (ONNX_FP8_REQUIRE_GPU=1, set by .ci/run)
// a missing adapter fails the test loudly; locally the device tests skip and say how many and why.
// ONNX_FP8_WEBGPU_BACKEND=opengles runs them on Dawn's GLES backend instead of the default (Vulkan).

import { WebGpuDevice, type WebGpuOptions } from '../../src/runtime/device.js';

export const REQUIRE_GPU = process.env['ONNX_FP8_REQUIRE_GPU'] === '1';
export const BACKEND = process.env['ONNX_FP8_WEBGPU_BACKEND'] || undefined;

export function deviceOptions(extra: WebGpuOptions = {}): WebGpuOptions {
  return BACKEND ? { backend: BACKEND, ...extra } : extra;
}

export type GpuOrSkip = { readonly gpu: WebGpuDevice; readonly skip?: undefined } | { readonly gpu?: undefined; readonly skip: string };

let shared: Promise<GpuOrSkip> | undefined;

/** The file's device (created once). Throws when ONNX_FP8_REQUIRE_GPU=1 and there is none. */
export function acquireGpu(): Promise<GpuOrSkip> {
  shared ??= WebGpuDevice.create(deviceOptions()).then(
    (gpu): GpuOrSkip => {
      console.log(`webgpu device: ${gpu.describe()}`);
      return { gpu };
    },
    (e: unknown): GpuOrSkip => {
      const reason = e instanceof Error ? e.message : String(e);
      if (REQUIRE_GPU) throw new Error(`ONNX_FP8_REQUIRE_GPU=1 but no WebGPU device: ${reason}`);
      return { skip: reason };
    },
  );
  return shared;
}

/** Destroys the file's device (call from an `after` hook) so the test process exits on its own. */
export async function releaseGpu(): Promise<void> {
  if (!shared) return;
  const s = await shared;
  s.gpu?.destroy();
  shared = undefined;
}

/**
 * Prints the skip line every skipping device test prints: how many tests skipped and why. `expected`
 * skips (a feature the backend lacks) do not become failures in CI; a missing device does.
 */
export function reportSkipped(file: string, count: number, reason: string, expected = false): string {
  const hint = expected ? '' : ' (set ONNX_FP8_REQUIRE_GPU=1 to make this a failure)';
  const line = `SKIPPED ${count} WebGPU test(s) in ${file}: ${reason}${hint}`;
  console.log(line);
  return line;
}
