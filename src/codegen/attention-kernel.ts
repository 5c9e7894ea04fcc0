// The fused attention kernel's entry point for lowering: a typed description of one attention block
// (Q, K, V, output as buffer views; scale, softcap, mask, causal offset, GQA, an optional fp8
// quantizelinear epilogue) → a Launch of kernels/attention.wgsl (variant, override constants, packed
// uniforms, bindings, workgroups). Also picks the tiling that fits the device and says why a
// description cannot run (attentionUnsupported) so lowering can fall back to the per-op kernels.
// Not here: finding attention in the IR (src/attention/, passes/fuse-attention.ts).

import { typeId, type ElementType } from '../ir/types.js';
import type { DeviceCapabilities } from './capabilities.js';
import { ceilDiv } from './grid.js';
import { ATTENTION_KERNEL, variantKey, type KernelVariant } from './kernel-catalog.js';
import { DUMMY_BUFFER, type Launch, type ValueView } from './launch.js';
import { packUniforms, type UniformValues } from './uniforms.js';

/** A mask added to (or selecting) the scores, as a view broadcastable to [batch, heads, seqQ, seqKv]. */
export type AttentionMask =
  /** scores + mask, or scores − mask with `subtract` (float or half; a key whose term is −Inf is left out). */
  | { readonly kind: 'additive'; readonly view: ValueView; readonly subtract?: boolean }
  /**
   * where(mask == keepWhen, scores, fill) on bool_type: `fill` is the score a masked key gets, in the
   * units of the scaled (and softcapped) scores; −Inf (the default) leaves the key out.
   */
  | { readonly kind: 'bool'; readonly view: ValueView; readonly keepWhen?: boolean; readonly fill?: number };

/**
 * One attention block: O = softmax(mask(softcap(scale · Q·Kᵀ))) · V, then optionally
 * quantizelinear(O, scale) to fp8. Views carry their buffer id, lens, strides and element offset, so
 * transposed, sliced or broadcast operands are read in place.
 */
export interface AttentionKernelDesc {
  /** [batch, heads, seqQ, headDim], half or float. */
  readonly q: ValueView;
  /** Keys as [batch, kvHeads, seqKv, headDim] ('bhsd', the default) or [batch, kvHeads, headDim, seqKv] ('bhds', Kᵀ as the first dot reads it). */
  readonly k: ValueView;
  readonly kLayout?: 'bhsd' | 'bhds';
  /** [batch, kvHeads, seqKv, headDim]. kvHeads divides heads (GQA: query head h reads kv head h / (heads / kvHeads)). */
  readonly v: ValueView;
  /** [batch, heads, seqQ, headDim] of float, half or an fp8 type. */
  readonly output: ValueView;
  /** Multiplies Q·Kᵀ (e.g. 1 / √headDim). */
  readonly scale: number;
  /** c in c · tanh(scores / c), applied after the scale and before the mask. */
  readonly softcap?: number;
  /**
   * Scores multiplied elementwise by this view (float or half, broadcastable to [batch, heads, seqQ,
   * seqKv]) after the scale and softcap, before the mask: GPT-2's `w · b − 1e4 · (1 − b)`.
   */
  readonly scoreFactor?: ValueView;
  readonly mask?: AttentionMask;
  /**
   * where(cond, 0, P) on the softmax's output P (cond a bool_type view broadcastable to [batch, heads,
   * seqQ, seqKv]): those probabilities take no part in O, though the softmax's sum counted them. The
   * ONNX Attention op's expansion zeroes fully masked rows (whose P is NaN) this way. `zeroWhen` false:
   * where(cond, P, 0). Not with causal.
   */
  readonly zeroProbs?: { readonly view: ValueView; readonly zeroWhen?: boolean };
  /** Causal masking: query i sees keys j <= i + pastLength (pastLength = cached keys before the queries). */
  readonly causal?: { readonly pastLength?: number };
  /** quantizelinear(O, scale) with zero point 0 into the (fp8) output type. */
  readonly quantize?: { readonly scale: number };
  /** fp8 outputs: saturate out-of-range values (ONNX's default) or make them NaN / Inf. */
  readonly saturate?: boolean;
  /** Force a tiling (benchmarks); otherwise the largest that fits the device. */
  readonly tiling?: AttentionTiling;
  /** What the launch is for, in labels (`attention for group[tag=attention] (ONNX node …)`). */
  readonly label?: string;
}

