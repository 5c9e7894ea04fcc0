// A WebGPU device from Dawn: the adapter's limits requested in full (Dawn otherwise gives WebGPU's
// defaults), the optional features kernels use when present (shader-f16, timestamp-query, subgroups),
// Dawn toggles passed through, and device loss recorded so later calls fail with its reason. Holds
// the pipeline cache, so programs run on one device share compiled kernels. destroy() releases the
// device and drops the Dawn instance, after which the process can exit on its own.

import type { DeviceCapabilities } from '../codegen/capabilities.js';
import { loadDawn } from './dawn.js';
import { WebGpuError, message, noAdapterError } from './errors.js';
import { PipelineCache } from './pipelines.js';

export interface WebGpuOptions {
  /** Dawn backend: 'vulkan', 'opengles', 'metal', 'd3d12', … (Dawn's default when absent). */
  readonly backend?: string;
  /** Adapter name filter (Dawn's `adapter=` flag). */
  readonly adapter?: string;
  /** Dawn toggles to enable / disable, on top of the defaults below. */
  readonly enableToggles?: readonly string[];
  readonly disableToggles?: readonly string[];
  readonly powerPreference?: 'low-power' | 'high-performance';
  /** Leave out optional features even where the adapter has them (e.g. to test the portable kernels). */
  readonly withoutFeatures?: readonly OptionalFeature[];
  /**
   * Specialise pipelines on op and type codes (override constants) or read them from uniforms; by
   * default on for hardware adapters, off for software ones (src/codegen/capabilities.ts says why).
   */
  readonly specializeCodes?: boolean;
  /** Stage half GEMM operands as f16 tiles where shader-f16 exists (src/codegen/capabilities.ts). */
  readonly halfTiles?: boolean;
  /** GEMMs read operands from storage, no workgroup tiles; by default on where shaders run on the CPU (runsOnCpu). */
  readonly directLoads?: boolean;
  /**
   * Add ORT's performance toggles (PERF_TOGGLES): what `perf` and the benchmarks time with, so their
   * figures compare with each other and with ORT's WebGPU EP. Off by default (`run`, the tests).
   */
  readonly perfToggles?: boolean;
}

/**
 * The device toggles ORT's WebGPU EP sets (reference/webgpu.md §1, webgpu_context.cc): no robustness
 * clamps on array indices, no zero-initialised workgroup memory, no API validation, no lazy clears of
 * new buffers. Timing runs use them (`perf`, bench/); a program that reads out of bounds or before it
 * writes then gets undefined values instead of clamped ones, so `run` and the tests keep Dawn's defaults.
 * NOTE: the standalone attention bench ran with these and `perf` without them when the H200 figures
 * disagreed (0.637 vs 2.83 ms); docs/attention-kernel.md, "Inside a program".
 */
export const PERF_TOGGLES = {
  enable: ['disable_robustness', 'skip_validation', 'disable_workgroup_init'],
  disable: ['lazy_clear_resource_on_first_use'],
} as const;

export type OptionalFeature = 'shader-f16' | 'timestamp-query' | 'subgroups';

const OPTIONAL_FEATURES: readonly OptionalFeature[] = ['shader-f16', 'timestamp-query', 'subgroups'];

/**
 * Always on: f16 on NVIDIA drivers older than 615.71 (Dawn blocks it there without the toggle), and
 * timestamps at full resolution (Dawn quantises them to 65.5 µs otherwise). reference/webgpu.md §3, §4.
 */
const DEFAULT_ENABLE = ['vulkan_enable_f16_on_nvidia'];
const DEFAULT_DISABLE = ['timestamp_quantization'];

export interface AdapterDescription {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  readonly isFallbackAdapter: boolean;
  readonly backend: string;
}

const unique = (xs: readonly string[]): string[] => [...new Set(xs)];

/**
 * Whether the adapter runs shaders on the CPU: Dawn's fallback adapter (lavapipe on Vulkan), or Mesa's
 * llvmpipe behind the GLES backend, which Dawn does not flag as a fallback (its device string names it).
 */
export function runsOnCpu(info: Pick<AdapterDescription, 'isFallbackAdapter' | 'device' | 'description'>): boolean {
  return info.isFallbackAdapter || /llvmpipe|lavapipe|swiftshader|softpipe/i.test(`${info.device} ${info.description}`);
}

export class WebGpuDevice {
  readonly pipelines: PipelineCache;
  /** The Dawn toggles this device was asked for, defaults included. */
  readonly toggles: { readonly enabled: readonly string[]; readonly disabled: readonly string[] };
  lostReason: string | undefined;
  private destroyed = false;

  private constructor(
    /** NOTE: the Dawn instance and adapter, kept referenced for the device's lifetime (see dawn.ts). */
    private readonly keepAlive: { instance?: GPU; adapter?: GPUAdapter },
    readonly device: GPUDevice,
    readonly info: AdapterDescription,
    readonly features: ReadonlySet<string>,
    readonly specializeCodes: boolean,
    private readonly halfTiles: boolean,
    private readonly directLoads: boolean,
    toggles: { readonly enabled: readonly string[]; readonly disabled: readonly string[] },
  ) {
    this.toggles = toggles;
    this.pipelines = new PipelineCache(device);
    void device.lost.then((lost) => {
      if (!this.destroyed) this.lostReason = `${lost.reason}: ${lost.message}`;
    });
  }

