// The fused attention kernel (kernels/attention.wgsl through attentionLaunch) against the reference
// interpreter running the unfused IR: convert → dot → mul(scale) → [softcap] → [add mask | where mask
// | where causal] → softmax → dot → [convert | quantizelinear]. The reference computes in float
// (MIGraphX's fp32-softmax rewrite does the same for half attention), so the kernel's float32
// accumulation is compared with it directly: float outputs within a few ulps, half outputs within one
// half ulp, fp8 codes bit-exact except rare ±1 codes where float32 rounding lands a value on the other
// side of an fp8 midpoint (counted and bounded). GQA is checked against K / V expanded per query head
// on the host.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import '../../src/ops/index.js';
import type { Instruction } from '../../src/ir/instruction.js';
import type { Module } from '../../src/ir/module.js';
import { Shape } from '../../src/ir/shape.js';
import { Tensor } from '../../src/ir/tensor.js';
import { typeSize, type ElementType } from '../../src/ir/types.js';
import type { BufferDecl, LoweredProgram, ValueView } from '../../src/codegen/launch.js';
import { attentionLaunch, chooseTiling, type AttentionKernelDesc, type AttentionMask, type AttentionTiling } from '../../src/codegen/attention-kernel.js';
import type { WebGpuDevice } from '../../src/runtime/device.js';
import { ExecutableProgram } from '../../src/runtime/executable.js';
import { seededRandom } from '../../src/inputs/random-inputs.js';
import { acquireGpu, releaseGpu, reportSkipped } from '../runtime/gpu-harness.js';
import { add, buildProgram, runReference } from './helpers.js';

type InType = 'half_type' | 'float_type';
type OutType = 'float_type' | 'half_type' | 'fp8e4m3fn_type';

interface MaskSpec {
  readonly kind: 'additive' | 'bool';
  /** Additive masks: scores − mask instead of scores + mask. */
  readonly subtract?: boolean;
  readonly type?: 'float_type' | 'half_type';
  /** Lens broadcastable to [batch, heads, seqQ, seqKv]. */
  readonly lens: readonly number[];
  /** Value at a flat index of the mask (additive: a number, −Infinity allowed; bool: 0 / 1). */
  readonly value: (i: number, random: () => number) => number;
  readonly keepWhen?: boolean;
  readonly fill?: number;
}

interface AttentionCase {
  readonly name: string;
  readonly type: InType;
  readonly batch: number;
  readonly heads: number;
  readonly kvHeads?: number;
  readonly seqQ: number;
  readonly seqKv: number;
  readonly headDim: number;
  /** V's head size (the output's), when it differs from Q's and K's. */
  readonly headDimV?: number;
  /** K stored as [batch, kvHeads, headDim, seqKv] (the first dot's right operand). */
  readonly kTransposed?: boolean;
  /** Q is a [.., headDim + 1] buffer sliced to headDim (rows not word aligned: per-element reads). */
  readonly qSliced?: boolean;
  /** The output is written through a [batch, seqQ, heads, headDim] buffer's transposed view. */
  readonly outBshd?: boolean;
  readonly scale?: number;
  readonly softcap?: number;
  readonly mask?: MaskSpec;
  readonly causal?: { readonly past: number };
  readonly output: OutType;
  /** quantizelinear scale (fp8 output). */
  readonly quantize?: number;
  readonly tiling?: AttentionTiling;
  /** fp8 outputs: saturate (default) or make overflow NaN. */
  readonly saturate?: boolean;
  /** Rows every key of which is masked (their outputs must be NaN, as the reference's). */
  readonly emptyRows?: number;
  /** scores · factor after the scale and softcap, before the mask (lens broadcastable to the scores). */
  readonly factor?: { readonly lens: readonly number[]; readonly type?: 'float_type' | 'half_type'; readonly value: (i: number, random: () => number) => number };
  /** where(cond, 0, P) after the softmax (cond: bool, lens broadcastable to the scores). */
  readonly zeroProbs?: { readonly lens: readonly number[]; readonly value: (i: number, random: () => number) => number; readonly zeroWhen?: boolean };
}

const seqMask = (i: number, seqKv: number) => ({ row: Math.floor(i / seqKv), col: i % seqKv });

// llvmpipe compiles each pipeline anew at its first dispatch (5–10 s for this kernel on the 2-core CI
// kind), so the cases share two tilings there: head size 128 on the tiling attentionLaunch picks for
// half inputs (f16 tiles where the device has shader-f16; 4 rows × 4 keys and 4 rows × 16 dims per
// invocation), and head size 64 on float tiles within WebGPU's compatibility limits (11 KiB, 16
// invocations: the portable path GLES runs), whose 2 rows × 8 keys and 2 rows × 32 dims per
// invocation fill the kernel's largest register blocks.
const D64: AttentionTiling = { bq: 16, bk: 16, rq: 2, td: 2, tile: 'f32' };

