// The interpreter's fast kernel: batched C = A·B over plain numbers, accumulated in float64 (exact for
// float32/half products; rounded once by the caller). Operands are read through their strides while
// packing, so transposed and broadcast views need no copy. Packing puts 4 rows of A / 4 columns of B
// side by side per k; the 4×4 register-blocked inner loop then reads both panels sequentially. That loop
// runs as WebAssembly SIMD where available (matmul-simd.ts, bit-identical, 3-4× faster), else in JS.

import { SimdKernel } from './matmul-simd.js';
import { elementCount } from './strided.js';

/** A [batch…, rows, cols] operand: storage (any numeric array), offset and strides in elements. */
export interface MatrixOperand {
  readonly data: ArrayLike<number>;
  readonly offset: number;
  readonly lens: readonly number[];
  readonly strides: readonly number[];
}

const MR = 4; // rows of A per panel
const NR = 4; // columns of B per panel
/** Bytes of packed B kept hot while every A panel sweeps over it (about half of a 1 MiB L2). */
const B_CHUNK_BYTES = 512 * 1024;

/** C[b] = A[b]·B[b] for every batch index b; returns [batch…, M, N] in row-major order. */
export function batchedMatmul(a: MatrixOperand, b: MatrixOperand): Float64Array {
  const rank = a.lens.length;
  const M = a.lens[rank - 2]!;
  const K = a.lens[rank - 1]!;
  const N = b.lens[rank - 1]!;
  const batchLens = a.lens.slice(0, rank - 2);
  const batches = elementCount(batchLens);
  const c = new Float64Array(batches * M * N);
  if (M === 0 || N === 0) return c;
  const rowPanels = Math.ceil(M / MR);
  const colPanels = Math.ceil(N / NR);
  const simd = useSimd ? SimdKernel.get() : undefined;
  // The SIMD kernel reads panels from, and writes a padded C into, its own memory; else plain arrays.
  const wasm = simd?.buffers(rowPanels * MR * K, colPanels * NR * K, rowPanels * MR * colPanels * NR);
  const packedA = wasm?.a ?? new Float64Array(rowPanels * MR * K);
  const packedB = wasm?.b ?? new Float64Array(colPanels * NR * K);
  const coord = new Array<number>(batchLens.length).fill(0);
  for (let batch = 0; batch < batches; batch++) {
    let offA = a.offset;
    let offB = b.offset;
    for (let d = 0, rest = batch; d < batchLens.length; d++) {
      const size = elementCount(batchLens.slice(d + 1));
      coord[d] = Math.floor(rest / size);
      rest -= coord[d]! * size;
      offA += coord[d]! * a.strides[d]!;
      offB += coord[d]! * b.strides[d]!;
    }
    packRowPanels(a.data, offA, M, K, a.strides[rank - 2]!, a.strides[rank - 1]!, packedA);
    packColumnPanels(b.data, offB, K, N, b.strides[rank - 2]!, b.strides[rank - 1]!, packedB);
    if (simd && wasm) {
      const ldc = colPanels * NR;
      const chunk = Math.max(1, Math.floor(B_CHUNK_BYTES / (NR * K * 8)));
      for (let first = 0; first < colPanels; first += chunk) {
        simd.multiply(packedA.length, packedB.length, rowPanels, first, Math.min(colPanels, first + chunk), K, ldc);
      }
      copyRows(wasm.c, ldc, M, N, c, batch * M * N);
    } else {
      multiplyPacked(packedA, packedB, M, N, K, c, batch * M * N);
    }
  }
  return c;
}

let useSimd = true;

/** Turns the WebAssembly SIMD kernel off or on (tests compare both kernels); returns the old setting. */
export function setSimdMatmul(on: boolean): boolean {
  const was = useSimd;
  useSimd = on;
  return was;
}

/** Copies the top-left M×N of a padded row-major block (`ld` per row) into `c` at `offset`. */
function copyRows(block: Float64Array, ld: number, M: number, N: number, c: Float64Array, offset: number): void {
  if (ld === N) {
    c.set(block.subarray(0, M * N), offset);
    return;
  }
  for (let i = 0; i < M; i++) c.set(block.subarray(i * ld, i * ld + N), offset + i * N);
}

