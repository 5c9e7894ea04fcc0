// The GEMM benchmarks' programs (bench/gpu.ts, bench/webgpu-suite.ts): y = a · b through the compiler's
// IR and the real lowering (the kernel the runtime uses), and the textbook 16×16 shared-memory matmul
// (kernels/bench/matmul-baseline.wgsl) as a hand-made one-launch lowered program.

import '../src/ops/index.js';
import { makeOp } from '../src/ir/op.js';
import { Program } from '../src/ir/program.js';
import { Shape } from '../src/ir/shape.js';
import { Tensor } from '../src/ir/tensor.js';
import type { ElementType } from '../src/ir/types.js';
import { KERNELS } from '../src/codegen/kernel-catalog.js';
import type { LoweredProgram } from '../src/codegen/launch.js';
import { packUniforms } from '../src/codegen/uniforms.js';
import { seededRandom } from '../src/inputs/random-inputs.js';

/** A [rows, cols] matrix of uniform values in [-1, 1). */
export function randomMatrix(type: ElementType, rows: number, cols: number, seed: number): Tensor {
  const next = seededRandom(seed);
  return Tensor.fromNumbers(type, [rows, cols], Array.from({ length: rows * cols }, () => next() * 2 - 1));
}

/** y = a · b with parameters a [m, k] and b [k, n] (quant_dot for fp8 operands, as fp8 programs have it). */
export function gemmProgram(type: ElementType, m: number, k: number, n: number): Program {
  const p = new Program();
  const main = p.mainModule();
  const a = main.addParameter('a', new Shape(type, [m, k]));
  const b = main.addParameter('b', new Shape(type, [k, n]));
  main.addReturn([main.addInstruction(makeOp(type.startsWith('fp8') ? 'quant_dot' : 'dot'), [a, b])]);
  return p;
}

/** The baseline as a hand-made lowered program: three buffers, one launch (float32 only). */
export function baselineProgram(m: number, k: number, n: number): LoweredProgram {
  const spec = KERNELS.matmulBaseline;
  return {
    buffers: [
      { id: 0, bytes: 4 * m * k, kind: 'param', label: '@param:a', param: 'a' },
      { id: 1, bytes: 4 * k * n, kind: 'param', label: '@param:b', param: 'b' },
      { id: 2, bytes: 4 * m * n, kind: 'intermediate', label: 'y' },
    ],
    launches: [
      {
        variant: { spec, slots: {} },
        constants: {},
        uniforms: packUniforms(spec.uniforms, { m, n, k }, spec.name),
        bindings: [0, 1, 2],
        workgroups: [Math.ceil(n / 16), Math.ceil(m / 16), 1],
        label: 'matmul-baseline',
      },
    ],
    params: [
      { name: 'a', buffer: 0, shape: new Shape('float_type', [m, k]) },
      { name: 'b', buffer: 1, shape: new Shape('float_type', [k, n]) },
    ],
    outputs: [{ buffer: 2, shape: new Shape('float_type', [m, n]), offset: 0 }],
    fallbacks: [],
  };
}