const CASES: AttentionCase[] = [
  { name: 'half, no mask, D 64, S not a multiple of the block', type: 'half_type', batch: 1, heads: 2, seqQ: 37, seqKv: 45, headDim: 64, tiling: D64, output: 'half_type' },
  { name: 'float, no mask, batch 2', type: 'float_type', batch: 2, heads: 2, seqQ: 33, seqKv: 19, headDim: 64, tiling: D64, output: 'float_type' },
  { name: 'half, K transposed ([B, H, D, S] view), D 128', type: 'half_type', batch: 1, heads: 2, seqQ: 40, seqKv: 37, headDim: 128, kTransposed: true, output: 'float_type' },
  { name: 'float, K transposed, D 64, odd sizes', type: 'float_type', batch: 2, heads: 1, seqQ: 21, seqKv: 30, headDim: 64, kTransposed: true, tiling: D64, output: 'float_type' },
  {
    name: 'float, additive float mask [1, 1, Sq, Skv] with −Inf and −10000 entries',
    type: 'float_type',
    batch: 2,
    heads: 2,
    seqQ: 29,
    seqKv: 35,
    headDim: 64,
    tiling: D64,
    output: 'float_type',
    mask: { kind: 'additive', lens: [1, 1, 29, 35], value: (i, r) => (i % 7 === 3 ? -Infinity : i % 11 === 5 ? -10000 : 4 * r() - 2) },
  },
  {
    name: 'half, additive half mask [B, 1, 1, Skv] (padding), fp8 out',
    type: 'half_type',
    batch: 2,
    heads: 2,
    seqQ: 24,
    seqKv: 40,
    headDim: 64,
    tiling: D64,
    output: 'fp8e4m3fn_type',
    quantize: 1 / 256,
    mask: { kind: 'additive', type: 'half_type', lens: [2, 1, 1, 40], value: (i) => (i % 40 >= 33 - 5 * Math.floor(i / 40) ? -Infinity : 0) },
  },
  {
    name: 'half, bool mask where(mask, scores, −Inf) [1, H, Sq, Skv]',
    type: 'half_type',
    batch: 1,
    heads: 3,
    seqQ: 27,
    seqKv: 33,
    headDim: 64,
    tiling: D64,
    output: 'half_type',
    mask: { kind: 'bool', lens: [1, 3, 27, 33], value: (_i, r) => (r() < 0.7 ? 1 : 0) },
  },
  {
    name: 'float, bool mask where(mask, −10000, scores) (finite fill)',
    type: 'float_type',
    batch: 1,
    heads: 2,
    seqQ: 18,
    seqKv: 26,
    headDim: 64,
    tiling: D64,
    output: 'float_type',
    mask: { kind: 'bool', lens: [1, 1, 18, 26], value: (i) => (seqMask(i, 26).col % 3 === 0 ? 1 : 0), keepWhen: false, fill: -10000 },
  },
  {
    name: 'float, fully masked rows give NaN (softmax of all −Inf), fp8 out',
    type: 'float_type',
    batch: 1,
    heads: 2,
    seqQ: 12,
    seqKv: 20,
    headDim: 64,
    tiling: D64,
    output: 'fp8e4m3fn_type',
    quantize: 1 / 128,
    mask: { kind: 'bool', lens: [1, 1, 12, 20], value: (i) => (seqMask(i, 20).row % 5 === 2 ? 0 : 1) },
    emptyRows: 4,
  },
  { name: 'half, causal (Sq = Skv), fp8 out, D 128', type: 'half_type', batch: 1, heads: 2, seqQ: 50, seqKv: 50, headDim: 128, causal: { past: 0 }, output: 'fp8e4m3fn_type', quantize: 1 / 256 },
  { name: 'float, causal with a past offset (KV cache: Skv = 32 + Sq)', type: 'float_type', batch: 1, heads: 2, seqQ: 7, seqKv: 39, headDim: 64, causal: { past: 32 }, tiling: D64, output: 'float_type' },
  { name: 'half, causal with past offset and K transposed, half out', type: 'half_type', batch: 2, heads: 1, seqQ: 19, seqKv: 52, headDim: 64, causal: { past: 33 }, kTransposed: true, tiling: D64, output: 'half_type' },
  { name: 'float, softcap 30 (Gemma 2)', type: 'float_type', batch: 1, heads: 2, seqQ: 20, seqKv: 31, headDim: 64, softcap: 30, scale: 0.5, tiling: D64, output: 'float_type' },
  { name: 'half, softcap 50 + causal, fp8 out', type: 'half_type', batch: 1, heads: 2, seqQ: 33, seqKv: 33, headDim: 128, softcap: 50, causal: { past: 0 }, output: 'fp8e4m3fn_type', quantize: 1 / 256 },
  { name: 'half, GQA 4 query heads on 2 kv heads', type: 'half_type', batch: 1, heads: 4, kvHeads: 2, seqQ: 22, seqKv: 29, headDim: 64, tiling: D64, output: 'float_type' },
  { name: 'float, GQA 6 query heads on 1 kv head (MQA), K transposed, causal', type: 'float_type', batch: 1, heads: 6, kvHeads: 1, seqQ: 17, seqKv: 17, headDim: 64, kTransposed: true, causal: { past: 0 }, tiling: D64, output: 'float_type' },
  { name: 'half, fp8 out, seed-block layout (D 128)', type: 'half_type', batch: 1, heads: 2, seqQ: 64, seqKv: 64, headDim: 128, output: 'fp8e4m3fn_type', quantize: 1 / 256 },
  { name: 'float, fp8 out saturating (scale 1/1024: |O| / scale up to 1024 > 448)', type: 'float_type', batch: 2, heads: 2, seqQ: 30, seqKv: 23, headDim: 64, tiling: D64, output: 'fp8e4m3fn_type', quantize: 1 / 1024 },
  {
    name: 'half, fp8 out not saturating (saturate = 0: overflow is NaN)',
    type: 'half_type',
    batch: 1,
    heads: 2,
    seqQ: 30,
    seqKv: 23,
    headDim: 64,
    tiling: D64,
    output: 'fp8e4m3fn_type',
    quantize: 1 / 1024,
    saturate: false,
  },
  { name: 'half, Q sliced (per-element reads), output through a [B, S, H, D] view', type: 'half_type', batch: 1, heads: 2, seqQ: 26, seqKv: 21, headDim: 64, qSliced: true, outBshd: true, tiling: D64, output: 'float_type' },
  { name: 'float, fp8 output through a [B, S, H, D] view', type: 'float_type', batch: 2, heads: 2, seqQ: 14, seqKv: 18, headDim: 64, outBshd: true, tiling: D64, output: 'fp8e4m3fn_type', quantize: 1 / 256 },
  {
    name: 'half, causal, fp8 out, D 128, Sq > Skv',
    type: 'half_type',
    batch: 1,
    heads: 2,
    seqQ: 35,
    seqKv: 29,
    headDim: 128,
    output: 'fp8e4m3fn_type',
    quantize: 1 / 256,
    causal: { past: 0 },
  },
  {
    name: 'float, where(cond, 0, P) per element after an additive mask (the sum still counts zeroed keys)',
    type: 'float_type',
    batch: 2,
    heads: 2,
    seqQ: 13,
    seqKv: 27,
    headDim: 64,
    tiling: D64,
    output: 'float_type',
    mask: { kind: 'additive', lens: [2, 1, 1, 27], value: (i) => (i % 27 > 23 ? -Infinity : 0) },
    zeroProbs: { lens: [2, 2, 13, 27], value: (_i, r) => (r() < 0.3 ? 1 : 0) },
  },
  {
    name: 'half, ONNX Attention expansion: fully masked rows zeroed by where(row, 0, P), fp8 out, D 128',
    type: 'half_type',
    batch: 1,
    heads: 2,
    seqQ: 20,
    seqKv: 36,
    headDim: 128,
    output: 'fp8e4m3fn_type',
    quantize: 1 / 256,
    mask: { kind: 'bool', lens: [1, 1, 20, 36], value: (i) => (seqMask(i, 36).row % 4 === 1 ? 0 : 1) },
    zeroProbs: { lens: [1, 1, 20, 1], value: (i) => (i % 4 === 1 ? 1 : 0) },
  },
  {
    name: 'float, where(cond, P, 0) keeps where cond: rows fully masked but partly kept stay NaN',
    type: 'float_type',
    batch: 1,
    heads: 1,
    seqQ: 12,
    seqKv: 20,
    headDim: 64,
    tiling: D64,
    output: 'float_type',
    mask: { kind: 'bool', lens: [1, 1, 12, 20], value: (i) => (seqMask(i, 20).row % 3 === 0 ? 0 : 1) },
    // Rows 0, 3, 6, 9 are fully masked; where(cond, P, 0) keeps key 5 of rows 0 and 6 (NaN survives there).
    zeroProbs: { lens: [1, 1, 12, 20], value: (i) => (seqMask(i, 20).col === 5 && seqMask(i, 20).row % 6 === 0 ? 1 : seqMask(i, 20).row % 3 === 0 ? 0 : 1), zeroWhen: false },
    emptyRows: 2,
  },
  { name: 'float, V head size 32 with Q / K head size 64, K transposed', type: 'float_type', batch: 1, heads: 2, seqQ: 19, seqKv: 25, headDim: 64, headDimV: 32, kTransposed: true, tiling: D64, output: 'float_type' },
  {
    name: 'half, MLA head sizes (Q / K 192, V 128), GQA, fp8 out',
    type: 'half_type',
    batch: 1,
    heads: 4,
    kvHeads: 2,
    seqQ: 21,
    seqKv: 34,
    headDim: 192,
    headDimV: 128,
    output: 'fp8e4m3fn_type',
    quantize: 1 / 256,
  },
  {
    name: 'float, GPT-2 mask: scores · b − 1e4 · (1 − b), b a causal [Sq, Skv] buffer',
    type: 'float_type',
    batch: 1,
    heads: 2,
    seqQ: 21,
    seqKv: 21,
    headDim: 64,
    tiling: D64,
    output: 'float_type',
    factor: { lens: [1, 1, 21, 21], value: (i) => (seqMask(i, 21).col <= seqMask(i, 21).row ? 1 : 0) },
    mask: { kind: 'additive', subtract: true, lens: [1, 1, 21, 21], value: (i) => (seqMask(i, 21).col <= seqMask(i, 21).row ? 0 : 10000) },
  },
  {
    name: 'half, score factor of half values [B, 1, 1, Skv] and a softcap, fp8 out',
    type: 'half_type',
    batch: 2,
    heads: 2,
    seqQ: 17,
    seqKv: 30,
    headDim: 128,
    softcap: 20,
    scale: 0.25,
    output: 'fp8e4m3fn_type',
    quantize: 1 / 256,
    factor: { lens: [2, 1, 1, 30], type: 'half_type', value: (_i, r) => 0.5 + r() },
    mask: { kind: 'additive', subtract: true, type: 'half_type', lens: [2, 1, 1, 30], value: (i) => (i % 30 > 26 ? Infinity : 0) },
  },
  {
    name: 'float, additive mask [Sq, Skv] (rank 2, broadcast over batch and heads)',
    type: 'float_type',
    batch: 2,
    heads: 2,
    seqQ: 19,
    seqKv: 23,
    headDim: 64,
    tiling: D64,
    output: 'float_type',
    mask: { kind: 'additive', lens: [19, 23], value: (_i, r) => 2 * r() - 1 },
  },
];

