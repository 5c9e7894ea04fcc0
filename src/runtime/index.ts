// The WebGPU runtime's public surface (no `vscode`; used by the CLI's `run --device webgpu`, the
// benchmarks and the tests).

export { runOnWebGpu, type RunOnWebGpuOptions } from './run.js';
export { WebGpuDevice, PERF_TOGGLES, type WebGpuOptions, type OptionalFeature, type AdapterDescription } from './device.js';
export { ExecutableProgram, type RunOptions, type RunResult, type KernelTiming, type ProfileResult } from './executable.js';
export { WebGpuError } from './errors.js';
export { UnsupportedOnWebGpuError } from '../codegen/unsupported.js';
