// Models the export tests share, as ModelSpecs: a Gemm MLP, a low-opset model that exercises every
// opset conversion, and an ORT-tool-shaped FP8 QDQ model. Weights are small deterministic patterns.

import { Tensor } from '../../src/ir/tensor.js';
import type { ModelSpec } from '../../src/onnx/write.js';

/** Values in [-0.5, 0.5) from a small linear congruence, so every weight tensor differs. */
export function pattern(lens: readonly number[], seed: number, scale = 1): Tensor {
  const n = lens.reduce((a, b) => a * b, 1);
  let s = seed * 7919 + 17;
  const values = Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648 - 0.5) * scale;
  });
  return Tensor.fromNumbers('float_type', lens, values);
}

/** x[8, 32] → Gemm(W1ᵀ, b1) → Relu → Gemm(W2, b2, alpha 1, beta 0.5) → y[8, 10]. */
export function gemmModel(): ModelSpec {
  return {
    opsetImports: { '': 13 },
    graph: {
      name: 'gemm_mlp',
      inputs: [{ name: 'x', elemType: 'float_type', dims: [8, 32] }],
      outputs: [{ name: 'y', elemType: 'float_type', dims: [8, 10] }],
      nodes: [
        { name: 'fc1', opType: 'Gemm', inputs: ['x', 'w1', 'b1'], outputs: ['h'], attributes: { transB: { type: 'int', value: 1 } } },
        { name: 'relu', opType: 'Relu', inputs: ['h'], outputs: ['hr'] },
        { name: 'fc2', opType: 'Gemm', inputs: ['hr', 'w2', 'b2'], outputs: ['y'], attributes: { beta: { type: 'float', value: 0.5 } } },
      ],
      initializers: { w1: pattern([16, 32], 1), b1: pattern([16], 2, 0.2), w2: pattern([16, 10], 3), b2: pattern([10], 4, 0.2) },
    },
  };
}

/**
 * An opset-9 model whose nodes all change form by opset 19: Softmax with 2-D coercion (axis 1 of a
 * rank-3 tensor), ReduceSum/Squeeze/Unsqueeze/Split with attribute axes, Clip, Slice and Pad with
 * attributes, Dropout with a ratio — around two MatMuls FP8 quantizes.
 */
export function oldOpsetModel(): ModelSpec {
  const ints = (value: number[]) => ({ type: 'ints' as const, value });
  return {
    opsetImports: { '': 9 },
    graph: {
      name: 'old_opset',
      inputs: [{ name: 'x', elemType: 'float_type', dims: [2, 3, 8] }],
      outputs: [
        { name: 'u', elemType: 'float_type', dims: [1, 2, 3] },
        { name: 'p', elemType: 'float_type', dims: [2, 3, 6] },
        { name: 'z', elemType: 'float_type', dims: [2, 3, 4] },
        { name: 'm2', elemType: 'float_type', dims: [2, 3, 8] },
      ],
      nodes: [
        { name: 'mm', opType: 'MatMul', inputs: ['x', 'w'], outputs: ['a'] },
        { name: 'sm', opType: 'Softmax', inputs: ['a'], outputs: ['s'], attributes: { axis: { type: 'int', value: 1 } } },
        { name: 'rs', opType: 'ReduceSum', inputs: ['s'], outputs: ['r'], attributes: { axes: ints([2]), keepdims: { type: 'int', value: 1 } } },
        { name: 'sq', opType: 'Squeeze', inputs: ['r'], outputs: ['q'], attributes: { axes: ints([2]) } },
        { name: 'us', opType: 'Unsqueeze', inputs: ['q'], outputs: ['u'], attributes: { axes: ints([0]) } },
        { name: 'clip', opType: 'Clip', inputs: ['a'], outputs: ['c'], attributes: { min: { type: 'float', value: -0.5 }, max: { type: 'float', value: 0.5 } } },
        { name: 'slice', opType: 'Slice', inputs: ['c'], outputs: ['sl'], attributes: { starts: ints([0]), ends: ints([4]), axes: ints([2]) } },
        { name: 'pad', opType: 'Pad', inputs: ['sl'], outputs: ['p'], attributes: { pads: ints([0, 0, 0, 0, 0, 2]), value: { type: 'float', value: 1.5 } } },
        { name: 'split', opType: 'Split', inputs: ['a'], outputs: ['a1', 'a2'], attributes: { axis: { type: 'int', value: 2 }, split: ints([4, 4]) } },
        { name: 'add', opType: 'Add', inputs: ['a1', 'a2'], outputs: ['ad'] },
        { name: 'drop', opType: 'Dropout', inputs: ['ad'], outputs: ['z'], attributes: { ratio: { type: 'float', value: 0.3 } } },
        { name: 'mm2', opType: 'MatMul', inputs: ['c', 'w2'], outputs: ['m2'] },
      ],
      initializers: { w: pattern([8, 8], 5), w2: pattern([8, 8], 6) },
    },
  };
}

/**
 * What ORT's quantization tool writes for FP8 (QDQ, opset 19): x → Q → DQ → MatMul ← DQ ← W (fp8
 * initializer), float8e4m3fn zero points, then a float Add.
 */
export function ortQdqModel(): ModelSpec {
  const w = pattern([16, 8], 7);
  // The weights at scale 1/64, rounded to e4m3fn by the tensor encoder.
  const codes = Tensor.fromNumbers('fp8e4m3fn_type', [16, 8], w.toNumbers().map((v) => v * 64));
  return {
    opsetImports: { '': 19 },
    graph: {
      name: 'ort_qdq',
      inputs: [{ name: 'x', elemType: 'float_type', dims: [4, 16] }],
      outputs: [{ name: 'y', elemType: 'float_type', dims: [4, 8] }],
      nodes: [
        { name: 'x_QuantizeLinear', opType: 'QuantizeLinear', inputs: ['x', 'x_scale', 'x_zero_point'], outputs: ['x_QuantizeLinear_Output'] },
        { name: 'x_DequantizeLinear', opType: 'DequantizeLinear', inputs: ['x_QuantizeLinear_Output', 'x_scale', 'x_zero_point'], outputs: ['x_DequantizeLinear_Output'] },
        { name: 'w_DequantizeLinear', opType: 'DequantizeLinear', inputs: ['w_quantized', 'w_scale', 'w_zero_point'], outputs: ['w_DequantizeLinear_Output'] },
        { name: 'mm', opType: 'MatMul', inputs: ['x_DequantizeLinear_Output', 'w_DequantizeLinear_Output'], outputs: ['mm_out'] },
        { name: 'bias', opType: 'Add', inputs: ['mm_out', 'b'], outputs: ['y'] },
      ],
      initializers: {
        x_scale: Tensor.scalar('float_type', 1 / 448),
        x_zero_point: Tensor.scalar('fp8e4m3fn_type', 0),
        w_quantized: codes,
        w_scale: Tensor.scalar('float_type', 1 / 64),
        w_zero_point: Tensor.scalar('fp8e4m3fn_type', 0),
        b: pattern([8], 8, 0.2),
      },
    },
  };
}