// ---- inputs ----

function randomValues(n: number, seed: number, lo: number, hi: number): number[] {
  const next = seededRandom(seed);
  return Array.from({ length: n }, () => lo + (hi - lo) * next());
}

/** [b, h, s, d] values of a [B, H, S, D] list re-laid as [B, H, D, S]. */
function swapLast(values: readonly number[], lens: readonly number[]): number[] {
  const [b, h, s, d] = lens as [number, number, number, number];
  const out = new Array<number>(values.length);
  for (let x = 0; x < b * h; x++) for (let i = 0; i < s; i++) for (let j = 0; j < d; j++) out[x * s * d + j * s + i] = values[x * s * d + i * d + j]!;
  return out;
}

/** K / V heads repeated for each query head of their group (GQA, for the reference only). */
function expandHeads(values: readonly number[], lens: readonly number[], heads: number): number[] {
  const [b, kvHeads, s, d] = lens as [number, number, number, number];
  const group = heads / kvHeads;
  const per = s * d;
  const out: number[] = [];
  for (let x = 0; x < b; x++) for (let h = 0; h < heads; h++) out.push(...values.slice((x * kvHeads + Math.floor(h / group)) * per, (x * kvHeads + Math.floor(h / group) + 1) * per));
  return out;
}

interface Prepared {
  /** GPU parameters (q, k, v, mask) as stored. */
  readonly params: Map<string, Tensor>;
  /** The reference program's parameters (K, V expanded for GQA). */
  readonly refParams: Record<string, Tensor>;
}

