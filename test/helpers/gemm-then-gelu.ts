// A float GEMM with a bias, then GELU as ONNX exporters write it: x / √2 → erf → + 1 → · x → · ½, where
// x (the biased GEMM result) is read twice. `outside`: x also feeds an add outside the chain instead of
// the product (a residual), and the chain ends with · ½.

import { makeOp } from '../../src/ops/index.js';
import type { Instruction } from '../../src/ir/instruction.js';
import { Program } from '../../src/ir/program.js';
import { Shape } from '../../src/ir/shape.js';
import { Tensor } from '../../src/ir/tensor.js';

export function gemmThenGelu(outside: boolean): Program {
  const p = new Program();
  const m = p.mainModule();
  const a = m.addParameter('a', new Shape('float_type', [1, 4, 8]));
  const w = m.addParameter('w', new Shape('float_type', [1, 8, 4]));
  const k = (v: number) => m.addInstruction(makeOp('multibroadcast', { out_lens: [1, 4, 4] }), [m.addLiteral(Tensor.scalar('float_type', v))]);
  const op = (name: string, ...args: Instruction[]) => m.addInstruction(makeOp(name), args);
  const bias = m.addInstruction(makeOp('multibroadcast', { out_lens: [1, 4, 4] }), [m.addLiteral(Tensor.fromNumbers('float_type', [4], [0.5, -0.25, 1, 0]))]);
  const x = op('add', op('dot', a, w), bias);
  const phi = op('add', op('erf', op('div', x, k(Math.SQRT2))), k(1));
  if (!outside) {
    m.addReturn([op('mul', op('mul', phi, x), k(0.5))]);
    return p;
  }
  m.addReturn([op('mul', phi, k(0.5)), op('add', x, k(2))]);
  return p;
}