  static async create(options: WebGpuOptions = {}): Promise<WebGpuDevice> {
    const dawn = await loadDawn();
    const flags: string[] = [];
    if (options.backend) flags.push(`backend=${options.backend}`);
    if (options.adapter) flags.push(`adapter=${options.adapter}`);
    const perf = options.perfToggles === true;
    const enabled = unique([...DEFAULT_ENABLE, ...(perf ? PERF_TOGGLES.enable : []), ...(options.enableToggles ?? [])]);
    const disabled = unique([...DEFAULT_DISABLE, ...(perf ? PERF_TOGGLES.disable : []), ...(options.disableToggles ?? [])]);
    flags.push(`enable-dawn-features=${enabled.join(',')}`);
    flags.push(`disable-dawn-features=${disabled.join(',')}`);
    const gles = options.backend === 'opengles' || options.backend === 'opengl';
    // NOTE: Dawn's EGL needs this before the instance exists, or eglInitialize fails on a headless machine.
    if (gles) process.env['EGL_PLATFORM'] ??= 'surfaceless';
    let instance: GPU;
    let adapter: GPUAdapter | null;
    try {
      instance = dawn.create(flags);
      adapter = await instance.requestAdapter({
        // GLES only offers a compatibility-mode adapter.
        ...(gles ? { featureLevel: 'compatibility' } : {}),
        ...(options.powerPreference ? { powerPreference: options.powerPreference } : {}),
      });
    } catch (e) {
      throw noAdapterError(options.backend, message(e).split('\n')[0]);
    }
    if (!adapter) throw noAdapterError(options.backend);
    const without = new Set(options.withoutFeatures ?? []);
    const requiredFeatures = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f) && !without.has(f));
    const requiredLimits: Record<string, number> = {};
    for (const key in adapter.limits) {
      const v = (adapter.limits as unknown as Record<string, unknown>)[key];
      if (typeof v === 'number') requiredLimits[key] = v;
    }
    let device: GPUDevice;
    try {
      device = await adapter.requestDevice({ requiredFeatures, requiredLimits, label: 'onnx-fp8' });
    } catch (e) {
      throw new WebGpuError(`cannot create a WebGPU device on ${adapter.info.description || adapter.info.device}: ${message(e)}`);
    }
    const info: AdapterDescription = {
      vendor: adapter.info.vendor,
      architecture: adapter.info.architecture,
      device: adapter.info.device,
      description: adapter.info.description,
      isFallbackAdapter: (adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false,
      backend: options.backend ?? 'default',
    };
    const specialize = options.specializeCodes ?? !info.isFallbackAdapter;
    return new WebGpuDevice({ instance, adapter }, device, info, new Set(requiredFeatures), specialize, options.halfTiles ?? false, options.directLoads ?? runsOnCpu(info), { enabled, disabled });
  }

  get limits(): GPUSupportedLimits {
    return this.device.limits;
  }

  get capabilities(): DeviceCapabilities {
    const l = this.device.limits;
    return {
      shaderF16: this.features.has('shader-f16'),
      halfTiles: this.halfTiles && this.features.has('shader-f16'),
      specializeCodes: this.specializeCodes,
      directLoads: this.directLoads,
      shadersOnCpu: runsOnCpu(this.info),
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    };
  }

  /** One line for logs: `llvmpipe (mesa, fallback adapter, vulkan), features shader-f16 timestamp-query`. */
  describe(): string {
    const i = this.info;
    const name = i.description || i.device || 'unknown adapter';
    const traits = [i.vendor, i.architecture, i.isFallbackAdapter ? 'fallback adapter' : '', `backend ${i.backend}`].filter((s) => s);
    const codes = this.specializeCodes ? 'specialised pipelines' : 'op and type codes in uniforms below 2^20 elements';
    const loads = this.directLoads ? ', GEMMs with direct loads' : '';
    return `${name} (${traits.join(', ')}), features: ${[...this.features].join(' ') || 'none'}, ${codes}${loads}${this.perfToggles ? ", ORT's perf toggles (no robustness, no validation)" : ''}`;
  }

  /** Whether every toggle of PERF_TOGGLES is in effect (as `perf` and the benchmarks run). */
  get perfToggles(): boolean {
    return PERF_TOGGLES.enable.every((t) => this.toggles.enabled.includes(t)) && PERF_TOGGLES.disable.every((t) => this.toggles.disabled.includes(t));
  }

  /** Throws if the device was lost (or destroyed); every runtime entry point calls it first. */
  checkAlive(): void {
    if (this.destroyed) throw new WebGpuError('the WebGPU device was destroyed');
    if (this.lostReason !== undefined) throw new WebGpuError(`the WebGPU device was lost (${this.lostReason})`);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.pipelines.clear();
    this.device.destroy();
    // Drop Dawn only once the loss the destroy causes has been delivered (Dawn polls until then).
    void this.device.lost.then(() => {
      delete this.keepAlive.instance;
      delete this.keepAlive.adapter;
    });
  }
}