function prepare(c: AttentionCase, seed: number): Prepared {
  const kvHeads = c.kvHeads ?? c.heads;
  const { batch: B, heads: H, seqQ: Sq, seqKv: Skv, headDim: D } = c;
  const qLens = [B, H, Sq, c.qSliced ? D + 1 : D];
  const kvLens = [B, kvHeads, Skv, D];
  const Dv = c.headDimV ?? D;
  const vLens = [B, kvHeads, Skv, Dv];
  const qv = randomValues(qLens.reduce((a, x) => a * x, 1), seed, -2, 2);
  const kv = randomValues(kvLens.reduce((a, x) => a * x, 1), seed + 1, -2, 2);
  const vv = randomValues(vLens.reduce((a, x) => a * x, 1), seed + 2, -1, 1);
  // Round once into the input type, so GPU and reference read identical values.
  const q = Tensor.fromNumbers(c.type, qLens, qv);
  const kStd = Tensor.fromNumbers(c.type, kvLens, kv);
  const v = Tensor.fromNumbers(c.type, vLens, vv);
  const kNumbers = kStd.toNumbers();
  const kStored = c.kTransposed ? Tensor.fromNumbers(c.type, [B, kvHeads, D, Skv], swapLast(kNumbers, kvLens)) : kStd;
  const params = new Map<string, Tensor>([
    ['q', q],
    ['k', kStored],
    ['v', v],
  ]);
  const kExpanded = expandHeads(kNumbers, kvLens, H);
  const refK = c.kTransposed ? Tensor.fromNumbers(c.type, [B, H, D, Skv], swapLast(kExpanded, [B, H, Skv, D])) : Tensor.fromNumbers(c.type, [B, H, Skv, D], kExpanded);
  const refParams: Record<string, Tensor> = { q, k: refK, v: Tensor.fromNumbers(c.type, [B, H, Skv, Dv], expandHeads(v.toNumbers(), vLens, H)) };
  if (c.mask) {
    const n = c.mask.lens.reduce((a, x) => a * x, 1);
    const next = seededRandom(seed + 3);
    const values = Array.from({ length: n }, (_, i) => c.mask!.value(i, next));
    const mask = Tensor.fromNumbers(c.mask.kind === 'bool' ? 'bool_type' : (c.mask.type ?? 'float_type'), c.mask.lens, values);
    params.set('mask', mask);
    refParams['mask'] = mask;
  }
  if (c.factor) {
    const n = c.factor.lens.reduce((a, x) => a * x, 1);
    const next = seededRandom(seed + 5);
    const f = Tensor.fromNumbers(c.factor.type ?? 'float_type', c.factor.lens, Array.from({ length: n }, (_, i) => c.factor!.value(i, next)));
    params.set('factor', f);
    refParams['factor'] = f;
  }
  if (c.zeroProbs) {
    const n = c.zeroProbs.lens.reduce((a, x) => a * x, 1);
    const next = seededRandom(seed + 4);
    const cond = Tensor.fromNumbers('bool_type', c.zeroProbs.lens, Array.from({ length: n }, (_, i) => c.zeroProbs!.value(i, next)));
    params.set('zero', cond);
    refParams['zero'] = cond;
  }
  return { params, refParams };
}

