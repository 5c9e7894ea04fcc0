// Shader modules and compute pipelines, compiled once per device and cached: a module per kernel
// variant, a pipeline per (variant, override constants). Each compile runs inside a validation error
// scope; a failure throws a WebGpuError naming the kernel with line:col and the numbered source.
// Bind group layouts come from the kernel descriptors (binding 0 uniform, then storage), not 'auto',
// so a kernel's unused input still binds.

import { variantKey, type KernelSpec, type KernelVariant } from '../codegen/kernel-catalog.js';
import { composeKernel, type ComposedSource } from '../codegen/kernel-source.js';
import { WebGpuError, message } from './errors.js';
import { SHADER_STAGE_COMPUTE } from './dawn.js';
import { formatShaderError } from './shader-errors.js';

export interface CompiledKernel {
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
}

export class PipelineCache {
  private readonly modules = new Map<string, Promise<{ module: GPUShaderModule; source: ComposedSource }>>();
  /** Error scopes are one stack per device: module compiles take turns so each sees its own. */
  private turn: Promise<unknown> = Promise.resolve();
  private readonly pipelines = new Map<string, Promise<CompiledKernel>>();
  private readonly layouts = new Map<KernelSpec, GPUBindGroupLayout>();

  constructor(private readonly device: GPUDevice) {}

  /** Compiles the variant's module (once), failing with the compiler's messages. */
  module(v: KernelVariant): Promise<{ module: GPUShaderModule; source: ComposedSource }> {
    const key = variantKey(v);
    let known = this.modules.get(key);
    if (!known) {
      known = this.turn.then(() => this.compileModule(v, key));
      this.turn = known.catch(() => undefined);
      known.catch(() => this.modules.delete(key));
      this.modules.set(key, known);
    }
    return known;
  }

  private async compileModule(v: KernelVariant, key: string): Promise<{ module: GPUShaderModule; source: ComposedSource }> {
    const source = composeKernel(v);
    this.device.pushErrorScope('validation');
    const module = this.device.createShaderModule({ code: source.text, label: key });
    const info = await module.getCompilationInfo();
    const scope = await this.device.popErrorScope();
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length > 0 || scope) {
      throw new WebGpuError(formatShaderError(key, source, errors, scope?.message));
    }
    return { module, source };
  }

  layout(spec: KernelSpec): GPUBindGroupLayout {
    let layout = this.layouts.get(spec);
    if (!layout) {
      const entries: GPUBindGroupLayoutEntry[] = [{ binding: 0, visibility: SHADER_STAGE_COMPUTE, buffer: { type: 'uniform' } }];
      spec.bindings.forEach((access, i) => {
        entries.push({ binding: i + 1, visibility: SHADER_STAGE_COMPUTE, buffer: { type: access === 'read' ? 'read-only-storage' : 'storage' } });
      });
      layout = this.device.createBindGroupLayout({ entries, label: spec.name });
      this.layouts.set(spec, layout);
    }
    return layout;
  }

  /** The pipeline of a variant with its override constants (compiled once per distinct set). */
  pipeline(v: KernelVariant, constants: Readonly<Record<string, number>>): Promise<CompiledKernel> {
    const names = Object.keys(constants).sort();
    const key = `${variantKey(v)}{${names.map((n) => `${n}=${constants[n]}`).join(',')}}`;
    let p = this.pipelines.get(key);
    if (!p) {
      p = this.build(v, constants, key);
      // A failed build is not cached as failed forever: the next call retries and reports again.
      p.catch(() => this.pipelines.delete(key));
      this.pipelines.set(key, p);
    }
    return p;
  }

  private async build(v: KernelVariant, constants: Readonly<Record<string, number>>, key: string): Promise<CompiledKernel> {
    const { module, source } = await this.module(v);
    const layout = this.layout(v.spec);
    // The async form reports a failure by rejecting (a GPUPipelineError), so it needs no error scope.
    try {
      const pipeline = await this.device.createComputePipelineAsync({
        label: key,
        layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout], label: key }),
        compute: { module, entryPoint: 'main', constants: { ...constants } },
      });
      return { pipeline, layout };
    } catch (e) {
      throw new WebGpuError(formatShaderError(key, source, [], `pipeline creation failed: ${message(e)}`));
    }
  }

  clear(): void {
    this.modules.clear();
    this.pipelines.clear();
    this.layouts.clear();
  }
}
