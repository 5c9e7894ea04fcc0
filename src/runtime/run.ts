// runOnWebGpu: lower a compiled program, run it once on a WebGPU device and return its outputs as IR
// Tensors (the same contract as the reference interpreter's evaluateProgram). Creates and destroys its
// own device unless one is passed in (tests and benchmarks reuse one, and its compiled kernels).

import type { LoweringFallback } from '../codegen/launch.js';
import { lowerProgram } from '../codegen/lower.js';
import type { Program } from '../ir/program.js';
import type { Tensor } from '../ir/tensor.js';
import { WebGpuDevice, type WebGpuOptions } from './device.js';
import { ExecutableProgram } from './executable.js';

export interface RunOnWebGpuOptions extends WebGpuOptions {
  /** A device to run on (kept open); otherwise one is created from the options and destroyed after. */
  readonly device?: WebGpuDevice;
  /** Told of each fused op that runs as separate kernels on this device (an attention group the fused kernel does not take). */
  readonly onFallback?: (fallback: LoweringFallback) => void;
}

/** The outputs of main's `@return`, in order. Parameters are checked as evaluateProgram checks them. */
export async function runOnWebGpu(program: Program, params: ReadonlyMap<string, Tensor>, options: RunOnWebGpuOptions = {}): Promise<Tensor[]> {
  const gpu = options.device ?? (await WebGpuDevice.create(options));
  try {
    const lowered = lowerProgram(program, gpu.capabilities);
    lowered.fallbacks.forEach((f) => options.onFallback?.(f));
    const executable = await ExecutableProgram.prepare(gpu, lowered);
    try {
      return (await executable.run(params)).outputs;
    } finally {
      executable.destroy();
    }
  } finally {
    if (!options.device) gpu.destroy();
  }
}