// ---- the reference: the unfused IR, evaluated by src/ref ----

function literal(m: Module, value: number, lens: readonly number[], type: ElementType = 'float_type'): Instruction {
  return add(m, 'multibroadcast', [m.addLiteral(Tensor.fromNumbers(type, [1], [value]))], { out_lens: [...lens] });
}

function referenceOutput(c: AttentionCase, refParams: Record<string, Tensor>): Tensor {
  const { batch: B, heads: H, seqQ: Sq, seqKv: Skv, headDim: D } = c;
  const scores = [B, H, Sq, Skv];
  const built = buildProgram(refParams, (m, p) => {
    const toFloat = (x: Instruction) => (x.shape.type === 'float_type' ? x : add(m, 'convert', [x], { target_type: 'float_type' }));
    let q = p['q']!;
    if (c.qSliced) q = add(m, 'slice', [q], { axes: [3], starts: [0], ends: [D] });
    const kt = c.kTransposed ? p['k']! : add(m, 'transpose', [p['k']!], { permutation: [0, 1, 3, 2] });
    let x = add(m, 'dot', [toFloat(q), toFloat(kt)]);
    x = add(m, 'mul', [x, literal(m, c.scale ?? 1 / Math.sqrt(D), scores)]);
    if (c.softcap !== undefined) {
      x = add(m, 'div', [x, literal(m, c.softcap, scores)]);
      x = add(m, 'tanh', [x]);
      x = add(m, 'mul', [x, literal(m, c.softcap, scores)]);
    }
    if (c.factor) x = add(m, 'mul', [x, toFloat(add(m, 'multibroadcast', [p['factor']!], { out_lens: scores }))]);
    if (c.mask?.kind === 'additive') {
      x = add(m, c.mask.subtract ? 'sub' : 'add', [x, toFloat(add(m, 'multibroadcast', [p['mask']!], { out_lens: scores }))]);
    } else if (c.mask?.kind === 'bool') {
      const cond = add(m, 'multibroadcast', [p['mask']!], { out_lens: scores });
      const fill = literal(m, c.mask.fill ?? -Infinity, scores);
      x = c.mask.keepWhen === false ? add(m, 'where', [cond, fill, x]) : add(m, 'where', [cond, x, fill]);
    }
    if (c.causal) {
      const visible = Array.from({ length: Sq * Skv }, (_, i) => (i % Skv <= Math.floor(i / Skv) + c.causal!.past ? 1 : 0));
      const cond = add(m, 'multibroadcast', [m.addLiteral(Tensor.fromNumbers('bool_type', [Sq, Skv], visible))], { out_lens: scores });
      x = add(m, 'where', [cond, x, literal(m, -Infinity, scores)]);
    }
    let probs = add(m, 'softmax', [x], { axis: 3 });
    if (c.zeroProbs) {
      const cond = add(m, 'multibroadcast', [p['zero']!], { out_lens: scores });
      const zeros = literal(m, 0, scores);
      probs = c.zeroProbs.zeroWhen === false ? add(m, 'where', [cond, probs, zeros]) : add(m, 'where', [cond, zeros, probs]);
    }
    let out = add(m, 'dot', [probs, toFloat(p['v']!)]);
    if (c.quantize !== undefined) {
      out = add(m, 'quantizelinear', [out, literal(m, c.quantize, [B, H, Sq, c.headDimV ?? D])], { out_type: c.output, saturate: c.saturate ?? true });
    } else if (c.output !== 'float_type') {
      out = add(m, 'convert', [out], { target_type: c.output });
    }
    return [out];
  });
  return runReference(built)[0]!;
}