/** Work split of one launch (override constants): see kernels/attention.wgsl. */
export interface AttentionTiling {
  /** Query rows per workgroup. */
  readonly bq: number;
  /** Keys per tile. */
  readonly bk: number;
  /** Rows per invocation (1–4). */
  readonly rq: number;
  /** Invocations per row group (they split the keys of a tile and the dims of O). */
  readonly td: number;
  /** Workgroup tiles of f32, or f16 (half inputs and shader-f16 only: half the workgroup memory). */
  readonly tile: 'f32' | 'f16';
}

const MAX_RQ = 4;
const MAX_KEYS_PER_INVOCATION = 8;
const MAX_DIM_VEC4_PER_INVOCATION = 8;

const INPUT_TYPES: ReadonlySet<ElementType> = new Set(['half_type', 'float_type']);
const OUTPUT_TYPES: ReadonlySet<ElementType> = new Set(['half_type', 'float_type', 'fp8e4m3fn_type', 'fp8e4m3fnuz_type', 'fp8e5m2_type', 'fp8e5m2fnuz_type']);

const MASK_KIND = { none: 0, additive: 1, bool: 2 } as const;

/**
 * Tilings in order of preference (tile, bq, bk, rq, td), the fastest first as measured on an NVIDIA
 * H200 at B 1, H 16, S 1024, D 128 (docs/attention-kernel.md): more invocations per row group beat
 * larger register blocks there. A head size the listed td does not divide tries 8, 4, 2, 1.
 */
const TILINGS: readonly AttentionTiling[] = [
  { tile: 'f16', bq: 64, bk: 32, rq: 4, td: 16 },
  { tile: 'f16', bq: 64, bk: 32, rq: 4, td: 8 },
  { tile: 'f16', bq: 32, bk: 32, rq: 4, td: 8 },
  { tile: 'f32', bq: 32, bk: 32, rq: 2, td: 8 },
  { tile: 'f32', bq: 32, bk: 16, rq: 4, td: 8 },
  { tile: 'f32', bq: 16, bk: 16, rq: 4, td: 8 },
  { tile: 'f32', bq: 16, bk: 8, rq: 4, td: 8 },
  { tile: 'f32', bq: 8, bk: 8, rq: 2, td: 8 },
  { tile: 'f32', bq: 4, bk: 8, rq: 1, td: 8 },
];
const FALLBACK_TDS = [8, 4, 2, 1];

/** Bytes of workgroup memory a tiling uses at these head sizes (kernels/attention.wgsl's arrays). */
export function attentionWorkgroupBytes(t: AttentionTiling, headDim: number, headDimV = headDim): number {
  const vec = t.tile === 'f16' ? 8 : 16;
  // q_tile, kv_tile (K, then V rows); p_tile (P of a tile, then O staged one row per row group); red.
  const qRow = headDim / 4 + 1;
  const kvRow = Math.max(headDim, headDimV) / 4 + 1;
  return vec * (qRow * t.bq + kvRow * t.bk) + 16 * Math.max(t.bk, headDimV / 4) * (t.bq / t.rq) + 4 * t.bq * t.td;
}

/** Invocations per workgroup of a tiling. */
export function attentionWorkgroupSize(t: AttentionTiling): number {
  return (t.bq / t.rq) * t.td;
}

