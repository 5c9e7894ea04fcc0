// Lowering of dot (float, half, bf16) and quant_dot (fp8) to the tiled GEMM kernel. Operands are read
// through their views (a transposed or batch-broadcast operand is not copied); batch dimensions merge
// where they can and at most 4 remain. The kernel accumulates in float32 and writes the output type
// itself when its elements fill whole words four columns at a time (half: n even; fp8: n a multiple of
// 4), else float32 followed by a convert. `gemmLaunch` also takes a fusion (prologues, epilogue), which
// lower-gemm-group.ts fills from a `group[tag=gemm]`.

import type { Instruction } from '../ir/instruction.js';
import { Shape } from '../ir/shape.js';
import { isFp8Type, typeId, typeSize, type ElementType } from '../ir/types.js';
import { mergeDims, product } from './dims.js';
import { STEP } from './fused-program.js';
import { ceilDiv } from './grid.js';
import { KERNELS } from './kernel-catalog.js';
import type { LoweringContext } from './lower-context.js';
import { DUMMY_BUFFER, type ValueView } from './launch.js';
import { unsupported } from './unsupported.js';

const GEMM_TYPES: ReadonlySet<ElementType> = new Set(['float_type', 'half_type', 'bf16_type']);

/** An operand's prologue: quantize (scalar scale, zero point 0) or convert, applied as it loads. */
export interface GemmPrologue {
  readonly kind: typeof STEP.quantize | typeof STEP.convert;
  readonly type: ElementType;
  readonly saturate: boolean;
  readonly scale: number;
}

/**
 * One epilogue step on each result: an op code or STEP.*, with a scalar, an element of c or the saved
 * value as operand.
 */
export interface GemmEpilogueStep {
  readonly kind: number;
  readonly type: ElementType;
  readonly saturate: boolean;
  /** The other operand: a constant, the tensor operand c, the saved value, or none (unary ops, convert). */
  readonly operand: number | 'c' | 'saved' | undefined;
  /** Keep the value this step receives: a later step reads it as 'saved' (one such value per epilogue). */
  readonly save?: boolean;
  /** The operand is the op's first argument (sub(c, y), div(2, y)). */
  readonly operandFirst: boolean;
}

export interface GemmFusion {
  readonly a?: GemmPrologue;
  readonly b?: GemmPrologue;
  /** At most 4 steps. */
  readonly epilogue: readonly GemmEpilogueStep[];
  /** The epilogue's tensor operand, a view over the output's lens. */
  readonly c?: ValueView;
  /** The type the results are written in (the last step's, or float32 without one). */
  readonly yType: ElementType;
}

export const MAX_EPILOGUE_STEPS = 12;

/** Whether 4 consecutive elements along the contiguous axis always fill whole aligned words. */
function packedAlong(view: ValueView, innerStride: number, innerLen: number, otherStrides: readonly number[]): boolean {
  return innerStride === 1 && innerLen % 4 === 0 && view.offset % 4 === 0 && otherStrides.every((s) => s % 4 === 0);
}

/** Whether the kernel can write `t` directly for `n` columns (whole words, four columns per invocation). */
export function writesDirectly(t: ElementType, n: number): boolean {
  const bytes = typeSize(t);
  return bytes === 4 || (bytes === 2 && n % 2 === 0) || (bytes === 1 && n % 4 === 0);
}

function prologueWords(p: GemmPrologue | undefined): [number, number, number, number] {
  return p ? [p.kind, typeId(p.type), p.saturate ? 2 : 0, 0] : [0, 0, 0, 0];
}

/** The prologue as the A_PROLOGUE / B_PROLOGUE constant: kind | type << 8 | flags << 16. */
function prologueCode(p: GemmPrologue | undefined): number {
  const [kind, type, flags] = prologueWords(p);
  return kind | (type << 8) | (flags << 16);
}

/** One value per epilogue step, zeros up to MAX_EPILOGUE_STEPS. */
function padSteps(xs: readonly number[]): number[] {
  return [...xs, ...new Array<number>(MAX_EPILOGUE_STEPS - xs.length).fill(0)];
}