// ---- the kernel: one launch over hand-made buffers ----

function gpuProgram(c: AttentionCase, params: ReadonlyMap<string, Tensor>, gpu: WebGpuDevice): { lowered: LoweredProgram; tiling: string } {
  const { batch: B, heads: H, seqQ: Sq, headDim: D } = c;
  const Dv = c.headDimV ?? D;
  const buffers: BufferDecl[] = [];
  const views = new Map<string, ValueView>();
  const loweredParams: { name: string; buffer: number; shape: Shape }[] = [];
  for (const [name, t] of params) {
    const id = buffers.length;
    buffers.push({ id, bytes: Math.max(4, Math.ceil((t.shape.elements() * typeSize(t.type)) / 4) * 4), kind: 'param', label: `@param:${name}`, param: name });
    loweredParams.push({ name, buffer: id, shape: t.shape });
    views.set(name, { buffer: id, shape: t.shape, offset: 0 });
  }
  const outId = buffers.length;
  const outElements = B * H * Sq * Dv;
  buffers.push({ id: outId, bytes: Math.max(4, Math.ceil((outElements * typeSize(c.output)) / 4) * 4), kind: 'intermediate', label: 'attention output' });
  const outShape = c.outBshd ? new Shape(c.output, [B, H, Sq, Dv], [Sq * H * Dv, Dv, H * Dv, 1]) : new Shape(c.output, [B, H, Sq, Dv]);
  const output: ValueView = { buffer: outId, shape: outShape, offset: 0 };

  let q = views.get('q')!;
  if (c.qSliced) q = { ...q, shape: new Shape(c.type, [B, H, Sq, D], q.shape.strides) };
  let mask: AttentionMask | undefined;
  if (c.mask?.kind === 'additive') mask = { kind: 'additive', view: views.get('mask')!, ...(c.mask.subtract ? { subtract: true } : {}) };
  else if (c.mask?.kind === 'bool') mask = { kind: 'bool', view: views.get('mask')!, keepWhen: c.mask.keepWhen ?? true, fill: c.mask.fill ?? -Infinity };
  const desc: AttentionKernelDesc = {
    q,
    k: views.get('k')!,
    kLayout: c.kTransposed ? 'bhds' : 'bhsd',
    v: views.get('v')!,
    output,
    scale: c.scale ?? 1 / Math.sqrt(D),
    ...(c.softcap !== undefined ? { softcap: c.softcap } : {}),
    ...(mask ? { mask } : {}),
    ...(c.factor ? { scoreFactor: views.get('factor')! } : {}),
    ...(c.zeroProbs ? { zeroProbs: { view: views.get('zero')!, zeroWhen: c.zeroProbs.zeroWhen ?? true } } : {}),
    ...(c.causal ? { causal: { pastLength: c.causal.past } } : {}),
    ...(c.quantize !== undefined ? { quantize: { scale: c.quantize } } : {}),
    ...(c.saturate !== undefined ? { saturate: c.saturate } : {}),
    ...(c.tiling ? { tiling: c.tiling } : {}),
    label: c.name,
  };
  const launch = attentionLaunch(desc, gpu.capabilities);
  const t = c.tiling ?? chooseTiling(D, c.type, gpu.capabilities, Dv)!;
  return {
    lowered: { buffers, launches: [launch], params: loweredParams, outputs: [output], fallbacks: [] },
    tiling: `${t.tile} tiles, bq ${t.bq} bk ${t.bk} rq ${t.rq} td ${t.td}`,
  };
}

