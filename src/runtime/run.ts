// runOnWebGpu: lower a compiled program, run it once on a WebGPU device and return its outputs as IR
// Tensors (the same contract as the reference interpreter's evaluateProgram). Creates and destroys its
// own device unless one is passed in (tests and benchmarks reuse one, and its compiled kernels).

import { lowerProgram } from '../codegen/lower.js';
import type { Program } from '../ir/program.js';
import type { Tensor } from '../ir/tensor.js';
import { WebGpuDevice, type WebGpuOptions } from './device.js';
import { ExecutableProgram } from './executable.js';

export interface RunOnWebGpuOptions extends WebGpuOptions {
  /** A device to run on (kept open); otherwise one is created from the options and destroyed after. */
  readonly device?: WebGpuDevice;
}

/** The outputs of main's `@return`, in order. Parameters are checked as evaluateProgram checks them. */
export async function runOnWebGpu(program: Program, params: ReadonlyMap<string, Tensor>, options: RunOnWebGpuOptions = {}): Promise<Tensor[]> {
  const gpu = options.device ?? (await WebGpuDevice.create(options));
  try {
    const executable = await ExecutableProgram.prepare(gpu, lowerProgram(program, gpu.capabilities));
    try {
      return (await executable.run(params)).outputs;
    } finally {
      executable.destroy();
    }
  } finally {
    if (!options.device) gpu.destroy();
  }
}