/** packed[p·MR·K + k·MR + r] = A[p·MR + r, k]; rows past M are zero. */
function packRowPanels(data: ArrayLike<number>, offset: number, M: number, K: number, rowStride: number, colStride: number, packed: Float64Array): void {
  for (let p = 0; p * MR < M; p++) {
    const panel = p * MR * K;
    for (let r = 0; r < MR; r++) {
      const i = p * MR + r;
      if (i >= M) {
        for (let k = 0; k < K; k++) packed[panel + k * MR + r] = 0;
        continue;
      }
      let src = offset + i * rowStride;
      for (let k = 0; k < K; k++, src += colStride) packed[panel + k * MR + r] = data[src]!;
    }
  }
}

/** packed[p·NR·K + k·NR + c] = B[k, p·NR + c]; columns past N are zero. */
function packColumnPanels(data: ArrayLike<number>, offset: number, K: number, N: number, rowStride: number, colStride: number, packed: Float64Array): void {
  for (let p = 0; p * NR < N; p++) {
    const panel = p * NR * K;
    for (let c = 0; c < NR; c++) {
      const j = p * NR + c;
      if (j >= N) {
        for (let k = 0; k < K; k++) packed[panel + k * NR + c] = 0;
        continue;
      }
      let src = offset + j * colStride;
      for (let k = 0; k < K; k++, src += rowStride) packed[panel + k * NR + c] = data[src]!;
    }
  }
}

/** C[cOffset + i·N + j] = Σ_k A[i,k]·B[k,j] from packed panels. */
function multiplyPacked(pa: Float64Array, pb: Float64Array, M: number, N: number, K: number, c: Float64Array, cOffset: number): void {
  const rowPanels = Math.ceil(M / MR);
  const colPanels = Math.ceil(N / NR);
  const chunk = Math.max(1, Math.floor(B_CHUNK_BYTES / (NR * K * 8)));
  for (let firstCol = 0; firstCol < colPanels; firstCol += chunk) {
    const endCol = Math.min(colPanels, firstCol + chunk);
    for (let ip = 0; ip < rowPanels; ip++) {
      const aStart = ip * MR * K;
      const aEnd = aStart + MR * K;
      for (let jp = firstCol; jp < endCol; jp++) {
        let ka = aStart;
        let kb = jp * NR * K;
        let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
        let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
        let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        // One B value live at a time keeps the working set near the register file.
        while (ka < aEnd) {
          const a0 = pa[ka]!, a1 = pa[ka + 1]!, a2 = pa[ka + 2]!, a3 = pa[ka + 3]!;
          let bv = pb[kb]!;
          c00 += a0 * bv; c10 += a1 * bv; c20 += a2 * bv; c30 += a3 * bv;
          bv = pb[kb + 1]!;
          c01 += a0 * bv; c11 += a1 * bv; c21 += a2 * bv; c31 += a3 * bv;
          bv = pb[kb + 2]!;
          c02 += a0 * bv; c12 += a1 * bv; c22 += a2 * bv; c32 += a3 * bv;
          bv = pb[kb + 3]!;
          c03 += a0 * bv; c13 += a1 * bv; c23 += a2 * bv; c33 += a3 * bv;
          ka += MR;
          kb += NR;
        }
        const i0 = ip * MR;
        const j0 = jp * NR;
        const base = cOffset + i0 * N + j0;
        if (i0 + MR <= M && j0 + NR <= N) {
          c[base] = c00; c[base + 1] = c01; c[base + 2] = c02; c[base + 3] = c03;
          c[base + N] = c10; c[base + N + 1] = c11; c[base + N + 2] = c12; c[base + N + 3] = c13;
          c[base + 2 * N] = c20; c[base + 2 * N + 1] = c21; c[base + 2 * N + 2] = c22; c[base + 2 * N + 3] = c23;
          c[base + 3 * N] = c30; c[base + 3 * N + 1] = c31; c[base + 3 * N + 2] = c32; c[base + 3 * N + 3] = c33;
        } else {
          const tile = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
          for (let r = 0; r < MR && i0 + r < M; r++) {
            for (let q = 0; q < NR && j0 + q < N; q++) c[base + r * N + q] = tile[r * NR + q]!;
          }
        }
      }
    }
  }
}