/** Why a tiling cannot run these head sizes (Q and K's, V's) on this device, or undefined. */
export function tilingProblem(t: AttentionTiling, headDim: number, caps: DeviceCapabilities, headDimV = headDim): string | undefined {
  for (const [what, d] of [['head size', headDim], ['V head size', headDimV]] as const) {
    if (d % 4 !== 0) return `${what} ${d} is not a multiple of 4`;
  }
  if (t.rq < 1 || t.rq > MAX_RQ || t.bq % t.rq !== 0) return `rq ${t.rq} must be 1–${MAX_RQ} and divide bq ${t.bq}`;
  if (t.bk % 4 !== 0 || t.bk % t.td !== 0 || t.bk / t.td > MAX_KEYS_PER_INVOCATION) return `bk ${t.bk} must be a multiple of 4 and of td ${t.td}, at most ${MAX_KEYS_PER_INVOCATION} · td`;
  for (const [what, d] of [['head size', headDim], ['V head size', headDimV]] as const) {
    const d4 = d / 4;
    if (d4 % t.td !== 0 || d4 / t.td > MAX_DIM_VEC4_PER_INVOCATION) return `${what} ${d} / 4 must be a multiple of td ${t.td}, at most ${MAX_DIM_VEC4_PER_INVOCATION} · td`;
  }
  if (t.tile === 'f16' && !caps.shaderF16) return 'f16 tiles need shader-f16';
  const size = attentionWorkgroupSize(t);
  if (size > caps.maxComputeInvocationsPerWorkgroup) return `${size} invocations per workgroup, over the device's ${caps.maxComputeInvocationsPerWorkgroup}`;
  const bytes = attentionWorkgroupBytes(t, headDim, headDimV);
  if (bytes > caps.maxComputeWorkgroupStorageSize) return `${bytes} bytes of workgroup memory, over the device's ${caps.maxComputeWorkgroupStorageSize}`;
  return undefined;
}

/**
 * The tiling attentionLaunch uses: the first of TILINGS that fits the device and head size. f16 tiles
 * (half inputs with shader-f16 only: they hold the inputs exactly) fit larger blocks in the same
 * workgroup memory and were faster on an H200 despite the conversions.
 */
export function chooseTiling(headDim: number, inputType: ElementType, caps: DeviceCapabilities, headDimV = headDim): AttentionTiling | undefined {
  for (const preferred of TILINGS) {
    if (preferred.tile === 'f16' && inputType !== 'half_type') continue;
    for (const td of [preferred.td, ...FALLBACK_TDS.filter((x) => x !== preferred.td)]) {
      const t = { ...preferred, td };
      if (tilingProblem(t, headDim, caps, headDimV) === undefined) return t;
    }
  }
  return undefined;
}

interface Dims {
  readonly batch: number;
  readonly heads: number;
  readonly kvHeads: number;
  readonly seqQ: number;
  readonly seqKv: number;
  readonly headDim: number;
  /** V's and the output's head size. */
  readonly headDimV: number;
}

/** [lens, strides] of K as [batch, kvHeads, seqKv, headDim]. */
function keysAsBhsd(desc: AttentionKernelDesc): { lens: number[]; strides: number[] } {
  const { lens, strides } = desc.k.shape;
  if (desc.kLayout === 'bhds') return { lens: [lens[0]!, lens[1]!, lens[3]!, lens[2]!], strides: [strides[0]!, strides[1]!, strides[3]!, strides[2]!] };
  return { lens: [...lens], strides: [...strides] };
}

/** Strides of a view read as `target` lens: a length-1 axis broadcasts (stride 0); rank pads on the left. */
function broadcastStrides(lens: readonly number[], strides: readonly number[], target: readonly number[], what: string): number[] | string {
  if (lens.length > target.length) return `${what} has rank ${lens.length}, more than ${target.length}`;
  const pad = target.length - lens.length;
  const out: number[] = [];
  for (let d = 0; d < target.length; d++) {
    if (d < pad) {
      out.push(0);
      continue;
    }
    const len = lens[d - pad]!;
    if (len === target[d]) out.push(target[d] === 1 ? 0 : strides[d - pad]!);
    else if (len === 1) out.push(0);
    else return `${what} lens [${lens.join(', ')}] do not broadcast to [${target.join(', ')}]`;
  }
  return out;
}

