// Reference computes of dot, quant_dot and convolution (src/ops/gemm.ts). Float inputs (half, bf16, fp8
// decoded exactly) multiply in float64 and the output rounds once to its type. Integer dot is exact:
// float64 while the worst-case sum stays below 2^53, BigInt beyond; the result wraps to the type.

import { Shape } from '../../ir/shape.js';
import type { Tensor } from '../../ir/tensor.js';
import { defineCompute } from '../registry.js';
import { convolution } from '../convolution.js';
import { batchedMatmul, type MatrixOperand } from '../matmul.js';
import { elementCount } from '../strided.js';
import { readBigInts, readFloat32, readFloat64, storageClass, writeBigInts, writeFloat64Results, writeIntegers } from '../values.js';

/** The operand as the kernel reads it: numeric storage directly, coded formats decoded to float32 first. */
function operand(t: Tensor): MatrixOperand {
  const cls = storageClass(t.type);
  if (cls === 'float32' || cls === 'float64' || cls === 'int') {
    return { data: t.data as ArrayLike<number>, offset: t.offset, lens: t.shape.lens, strides: t.shape.strides };
  }
  return standardOperand(readFloat32(t), t.shape.lens);
}

function standardOperand(values: ArrayLike<number>, lens: readonly number[]): MatrixOperand {
  return { data: values, offset: 0, lens, strides: Shape.standardStrides(lens) };
}

function maxAbs(values: Float64Array): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]!));
  return m;
}

/** Integer matmul, exact; the caller wraps the sums to the output type. */
function integerMatmul(a: Tensor, b: Tensor, out: Shape): Tensor {
  const K = a.shape.lens[a.shape.ndim - 1]!;
  if (storageClass(a.type) === 'int') {
    const av = readFloat64(a);
    const bv = readFloat64(b);
    if (maxAbs(av) * maxAbs(bv) * K <= Number.MAX_SAFE_INTEGER) {
      return writeIntegers(out, batchedMatmul(standardOperand(av, a.shape.lens), standardOperand(bv, b.shape.lens)));
    }
    return writeBigIntMatmul(out, Array.from(av, BigInt), Array.from(bv, BigInt), a.shape.lens, b.shape.lens);
  }
  return writeBigIntMatmul(out, readBigInts(a), readBigInts(b), a.shape.lens, b.shape.lens);
}

function writeBigIntMatmul(out: Shape, a: ArrayLike<bigint>, b: ArrayLike<bigint>, aLens: readonly number[], bLens: readonly number[]): Tensor {
  const rank = aLens.length;
  const [M, K, N] = [aLens[rank - 2]!, aLens[rank - 1]!, bLens[rank - 1]!];
  const batches = elementCount(aLens.slice(0, rank - 2));
  const c = new Array<bigint>(batches * M * N);
  for (let batch = 0; batch < batches; batch++) {
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let acc = 0n;
        for (let k = 0; k < K; k++) acc += a[(batch * M + i) * K + k]! * b[(batch * K + k) * N + j]!;
        c[(batch * M + i) * N + j] = acc;
      }
    }
  }
  if (storageClass(out.type) === 'int64') return writeBigInts(out, c);
  return writeIntegers(out, c.map((v) => Number(BigInt.asIntN(32, v))));
}

defineCompute('dot', (op, args, out) => {
  const [a, b] = args as [Tensor, Tensor];
  const cls = storageClass(a.type);
  switch (cls) {
    case 'float32':
    case 'float64':
    case 'bf16':
    case 'table':
      return writeFloat64Results(out, batchedMatmul(operand(a), operand(b)));
    case 'int':
    case 'int64':
      return integerMatmul(a, b, out);
    case 'bool':
    case 'none':
      throw new Error(`${op.name} is not defined on ${a.type}`);
    default:
      return cls satisfies never;
  }
});

/** quant_dot: fp8 inputs decode exactly and give float32; 8-bit integers give exact int32 sums. */
defineCompute('quant_dot', (_op, args, out) => {
  const [a, b] = args as [Tensor, Tensor];
  const c = batchedMatmul(operand(a), operand(b));
  return out.type === 'float_type' ? writeFloat64Results(out, c) : writeIntegers(out, c);
});

defineCompute('convolution', (op, args, out) => {
  const [x, w] = args as [Tensor, Tensor];
  const y = convolution(readFloat64(x), x.shape.lens, readFloat64(w), w.shape.lens, out.lens, {
    padding: op.ints('padding'),
    stride: op.ints('stride'),
    dilation: op.ints('dilation'),
    group: op.int('group'),
  });
  const cls = storageClass(out.type);
  return cls === 'int' || cls === 'int64' ? writeIntegers(out, y) : writeFloat64Results(out, y);
});
