// What lowering needs to know about the device, as plain data (the runtime fills it from the
// adapter's features and the device's limits; tests can make one up).

export interface DeviceCapabilities {
  /** `shader-f16` is enabled. */
  readonly shaderF16: boolean;
  /**
   * Stage half GEMM operands as f16 in workgroup memory (needs shader-f16). Off by default: on an
   * H200 it was slower than float32 tiles (docs/webgpu.md has the figures).
   */
  readonly halfTiles: boolean;
  /**
   * Op and type codes become override constants (a pipeline specialised per op and types, as a GPU
   * wants) rather than uniforms (one pipeline per kernel). Off on software adapters: llvmpipe compiles
   * every pipeline anew (~0.1–0.3 s each), which would dominate a test run of small programs.
   */
  readonly specializeCodes: boolean;
  /**
   * GEMMs read their operands straight from storage instead of staging tiles in workgroup memory. On
   * for software adapters: llvmpipe runs a workgroup's invocations as SIMD lanes of one CPU thread, so
   * a barrier is a switch between them and a workgroup-memory read a gather, and re-reading storage is
   * about twice as fast (docs/perf.md). Off on GPUs, where the tiles are what makes a GEMM fast.
   */
  readonly directLoads: boolean;
  /**
   * Shaders run on the CPU (llvmpipe / lavapipe, SwiftShader): a workgroup is a few SIMD vectors of one
   * CPU thread, so a workgroup barrier is a switch between them and a long row is better reduced by a
   * small workgroup (fused-reduce.ts reduceWorkgroupSize). From runsOnCpu(adapter) on a real device.
   */
  readonly shadersOnCpu: boolean;
  readonly maxComputeWorkgroupsPerDimension: number;
  readonly maxComputeInvocationsPerWorkgroup: number;
  readonly maxComputeWorkgroupStorageSize: number;
}

/** WebGPU's guaranteed minimums (compatibility mode), for lowering without a device. */
export const MINIMUM_CAPABILITIES: DeviceCapabilities = {
  shaderF16: false,
  halfTiles: false,
  specializeCodes: true,
  directLoads: false,
  shadersOnCpu: false,
  maxComputeWorkgroupsPerDimension: 65535,
  maxComputeInvocationsPerWorkgroup: 128,
  maxComputeWorkgroupStorageSize: 16384,
};

/**
 * A device with WebGPU's core limits (256 invocations, 16 KiB of workgroup memory) and no optional
 * features: what compile-time kernel descriptions (`gpu::code_object`'s global, local, code_object)
 * are computed for. A device with these limits or better runs the same kernels.
 */
export const PORTABLE_CAPABILITIES: DeviceCapabilities = {
  shaderF16: false,
  halfTiles: false,
  specializeCodes: true,
  directLoads: false,
  shadersOnCpu: false,
  maxComputeWorkgroupsPerDimension: 65535,
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupStorageSize: 16384,
};

/**
 * On a device that keeps codes in uniforms (specializeCodes false), a pointwise or reduce launch (fused
 * or not) over at least this many elements is specialised all the same: every step of every element
 * otherwise switches over all ops and types. On lavapipe the keep program's dq → softmax → q kernel
 * (16.7 M elements) took 122 ns an element with codes in uniforms and 60 specialised, so from about a
 * million elements one run saves more than the pipeline's compile (0.1–0.3 s) costs.
 */
export const SPECIALIZE_ELEMENTS = 1 << 20;