function dimsOf(desc: AttentionKernelDesc): Dims | string {
  const q = desc.q.shape.lens;
  if (q.length !== 4) return `q has rank ${q.length}, expected [batch, heads, seqQ, headDim]`;
  const k = keysAsBhsd(desc).lens;
  if (k.length !== 4 || desc.v.shape.ndim !== 4 || desc.output.shape.ndim !== 4) return 'k, v and the output must have rank 4';
  const [batch, heads, seqQ, headDim] = q as [number, number, number, number];
  const [kb, kvHeads, seqKv, kd] = k as [number, number, number, number];
  const v = desc.v.shape.lens;
  if (kd !== headDim) return `k's head size ${kd} differs from q's ${headDim}`;
  if (v[1] !== kvHeads || v[2] !== seqKv) return `v lens [${v.join(', ')}] do not match k's [${k.join(', ')}]`;
  const headDimV = v[3]!;
  if (kb !== batch && kb !== 1) return `k's batch ${kb} differs from q's ${batch}`;
  if (v[0] !== batch && v[0] !== 1) return `v's batch ${v[0]} differs from q's ${batch}`;
  if (kvHeads < 1 || heads % kvHeads !== 0) return `${heads} query heads are not a multiple of ${kvHeads} kv heads`;
  const o = desc.output.shape.lens;
  if (o[0] !== batch || o[1] !== heads || o[2] !== seqQ || o[3] !== headDimV) return `output lens [${o.join(', ')}] are not [${[batch, heads, seqQ, headDimV].join(', ')}]`;
  return { batch, heads, kvHeads, seqQ, seqKv, headDim, headDimV };
}

/** Whether groups of 4 along the axis with stride `inner` are whole aligned words for every position. */
function packed4(offset: number, inner: number, others: readonly number[]): boolean {
  return inner === 1 && offset % 4 === 0 && others.every((s) => s % 4 === 0);
}

/** Why `desc` cannot run as one fused kernel on a device with `caps`, or undefined when it can. */
export function attentionUnsupported(desc: AttentionKernelDesc, caps: DeviceCapabilities): string | undefined {
  const dims = dimsOf(desc);
  if (typeof dims === 'string') return dims;
  const t = desc.q.shape.type;
  if (!INPUT_TYPES.has(t)) return `attention on ${t} (half or float only)`;
  if (desc.k.shape.type !== t || desc.v.shape.type !== t) return `q, k and v types differ (${t}, ${desc.k.shape.type}, ${desc.v.shape.type})`;
  const out = desc.output.shape;
  if (!OUTPUT_TYPES.has(out.type)) return `attention output of ${out.type}`;
  if (desc.quantize && !out.type.startsWith('fp8')) return `a quantizelinear epilogue writes fp8, not ${out.type}`;
  if (desc.quantize && !(Number.isFinite(desc.quantize.scale) && desc.quantize.scale !== 0)) return `quantize scale ${desc.quantize.scale} is not a finite non-zero number`;
  if (out.type !== 'float_type') {
    const perWord = out.type === 'half_type' ? 2 : 4;
    const [sb, sh, ss, sd] = out.strides as [number, number, number, number];
    if (sd !== 1 || desc.output.offset % perWord !== 0 || [sb, sh, ss].some((s) => s % perWord !== 0)) {
      return `a ${out.type} output must be contiguous along the head dim in whole words (strides [${out.strides.join(', ')}], offset ${desc.output.offset})`;
    }
  }
  if (desc.mask) {
    const m = desc.mask.view.shape;
    if (desc.mask.kind === 'additive' && m.type !== 'float_type' && m.type !== 'half_type') return `an additive mask of ${m.type}`;
    if (desc.mask.kind === 'bool' && m.type !== 'bool_type') return `a boolean mask of ${m.type}`;
    const s = broadcastStrides(m.lens, m.strides, [dims.batch, dims.heads, dims.seqQ, dims.seqKv], 'the mask');
    if (typeof s === 'string') return s;
  }
  if (desc.zeroProbs) {
    const z = desc.zeroProbs.view.shape;
    if (z.type !== 'bool_type') return `where(cond, 0, P) with a condition of ${z.type}`;
    if (desc.causal) return 'where(cond, 0, P) together with causal masking';
    const s = broadcastStrides(z.lens, z.strides, [dims.batch, dims.heads, dims.seqQ, dims.seqKv], 'the condition of where(cond, 0, P)');
    if (typeof s === 'string') return s;
  }
  if (desc.scoreFactor) {
    const f = desc.scoreFactor.shape;
    if (f.type !== 'float_type' && f.type !== 'half_type') return `a score factor of ${f.type}`;
    const s = broadcastStrides(f.lens, f.strides, [dims.batch, dims.heads, dims.seqQ, dims.seqKv], 'the score factor');
    if (typeof s === 'string') return s;
  }
  if (desc.softcap !== undefined && !(desc.softcap > 0 && Number.isFinite(desc.softcap))) return `softcap ${desc.softcap} is not a positive number`;
  if (desc.tiling?.tile === 'f16' && t !== 'half_type') return 'f16 tiles hold half inputs only';
  if (desc.tiling) return tilingProblem(desc.tiling, dims.headDim, caps, dims.headDimV);
  if (dims.headDim % 4 !== 0) return `head size ${dims.headDim} is not a multiple of 4`;
  if (dims.headDimV % 4 !== 0) return `V head size ${dims.headDimV} is not a multiple of 4`;
  if (!chooseTiling(dims.headDim, t, caps, dims.headDimV)) {
    const sizes = dims.headDimV === dims.headDim ? `head size ${dims.headDim}` : `head sizes ${dims.headDim} (Q, K) and ${dims.headDimV} (V)`;
    return `no tiling fits ${sizes} on this device`;
  }
  return undefined;
}