/** An epilogue step's flags (kernels/gemm.wgsl): operand first, saturate, c, save, saved. */
function stepFlags(s: GemmEpilogueStep): number {
  return (s.operandFirst ? 1 : 0) | (s.saturate ? 2 : 0) | (s.operand === 'c' ? 4 : 0) | (s.save ? 8 : 0) | (s.operand === 'saved' ? 16 : 0);
}

/** The GEMM launch computing `output` (standard, lens [..batch, m, n]) from operand views a and b. */
export function gemmLaunch(ctx: LoweringContext, ins: Instruction, a: ValueView, b: ValueView, output: ValueView, fusion: GemmFusion): void {
  const out = output.shape;
  const rank = out.ndim;
  const [m, n] = [out.lens[rank - 2]!, out.lens[rank - 1]!];
  const k = a.shape.lens[rank - 1]!;
  const aType = a.shape.type;
  const bType = b.shape.type;
  const batchLens = out.lens.slice(0, rank - 2);
  const c = fusion.c;
  const cStrides = c ? c.shape.strides : new Array<number>(rank).fill(0);
  const batch = mergeDims(batchLens, [a.shape.strides.slice(0, rank - 2), b.shape.strides.slice(0, rank - 2), Shape.standardStrides(batchLens), cStrides.slice(0, rank - 2)]);
  if (batch.lens.length > 4) throw unsupported(ins, `${ins.op.name} with ${batch.lens.length} non-mergeable batch dimensions (at most 4)`);
  if (fusion.epilogue.length > MAX_EPILOGUE_STEPS) throw new Error(`gemm: ${fusion.epilogue.length} epilogue steps (at most ${MAX_EPILOGUE_STEPS})`);
  if (!writesDirectly(fusion.yType, n)) throw new Error(`gemm: cannot write ${fusion.yType} with n = ${n} directly`);
  const batches = product(batchLens);
  const [aRow, aK] = [a.shape.strides[rank - 2]!, a.shape.strides[rank - 1]!];
  const [bK, bCol] = [b.shape.strides[rank - 2]!, b.shape.strides[rank - 1]!];
  const [aBatch, bBatch, cBatch] = [batch.strides[0]!, batch.strides[1]!, batch.strides[3]!];

  const wgX = 16;
  const wgY = Math.max(1, Math.min(16, Math.floor(ctx.caps.maxComputeInvocationsPerWorkgroup / wgX)));
  const tile = aType === 'half_type' && bType === 'half_type' && ctx.caps.halfTiles && ctx.caps.shaderF16 ? 'f16' : 'f32';
  // 8 × 8 outputs per invocation halve the workgroup-memory reads per product but make 128 × 128
  // tiles: worth it only with enough of them to fill a large GPU (on an H200, 4096×768×768 gained
  // 17%, while 1024³, 64 tiles, lost 40%; docs/webgpu.md).
  const tileBytes = (tile === 'f16' ? 2 : 4) * 16 * (wgX + wgY) * 8;
  const bigTiles = ceilDiv(m, 128) * ceilDiv(n, 128) * product(batchLens);
  // Direct loads read every operand value once per invocation that uses it, where tiles load it once
  // per workgroup: with a prologue (a fused quantize, costly per value) that made llvmpipe's GEMMs
  // 3.6–7.3× slower, so such GEMMs stage tiles everywhere.
  const direct = ctx.caps.directLoads && !fusion.a && !fusion.b;
  // Direct loads keep 4 × 4: there is no workgroup memory to save, and 8 × 8 was slower on llvmpipe.
  const block = !direct && bigTiles >= 128 && wgY === 16 && tileBytes <= ctx.caps.maxComputeWorkgroupStorageSize ? '8x8' : '4x4';
  const [tm, tn] = block === '8x8' ? [8, 8] : [4, 4];
  const pad4 = (xs: readonly number[]) => [...xs, 0, 0, 0, 0].slice(0, 4);
  const steps = fusion.epilogue;
  const sameA = b.buffer === a.buffer;
  ctx.launch(KERNELS.gemm, {
    slots: { tile, block },
    constants: {
      WG_X: wgX,
      WG_Y: wgY,
      FUSION: fusion.a || fusion.b || steps.length > 0 ? 1 : 0,
      DIRECT: direct ? 1 : 0,
      // On a software adapter the GEMM's types and prologues are specialised even though op and type
      // codes elsewhere stay in uniforms (capabilities.ts): a program has few GEMM type pairs and
      // prologues, so few pipelines, and each builds several times faster than the one that decodes
      // every type (llvmpipe, cold: perf --attention-qdq keep of test_attention_4d 51 s → 10 s); direct
      // loads decode in the inner loop, where a branch on a uniform costs on every load.
      ...(ctx.caps.directLoads ? { A_TYPE: typeId(aType), B_TYPE: typeId(bType), B_FROM_A: sameA ? 1 : 0, A_PROLOGUE: prologueCode(fusion.a), B_PROLOGUE: prologueCode(fusion.b) } : {}),
    },
    uniforms: {
      m,
      n,
      k,
      batch_rank: batch.lens.length,
      a_packed: packedAlong(a, aK, k, [aRow, ...aBatch]) ? 1 : 0,
      b_packed: packedAlong(b, bCol, n, [bK, ...bBatch]) ? 1 : 0,
      a_type: typeId(aType),
      b_type: typeId(bType),
      batch_lens: pad4(batch.lens),
      a_batch_strides: pad4(aBatch),
      b_batch_strides: pad4(bBatch),
      a_view: [a.offset, aRow, aK, 0],
      b_view: [b.offset, bK, bCol, 0],
      y_type: typeId(fusion.yType),
      b_from_a: sameA ? 1 : 0,
      epilogue_steps: steps.length,
      c_type: c ? typeId(c.shape.type) : 0,
      a_prologue: prologueWords(fusion.a),
      b_prologue: prologueWords(fusion.b),
      prologue_scales: [fusion.a?.scale ?? 0, fusion.b?.scale ?? 0, 0, 0],
      epi_kinds: padSteps(steps.map((s) => s.kind)),
      epi_types: padSteps(steps.map((s) => typeId(s.type))),
      epi_flags: padSteps(steps.map(stepFlags)),
      epi_scalars: padSteps(steps.map((s) => (typeof s.operand === 'number' ? s.operand : 0))),
      c_view: c ? [c.offset, c.shape.strides[rank - 2]!, c.shape.strides[rank - 1]!, 0] : [0, 0, 0, 0],
      c_batch_strides: pad4(cBatch),
    },
    bindings: [a.buffer, sameA ? DUMMY_BUFFER : b.buffer, c?.buffer ?? DUMMY_BUFFER, output.buffer],
    workgroups: m * n === 0 ? [0, 1, 1] : [ceilDiv(n, wgX * tn), ceilDiv(m, wgY * tm), batches],
  });
}

export function lowerGemm(ctx: LoweringContext, ins: Instruction): ValueView {
  const [aIns, bIns] = ins.inputs as [Instruction, Instruction];
  const aType = aIns.shape.type;
  const bType = bIns.shape.type;
  const ok = ins.op.name === 'dot' ? GEMM_TYPES.has(aType) : isFp8Type(aType) && isFp8Type(bType);
  if (!ok) throw unsupported(ins, `${ins.op.name} with ${aType}`);
  const a = ctx.valueOf(aIns);
  const b = ctx.valueOf(bIns);
  const outType = ins.shape.type;
  const n = ins.shape.lens[ins.shape.ndim - 1]!;
  // The dot's own rounding to its output type is the kernel storing float32 results as that type.
  const direct = writesDirectly(outType, n);
  const yType = direct ? outType : 'float_type';
  const result = ctx.newValue(ins.shape.withType(yType));
  gemmLaunch(ctx, ins, a, b, result, { epilogue: [], yType });
  return direct ? result : ctx.convertInto(result, outType);
}
