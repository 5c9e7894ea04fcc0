// An ONNX model of a linear layer then an activation: y = act(x · W + b), x [1, 8, 16], W [16, 32].
// act: the Gelu op (opset 20), erf ('gelu') or tanh ('gelu-tanh') form, which the importer expands as
// ½x · (1 + Φ…), the form exporters write (sink-scalar-mul and fuse-gemm make it the GEMM's epilogue);
// or 'silu', x · Sigmoid(x) as exporters write SiLU / Swish.

import { Tensor } from '../../src/ir/tensor.js';
import { seededRandom } from '../../src/inputs/random-inputs.js';
import type { OnnxModel } from '../../src/onnx/model.js';
import { attr, buildModel, tensorInfo } from '../onnx/helpers/model-builder.js';

export function linearActivation(act: 'gelu' | 'gelu-tanh' | 'silu'): OnnxModel {
  const next = seededRandom(5);
  const values = (n: number, scale: number) => Array.from({ length: n }, () => (next() - 0.5) * scale);
  return buildModel({
    inputs: [tensorInfo('x', 'float_type', [1, 8, 16])],
    outputs: [tensorInfo('y', 'float_type', [1, 8, 32])],
    opset: 20,
    initializers: { w: Tensor.fromNumbers('float_type', [16, 32], values(16 * 32, 0.5)), b: Tensor.fromNumbers('float_type', [32], values(32, 1)) },
    nodes: [
      { op: 'MatMul', inputs: ['x', 'w'], outputs: ['h'], name: 'fc' },
      { op: 'Add', inputs: ['h', 'b'], outputs: ['hb'], name: 'bias' },
      ...(act === 'silu'
        ? [
            { op: 'Sigmoid', inputs: ['hb'], outputs: ['s'], name: 'sigmoid' },
            { op: 'Mul', inputs: ['hb', 's'], outputs: ['y'], name: 'silu' },
          ]
        : [{ op: 'Gelu', inputs: ['hb'], outputs: ['y'], name: 'gelu', attrs: [attr.string('approximate', act === 'gelu' ? 'none' : 'tanh')] }]),
    ],
  });
}