/** A Launch of the attention kernel for `desc` (throws with attentionUnsupported's reason). */
export function attentionLaunch(desc: AttentionKernelDesc, caps: DeviceCapabilities): Launch {
  const problem = attentionUnsupported(desc, caps);
  if (problem !== undefined) throw new Error(`attention kernel: ${problem}`);
  const dims = dimsOf(desc) as Dims;
  const inType = desc.q.shape.type;
  const tiling = desc.tiling ?? chooseTiling(dims.headDim, inType, caps, dims.headDimV)!;
  const spec = ATTENTION_KERNEL;
  const variant: KernelVariant = { spec, slots: { tile: tiling.tile } };

  const k = keysAsBhsd(desc);
  const qStrides = desc.q.shape.strides;
  const kStrides = broadcastStrides(k.lens, k.strides, [dims.batch, dims.kvHeads, dims.seqKv, dims.headDim], 'k') as number[];
  const vStrides = broadcastStrides(desc.v.shape.lens, desc.v.shape.strides, [dims.batch, dims.kvHeads, dims.seqKv, dims.headDimV], 'v') as number[];
  const outStrides = desc.output.shape.strides;
  const mask = desc.mask;
  const zero = desc.zeroProbs;
  const factor = desc.scoreFactor;
  const maskStrides = mask ? (broadcastStrides(mask.view.shape.lens, mask.view.shape.strides, [dims.batch, dims.heads, dims.seqQ, dims.seqKv], 'the mask') as number[]) : [0, 0, 0, 0];

  const packed =
    (packed4(desc.q.offset, qStrides[3]!, qStrides.slice(0, 3)) ? 1 : 0) |
    (packed4(desc.k.offset, kStrides[3]!, kStrides.slice(0, 3)) ? 2 : 0) |
    (packed4(desc.k.offset, kStrides[2]!, [kStrides[0]!, kStrides[1]!, kStrides[3]!]) && kStrides[3] !== 1 ? 4 : 0) |
    (packed4(desc.v.offset, vStrides[3]!, vStrides.slice(0, 3)) ? 8 : 0);

  const log2e = Math.LOG2E;
  const softcap = desc.softcap;
  const outType = desc.output.shape.type;
  const saturate = desc.saturate ?? true;
  const uniforms: UniformValues<typeof spec.uniforms> = {
    batch: dims.batch,
    heads: dims.heads,
    group: dims.heads / dims.kvHeads,
    seq_q: dims.seqQ,
    seq_kv: dims.seqKv,
    past: desc.causal?.pastLength ?? 0,
    mask_offset: mask?.view.offset ?? 0,
    packed,
    scale_log2: desc.scale * log2e,
    cap_in: softcap ? desc.scale / softcap : 0,
    cap_out: softcap ? softcap * log2e : 0,
    mask_fill: mask?.kind === 'bool' ? (mask.fill ?? -Infinity) : 0,
    out_scale: desc.quantize?.scale ?? 1,
    mask_keep: mask?.kind === 'bool' && mask.keepWhen === false ? 0 : 1,
    codes: [typeId(inType), mask ? typeId(mask.view.shape.type) : 0, typeId(outType), saturate ? 1 : 0],
    flags: [mask ? MASK_KIND[mask.kind] : MASK_KIND.none, desc.causal ? 1 : 0, softcap ? 1 : 0, desc.quantize ? 1 : 0],
    offsets: [desc.q.offset, desc.k.offset, desc.v.offset, desc.output.offset],
    q_strides: [...qStrides],
    k_strides: kStrides,
    v_strides: vStrides,
    out_strides: [...outStrides],
    mask_strides: maskStrides,
    factor_offset: factor?.offset ?? 0,
    mask_sign: mask?.kind === 'additive' && mask.subtract ? -1 : 1,
    factor_codes: [factor ? 1 : 0, factor ? typeId(factor.shape.type) : 0, 0, 0],
    factor_strides: factor ? (broadcastStrides(factor.shape.lens, factor.shape.strides, [dims.batch, dims.heads, dims.seqQ, dims.seqKv], 'the score factor') as number[]) : [0, 0, 0, 0],
    zero_probs: zero ? (zero.zeroWhen === false ? 2 : 1) : 0,
    zero_offset: zero?.view.offset ?? 0,
    zero_strides: zero ? (broadcastStrides(zero.view.shape.lens, zero.view.shape.strides, [dims.batch, dims.heads, dims.seqQ, dims.seqKv], 'the condition') as number[]) : [0, 0, 0, 0],
  };

  const constants: Record<string, number> = {
    HEAD_DIM: dims.headDim,
    HEAD_DIM_V: dims.headDimV,
    BQ: tiling.bq,
    BK: tiling.bk,
    RQ: tiling.rq,
    TD: tiling.td,
    WG: attentionWorkgroupSize(tiling),
  };
  // Unlike the per-op kernels, the attention kernel is specialised even where the device takes codes as
  // uniforms (caps.specializeCodes false: llvmpipe): a program has one or two attention configurations,
  // and with every mask kind, type and epilogue compiled in, llvmpipe took 21 s instead of 5.7 s to
  // build the pipeline (test_attention_4d, --fp8, a cold shader cache).
  const values = uniforms as unknown as Readonly<Record<string, readonly number[]>>;
  for (const [name, [field, component]] of Object.entries(spec.codes ?? {})) constants[name] = values[field]![component]!;

  const label = `${variantKey(variant)} for ${desc.label ?? 'attention'}`;
  const workgroups: [number, number, number] = [ceilDiv(dims.seqQ, tiling.bq), dims.heads, dims.batch];
  const max = caps.maxComputeWorkgroupsPerDimension;
  if (workgroups.some((w) => w > max)) throw new Error(`attention kernel: ${workgroups.join('×')} workgroups, over the device's ${max} per dimension`);
  return {
    variant,
    constants,
    uniforms: packUniforms(spec.uniforms, uniforms, label),
    bindings: [desc.q.buffer, desc.k.buffer, desc.v.buffer, mask?.view.buffer ?? DUMMY_BUFFER, desc.output.buffer, zero?.view.buffer ?? DUMMY_BUFFER, factor?.buffer ?? DUMMY_BUFFER],
    workgroups: dims.seqQ === 0 || dims.batch === 0 || dims.heads === 0 ? [0, 1, 1] : workgroups,
    label,
  };
}

/** Every variant of the attention kernel (one shader module each), for compile tests. */
export function attentionVariants(): KernelVariant[] {
  return (['f32', 'f16'] as const).map((tile) => ({ spec: ATTENTION_KERNEL, slots: { tile } }));
}

