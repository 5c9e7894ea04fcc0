// The seed block of PR #4900 (examples/generate.ts writes it at S = 1024) at any sequence length, for
// tests: q, k, v half [1, 16, S, 128], w_o half [1, 16, 128, 128];
// y = softmax(q·kᵀ)·v·w_o.

import type { OnnxModel } from '../../src/onnx/model.js';
import { attr, buildModel, tensorInfo } from '../onnx/helpers/model-builder.js';

export function seedModel(seq: number): OnnxModel {
  const qkv = (n: string) => tensorInfo(n, 'half_type', [1, 16, seq, 128]);
  return buildModel({
    inputs: [qkv('q'), qkv('k'), qkv('v'), tensorInfo('w_o', 'half_type', [1, 16, 128, 128])],
    outputs: ['y'],
    nodes: [
      { name: 'k_transpose', op: 'Transpose', inputs: ['k'], outputs: ['kt'], attrs: [attr.ints('perm', [0, 1, 3, 2])] },
      { name: 'qk_matmul', op: 'MatMul', inputs: ['q', 'kt'], outputs: ['scores'] },
      { name: 'softmax', op: 'Softmax', inputs: ['scores'], outputs: ['probs'], attrs: [attr.int('axis', -1)] },
      { name: 'pv_matmul', op: 'MatMul', inputs: ['probs', 'v'], outputs: ['context'] },
      { name: 'out_proj', op: 'MatMul', inputs: ['context', 'w_o'], outputs: ['y'] },
    ],
  });
}
