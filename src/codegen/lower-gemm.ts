// Lowering of dot (float, half, bf16) and quant_dot (fp8) to the tiled GEMM kernel. Operands are read
// through their views (a transposed or batch-broadcast operand is not copied); batch dimensions merge
// where they can and at most 4 remain. The kernel writes float32; other outputs get a convert.

import type { Instruction } from '../ir/instruction.js';
import { Shape } from '../ir/shape.js';
import { isFp8Type, typeId, type ElementType } from '../ir/types.js';
import { mergeDims, product } from './dims.js';
import { ceilDiv } from './grid.js';
import { KERNELS } from './kernel-catalog.js';
import type { LoweringContext } from './lower-context.js';
import type { ValueView } from './launch.js';
import { unsupported } from './unsupported.js';

const GEMM_TYPES: ReadonlySet<ElementType> = new Set(['float_type', 'half_type', 'bf16_type']);

/** Whether 4 consecutive elements along the contiguous axis always fill whole aligned words. */
function packedAlong(view: ValueView, innerStride: number, innerLen: number, otherStrides: readonly number[]): boolean {
  return innerStride === 1 && innerLen % 4 === 0 && view.offset % 4 === 0 && otherStrides.every((s) => s % 4 === 0);
}

export function lowerGemm(ctx: LoweringContext, ins: Instruction): ValueView {
  const [aIns, bIns] = ins.inputs as [Instruction, Instruction];
  const aType = aIns.shape.type;
  const bType = bIns.shape.type;
  const ok = ins.op.name === 'dot' ? GEMM_TYPES.has(aType) : isFp8Type(aType) && isFp8Type(bType);
  if (!ok) throw unsupported(ins, `${ins.op.name} with ${aType}`);
  const a = ctx.valueOf(aIns);
  const b = ctx.valueOf(bIns);
  const rank = ins.shape.ndim;
  const [m, n] = [ins.shape.lens[rank - 2]!, ins.shape.lens[rank - 1]!];
  const k = aIns.shape.lens[rank - 1]!;
  const batchLens = ins.shape.lens.slice(0, rank - 2);
  const batch = mergeDims(batchLens, [a.shape.strides.slice(0, rank - 2), b.shape.strides.slice(0, rank - 2), Shape.standardStrides(batchLens)]);
  if (batch.lens.length > 4) throw unsupported(ins, `${ins.op.name} with ${batch.lens.length} non-mergeable batch dimensions (at most 4)`);
  const batches = product(batchLens);
  const [aRow, aK] = [a.shape.strides[rank - 2]!, a.shape.strides[rank - 1]!];
  const [bK, bCol] = [b.shape.strides[rank - 2]!, b.shape.strides[rank - 1]!];
  const [aBatch, bBatch] = [batch.strides[0]!, batch.strides[1]!];

  const wgX = 16;
  const wgY = Math.max(1, Math.min(16, Math.floor(ctx.caps.maxComputeInvocationsPerWorkgroup / wgX)));
  const tile = aType === 'half_type' && bType === 'half_type' && ctx.caps.halfTiles && ctx.caps.shaderF16 ? 'f16' : 'f32';
  // 8 × 8 outputs per invocation halve the workgroup-memory reads per product but make 128 × 128
  // tiles: worth it only with enough of them to fill a large GPU (on an H200, 4096×768×768 gained
  // 17%, while 1024³, 64 tiles, lost 40%; docs/webgpu.md).
  const tileBytes = (tile === 'f16' ? 2 : 4) * 16 * (wgX + wgY) * 8;
  const bigTiles = ceilDiv(m, 128) * ceilDiv(n, 128) * product(batchLens);
  const block = bigTiles >= 128 && wgY === 16 && tileBytes <= ctx.caps.maxComputeWorkgroupStorageSize ? '8x8' : '4x4';
  const [tm, tn] = block === '8x8' ? [8, 8] : [4, 4];
  const direct = ins.shape.type === 'float_type';
  const result = ctx.newValue(direct ? ins.shape : ins.shape.withType('float_type'));
  const pad4 = (xs: readonly number[]) => [...xs, 0, 0, 0, 0].slice(0, 4);
  ctx.launch(KERNELS.gemm, {
    slots: { tile, block },
    constants: { WG_X: wgX, WG_Y: wgY },
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
    },
    bindings: [a.buffer, b.buffer, result.buffer],
    workgroups: m * n === 0 ? [0, 1, 1] : [ceilDiv(n, wgX * tn), ceilDiv(m, wgY * tm), batches],
  });
  return direct ? result : ctx.convertInto(result, ins.shape.type);
}
