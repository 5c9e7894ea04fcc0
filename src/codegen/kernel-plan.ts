// What a kernel instruction will run, described at compile time: the lower pass fills
// `gpu::code_object`'s printed fields from this (code_object = bytes of WGSL, global / local =
// invocations of its main launch and of one workgroup) and records the kernel variants and the
// workspace. It lowers the computation exactly as the runtime will, for a device with WebGPU's core
// limits (PORTABLE_CAPABILITIES), over placeholder buffers.

import type { Module } from '../ir/module.js';
import type { Shape } from '../ir/shape.js';
import { PORTABLE_CAPABILITIES, type DeviceCapabilities } from './capabilities.js';
import { variantKey, type KernelVariant } from './kernel-catalog.js';
import { composeKernel } from './kernel-source.js';
import { LoweringContext } from './lower-context.js';
import { lowerKernelInto } from './lower.js';
import type { Launch } from './launch.js';
import { UnsupportedOnWebGpuError } from './unsupported.js';

export interface KernelDescription {
  /** Bytes of WGSL of the distinct shader modules it launches (MIGraphX: the code object's size). */
  readonly codeObject: number;
  /** Invocations of its largest launch, and per workgroup of that launch. */
  readonly global: number;
  readonly local: number;
  /**
   * Its launches' kernel variants with their override constants, distinct, in order, joined by `+`
   * (`gemm[tile=f32,block=4x4]{A_TYPE=13,B_TYPE=13,FUSION=1,WG_X=16,WG_Y=16}`); uniforms (shapes, strides,
   * offsets) follow from the submodule and the argument shapes.
   */
  readonly kernel: string;
  /** Bytes of kernel-internal temporaries (only computations that run as several launches have any). */
  readonly workspace: number;
  /** Set when the WebGPU backend cannot run it (the reason, as lowering would report it). */
  readonly unsupported?: string;
}

const moduleBytes = new Map<string, number>();

/** UTF-8 bytes of a variant's composed WGSL (cached per variant). */
export function shaderBytes(v: KernelVariant): number {
  const key = v.spec.generated === undefined ? variantKey(v) : `${variantKey(v)}\n${v.spec.generated}`;
  let n = moduleBytes.get(key);
  if (n === undefined) {
    n = new TextEncoder().encode(composeKernel(v).text).length;
    moduleBytes.set(key, n);
  }
  return n;
}

/** Invocations per workgroup of a launch (its WG, or WG_X × WG_Y, override or default). */
export function workgroupInvocations(l: Launch): number {
  const value = (name: string) => l.constants[name] ?? l.variant.spec.overrides[name] ?? undefined;
  const x = value('WG_X');
  if (typeof x === 'number') return x * (value('WG_Y') ?? 1);
  const wg = value('WG');
  return typeof wg === 'number' ? wg : 1;
}

export function describeKernel(computation: Module, args: readonly Shape[], output: Shape, caps: DeviceCapabilities = PORTABLE_CAPABILITIES): KernelDescription {
  const ctx = new LoweringContext(caps);
  const views = args.map((s, k) => ({ buffer: ctx.addBuffer(s.bytes(), 'param', `x${k}`), shape: s, offset: 0 }));
  const out = { buffer: ctx.addBuffer(output.bytes(), 'output', 'output'), shape: output, offset: 0 };
  let workspace: number;
  try {
    workspace = lowerKernelInto(ctx, computation, views, out, undefined);
  } catch (e) {
    // The program is still valid (the interpreter runs it); the WebGPU runtime reports the same error
    // when it lowers this kernel. Compiling never fails on what only the GPU backend lacks.
    const reason = e instanceof UnsupportedOnWebGpuError ? e.message : `webgpu lowering failed: ${e instanceof Error ? e.message : String(e)}`;
    return { codeObject: 0, global: 0, local: 0, kernel: '', workspace: 0, unsupported: reason };
  }
  const variants = new Map<string, KernelVariant>();
  const specialised = new Set<string>();
  let main: Launch | undefined;
  let mainGlobal = -1;
  for (const l of ctx.launches) {
    variants.set(variantKey(l.variant), l.variant);
    const constants = Object.keys(l.constants).sort().map((k) => `${k}=${l.constants[k]}`);
    specialised.add(`${variantKey(l.variant)}{${constants.join(',')}}`);
    const local = workgroupInvocations(l);
    const global = l.workgroups[0] * l.workgroups[1] * l.workgroups[2] * local;
    if (global > mainGlobal) {
      main = l;
      mainGlobal = global;
    }
  }
  const codeObject = [...variants.values()].reduce((a, v) => a + shaderBytes(v), 0);
  return {
    codeObject,
    global: Math.max(0, mainGlobal),
    local: main ? workgroupInvocations(main) : 0,
    kernel: [...specialised].join('+'),
    workspace,
  };
}