// ---- comparison ----

/** Position of a half / fp8 code on the number line (sign-magnitude → ordinal). */
function ordinal(code: number, signBit: number): number {
  const magnitude = code & (signBit - 1);
  return code & signBit ? -magnitude : magnitude;
}

interface Agreement {
  readonly mismatches: number;
  readonly worst: number;
  readonly firstBad?: string;
  /** NaN outputs (both NaN), in rows of headDim. */
  readonly nanRows: number;
}

function agreement(c: AttentionCase, got: Tensor, want: Tensor): Agreement {
  const n = want.shape.elements();
  let mismatches = 0;
  let worst = 0;
  let nan = 0;
  let firstBad: string | undefined;
  let scale = 0;
  for (let i = 0; i < n; i++) if (Number.isFinite(want.get(i))) scale = Math.max(scale, Math.abs(want.get(i)));
  for (let i = 0; i < n; i++) {
    const x = got.get(i);
    const y = want.get(i);
    if (Number.isNaN(y) || Number.isNaN(x)) {
      // NaN's sign is not compared: the interpreter's comes from the host CPU's default NaN (negative
      // on x86, positive on ARM and on GPUs).
      if (Number.isNaN(x) && Number.isNaN(y)) {
        nan++;
        continue;
      }
      firstBad ??= `element ${i}: got ${x} (0x${got.rawAt(i).toString(16)}), expected ${y} (0x${want.rawAt(i).toString(16)})`;
      worst = Infinity;
      continue;
    }
    let distance: number;
    if (c.output === 'float_type') {
      // In units of float32 ulps of the output's largest magnitude.
      distance = Math.abs(x - y) / (scale * 2 ** -23);
    } else {
      const sign = c.output === 'half_type' ? 0x8000 : 0x80;
      distance = Math.abs(ordinal(Number(got.rawAt(i)), sign) - ordinal(Number(want.rawAt(i)), sign));
    }
    if (distance > 0) mismatches++;
    if (distance > worst) {
      worst = distance;
      if (c.output !== 'float_type' && distance > 1) firstBad = `element ${i}: got ${x}, expected ${y} (${distance} codes apart)`;
    }
  }
  return { mismatches, worst, nanRows: nan / (c.headDimV ?? c.headDim), ...(firstBad ? { firstBad } : {}) };
}

