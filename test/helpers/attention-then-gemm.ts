// A multi-head attention block whose output goes back to [batch, sequence, heads · headDim] for a GEMM,
// as every transformer's output projection reads it: O [1, H, S, D] → transpose {0, 2, 1, 3} → reshape
// [S, H·D] → dot(·, w). Float inputs; D is a parameter so tests can pick a head size the fused kernel
// takes (a multiple of 4) or one it does not (its ops then run one by one). `tail` varies what reads O:
// 'returned' returns the transpose itself, 'head-dim' transposes the head dim away from the innermost
// axis before the reshape.

import { makeOp } from '../../src/ops/index.js';
import type { Instruction } from '../../src/ir/instruction.js';
import { Program } from '../../src/ir/program.js';
import { Shape } from '../../src/ir/shape.js';
import { Tensor } from '../../src/ir/tensor.js';

export function attentionThenGemm(headDim: number, tail: 'gemm' | 'returned' | 'head-dim' = 'gemm', heads = 2, seq = 8): Program {
  const p = new Program();
  const m = p.mainModule();
  const add = (op: string, inputs: Instruction[], attrs = {}) => m.addInstruction(makeOp(op, attrs), inputs);
  const lens = [1, heads, seq, headDim];
  const q = m.addParameter('q', new Shape('float_type', lens));
  const k = m.addParameter('k', new Shape('float_type', lens));
  const v = m.addParameter('v', new Shape('float_type', lens));
  const w = m.addParameter('w', new Shape('float_type', [heads * headDim, 4]));
  const scores = add('dot', [q, add('transpose', [k], { permutation: [0, 1, 3, 2] })]);
  const scale = add('multibroadcast', [m.addLiteral(Tensor.scalar('float_type', 1 / Math.sqrt(headDim)))], { out_lens: [1, heads, seq, seq] });
  const probs = add('softmax', [add('mul', [scores, scale])], { axis: 3 });
  const o = add('dot', [probs, v]);
  const t = add('transpose', [o], { permutation: tail === 'head-dim' ? [0, 2, 3, 1] : [0, 2, 1, 3] });
  if (tail === 'returned') {
    m.addReturn([t]);
    return p;
  }
  m.addReturn([add('dot', [add('reshape', [t], { dims: [seq, heads * headDim] }), w])]);
  return p;
}
