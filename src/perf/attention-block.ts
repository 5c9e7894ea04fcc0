// The fused attention kernel launched on its own, as the benchmarks time it (bench/attention.ts,
// bench/webgpu-suite.ts): q, k, v contiguous half [B, H, S, D], an fp8 e4m3fn output through the
// quantizelinear epilogue, one launch. And the check that a compiled program launches the same kernel
// the same way: launchDifferences lists every difference between two launches (variant, override
// constants, workgroups, each uniform field), so a benchmark figure stands for the program's kernel.
// Not here: lowering (src/codegen/lower-attention.ts) or timing (measure.ts, the benchmarks).

import { attentionLaunch, type AttentionTiling } from '../codegen/attention-kernel.js';
import type { DeviceCapabilities } from '../codegen/capabilities.js';
import { ATTENTION_KERNEL, variantKey } from '../codegen/kernel-catalog.js';
import type { Launch, LoweredProgram } from '../codegen/launch.js';
import { unpackUniforms } from '../codegen/uniforms.js';
import { Shape } from '../ir/shape.js';
import type { ElementType } from '../ir/types.js';

export interface StandaloneAttention {
  readonly batch?: number;
  readonly heads?: number;
  readonly seq: number;
  readonly headDim?: number;
  /** Multiplies Q·Kᵀ (the seed model has none: 1). */
  readonly scale: number;
  /** quantizelinear's y_scale of the fp8 output. */
  readonly yScale: number;
  readonly inType?: ElementType;
  readonly outType?: ElementType;
  /** Force a tiling (sweeps); otherwise attentionLaunch picks it from the device's capabilities. */
  readonly tiling?: AttentionTiling;
  readonly label?: string;
}

/** The lens of q, k, v and the output. */
export function blockLens(b: StandaloneAttention): number[] {
  return [b.batch ?? 1, b.heads ?? 16, b.seq, b.headDim ?? 128];
}

/** The block as one launch over buffers 0–2 (parameters q, k, v) and 3 (the output). */
export function standaloneAttentionProgram(b: StandaloneAttention, caps: DeviceCapabilities): LoweredProgram {
  const shape = new Shape(b.inType ?? 'half_type', blockLens(b));
  const outShape = new Shape(b.outType ?? 'fp8e4m3fn_type', blockLens(b));
  const launch = attentionLaunch(
    {
      q: { buffer: 0, shape, offset: 0 },
      k: { buffer: 1, shape, offset: 0 },
      v: { buffer: 2, shape, offset: 0 },
      output: { buffer: 3, shape: outShape, offset: 0 },
      scale: b.scale,
      quantize: { scale: b.yScale },
      ...(b.tiling ? { tiling: b.tiling } : {}),
      label: b.label ?? `attention S=${b.seq}`,
    },
    caps,
  );
  const bytes = (s: Shape) => Math.max(4, Math.ceil(s.bytes() / 4) * 4);
  return {
    buffers: [
      ...['q', 'k', 'v'].map((name, id) => ({ id, bytes: bytes(shape), kind: 'param' as const, label: `@param:${name}`, param: name })),
      { id: 3, bytes: bytes(outShape), kind: 'intermediate', label: 'attention output' },
    ],
    launches: [launch],
    params: ['q', 'k', 'v'].map((name, buffer) => ({ name, buffer, shape })),
    outputs: [{ buffer: 3, shape: outShape, offset: 0 }],
    fallbacks: [],
  };
}

/** The launches of the fused attention kernel in a lowered program, in order. */
export function attentionLaunches(lowered: LoweredProgram): Launch[] {
  return lowered.launches.filter((l) => l.variant.spec === ATTENTION_KERNEL);
}

/** The score scale and the quantize scale an attention launch was made with (from its uniforms). */
export function attentionScales(launch: Launch): { scale: number; yScale: number } {
  const u = unpackUniforms(ATTENTION_KERNEL.uniforms, launch.uniforms);
  return { scale: (u['scale_log2'] as number) / Math.LOG2E, yScale: u['out_scale'] as number };
}

const show = (v: unknown) => JSON.stringify(v);

/**
 * Every way launch `b` differs from launch `a` of the same kernel, one line each (`constants.BQ: 32 ≠ 64`,
 * `uniforms.k_strides: …`); empty when they run the same pipeline over the same work. Buffer ids,
 * labels and the fields named in `ignore` are not compared.
 */
export function launchDifferences(a: Launch, b: Launch, ignore: readonly string[] = []): string[] {
  const out: string[] = [];
  const differ = (what: string, x: unknown, y: unknown) => {
    if (!ignore.includes(what) && show(x) !== show(y)) out.push(`${what}: ${show(x)} ≠ ${show(y)}`);
  };
  differ('variant', variantKey(a.variant), variantKey(b.variant));
  differ('workgroups', a.workgroups, b.workgroups);
  for (const name of new Set([...Object.keys(a.constants), ...Object.keys(b.constants)])) differ(`constants.${name}`, a.constants[name], b.constants[name]);
  if (a.variant.spec === b.variant.spec) {
    const ua = unpackUniforms(a.variant.spec.uniforms, a.uniforms);
    const ub = unpackUniforms(b.variant.spec.uniforms, b.uniforms);
    for (const name of Object.keys(ua)) differ(`uniforms.${name}`, ua[name], ub[name]);
  }
  return out;
}