test('fused attention matches the reference interpreter', async (t) => {
  const acquired = await acquireGpu();
  if (!acquired.gpu) {
    t.skip(reportSkipped('attention.test.ts', CASES.length, acquired.skip));
    return;
  }
  const gpu = acquired.gpu;
  const skipped: string[] = [];
  let seed = 100;
  for (const c of CASES) {
    seed += 10;
    if (c.tiling?.tile === 'f16' && !gpu.capabilities.shaderF16) {
      skipped.push(c.name);
      continue;
    }
    const caseSeed = seed;
    await t.test(c.name, async () => {
      const { params, refParams } = prepare(c, caseSeed);
      const want = referenceOutput(c, refParams);
      const { lowered, tiling } = gpuProgram(c, params, gpu);
      const exe = await ExecutableProgram.prepare(gpu, lowered);
      let got: Tensor;
      try {
        got = (await exe.run(params)).outputs[0]!;
      } finally {
        exe.destroy();
      }
      const a = agreement(c, got, want);
      const n = want.shape.elements();
      console.log(`  ${c.name} [${tiling}]: ${a.mismatches} of ${n} differ, worst ${c.output === 'float_type' ? `${a.worst.toFixed(1)} float32 ulps of max |O|` : `${a.worst} code(s)`}${a.nanRows ? `, ${a.nanRows} rows' worth of NaN` : ''}`);
      assert.equal(a.firstBad, undefined, a.firstBad);
      if (c.saturate !== false) assert.equal(a.nanRows, c.emptyRows ?? 0, 'NaN rows (fully masked rows only)');
      else assert.ok(a.nanRows > 0, 'without saturation some outputs overflow to NaN');
      if (c.output === 'float_type') {
        assert.ok(a.worst <= 32, `float output ${a.worst} ulps of max |O| from the reference`);
      } else if (c.output === 'half_type') {
        assert.ok(a.worst <= 1, `half output ${a.worst} codes from the reference`);
        assert.ok(a.mismatches <= Math.max(2, n * 0.01), `${a.mismatches} half codes differ`);
      } else {
        // fp8: bit-exact but for ±1 code where float32 rounding crosses an fp8 midpoint.
        assert.ok(a.worst <= 1, `fp8 output ${a.worst} codes from the reference`);
        assert.ok(a.mismatches <= Math.max(2, n * 0.002), `${a.mismatches} of ${n} fp8 codes differ by one`);
      }
    });
  }
  if (skipped.length > 0) reportSkipped('attention.test.ts', skipped.length, `the device has no shader-f16 (${skipped.join('; ')})`, true);
});

test('attentionLaunch rejects what the kernel cannot run, naming why', () => {
  const caps = { shaderF16: false, halfTiles: false, specializeCodes: true, directLoads: false, shadersOnCpu: false, maxComputeWorkgroupsPerDimension: 65535, maxComputeInvocationsPerWorkgroup: 128, maxComputeWorkgroupStorageSize: 16384 };
  const view = (type: ElementType, lens: number[], buffer = 0): ValueView => ({ buffer, shape: new Shape(type, lens), offset: 0 });
  const base: AttentionKernelDesc = {
    q: view('half_type', [1, 4, 8, 64]),
    k: view('half_type', [1, 2, 8, 64], 1),
    v: view('half_type', [1, 2, 8, 64], 2),
    output: view('fp8e4m3fn_type', [1, 4, 8, 64], 3),
    scale: 0.125,
    quantize: { scale: 0.01 },
  };
  const launch = attentionLaunch(base, caps);
  assert.deepEqual(launch.bindings, [0, 1, 2, -1, 3, -1, -1]);
  assert.equal(launch.constants['HEAD_DIM'], 64);
  assert.equal(launch.constants['QUANTIZE'], 1, 'codes become constants where the device specialises');
  assert.ok(launch.workgroups[1] === 4 && launch.workgroups[2] === 1);
  assert.throws(() => attentionLaunch({ ...base, k: view('half_type', [1, 3, 8, 64], 1), v: view('half_type', [1, 3, 8, 64], 2) }, caps), /not a multiple of 3 kv heads/);
  assert.throws(() => attentionLaunch({ ...base, q: view('float_type', [1, 4, 8, 64]) }, caps), /types differ/);
  const zero = { view: view('bool_type', [1, 4, 8, 1], 4) };
  assert.deepEqual(attentionLaunch({ ...base, zeroProbs: zero }, caps).bindings, [0, 1, 2, -1, 3, 4, -1]);
  assert.deepEqual(attentionLaunch({ ...base, scoreFactor: view('half_type', [1, 1, 8, 8], 5) }, caps).bindings, [0, 1, 2, -1, 3, -1, 5]);
  assert.throws(() => attentionLaunch({ ...base, scoreFactor: view('bool_type', [1, 1, 8, 8], 5) }, caps), /score factor of bool_type/);
  assert.throws(() => attentionLaunch({ ...base, zeroProbs: zero, causal: {} }, caps), /where\(cond, 0, P\) together with causal/);
  assert.throws(() => attentionLaunch({ ...base, zeroProbs: { view: view('float_type', [1, 4, 8, 1], 4) } }, caps), /condition of float_type/);
  assert.throws(() => attentionLaunch({ ...base, zeroProbs: { view: view('bool_type', [1, 4, 3, 1], 4) } }, caps), /do not broadcast/);
  assert.throws(() => attentionLaunch({ ...base, output: view('half_type', [1, 4, 8, 64], 3) }, caps), /quantizelinear epilogue writes fp8/);
  assert.throws(() => attentionLaunch({ ...base, tiling: { bq: 64, bk: 32, rq: 4, td: 8, tile: 'f16' } }, caps), /f16 tiles need shader-f16/);
  assert.throws(() => attentionLaunch({ ...base, mask: { kind: 'additive', view: view('float_type', [2, 1, 8, 8], 4) } }, caps), /do not broadcast/);
  const huge = { ...base, q: view('half_type', [1, 4, 8, 1024]), k: view('half_type', [1, 2, 8, 1024], 1), v: view('half_type', [1, 2, 8, 1024], 2), output: view('fp8e4m3fn_type', [1, 4, 8, 1024], 3) };
  assert.throws(() => attentionLaunch(huge, caps), /no tiling fits head size 1024/);
});

after(releaseGpu);
