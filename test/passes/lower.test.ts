// lower, memory-coloring's binding alignment and preallocate-scratch on small programs, as printed IR:
// every computing instruction becomes a `gpu::code_object` (printed as MIGraphX prints its compiled
// kernels) writing into an allocation or an output parameter; views feeding a kernel move into its
// submodule; the allocations become loads of one scratch buffer, which the program then allocates.
// Also the kernel naming rule (migraphx.md §6) and that a lowered program evaluates as before.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeOp } from '../../src/ops/index.js';
import type { Instruction } from '../../src/ir/instruction.js';
import { Module } from '../../src/ir/module.js';
import { Program } from '../../src/ir/program.js';
import { Shape } from '../../src/ir/shape.js';
import { Tensor } from '../../src/ir/tensor.js';
import { moduleToString } from '../../src/ir/printer.js';
import { CODE_OBJECT } from '../../src/ops/kernel.js';
import { kernelSymbol } from '../../src/fusion/kernel-name.js';
import { lower } from '../../src/passes/lower.js';
import { colorMemory, memoryColoring } from '../../src/passes/memory-coloring.js';
import { preallocateScratch } from '../../src/passes/preallocate-scratch.js';
import { eliminateDeadCode } from '../../src/passes/eliminate-dead-code.js';
import { fusePointwise } from '../../src/passes/fuse-pointwise.js';
import { runPasses } from '../../src/passes/pipeline.js';
import { DiagnosticSink } from '../../src/diagnostics.js';
import { evaluateProgram } from '../../src/ref/evaluate.js';
import { randomInputs } from '../../src/inputs/random-inputs.js';

const ctx = { diagnostics: new DiagnosticSink() };
const LOWER = [lower, eliminateDeadCode, memoryColoring, preallocateScratch];
const f32 = (...lens: number[]) => new Shape('float_type', lens);

/** Printed main with the kernel-size fields (which follow the WGSL sources) replaced by N. */
const printed = (p: Program) => moduleToString(p.mainModule()).replace(/code_object=\d+,/g, 'code_object=N,').replace(/global=\d+,/g, 'global=N,');

test('gpu::code_object prints as MIGraphX prints compiled kernels: trailing comma, output_arg only when set', () => {
  const pointwise = makeOp(CODE_OBJECT, { code_object: 6504, symbol_name: 'quantizelinear_kernel', global: 2097152, local: 1024 });
  assert.equal(pointwise.toString(), 'gpu::code_object[code_object=6504,symbol_name=quantizelinear_kernel,global=2097152,local=1024,]');
  const mlir = makeOp(CODE_OBJECT, { code_object: 7208, symbol_name: 'mlir_quantizelinear_quant_dot_dequantizelinear', global: 131072, local: 256, output_arg: 2 });
  assert.equal(mlir.toString(), 'gpu::code_object[code_object=7208,symbol_name=mlir_quantizelinear_quant_dot_dequantizelinear,global=131072,local=256,output_arg=2,]');
});

/** x → transpose → exp → (y) ; dot(y, y) returned: two kernels, one temporary. */
function twoKernels(): Program {
  const p = new Program();
  const m = p.mainModule();
  const x = m.addParameter('x', f32(4, 4));
  const t = m.addInstruction(makeOp('transpose', { permutation: [1, 0] }), [x]);
  const e = m.addInstruction(makeOp('exp'), [t]);
  m.addReturn([m.addInstruction(makeOp('dot'), [e, e])]);
  return p;
}

test('lower: kernels write into allocations (loads of the scratch) or output parameters; views move into the kernel', () => {
  const p = twoKernels();
  runPasses(p, [fusePointwise, eliminateDeadCode, ...LOWER], ctx, true);
  assert.equal(
    printed(p),
    [
      '@0 = webgpu::allocate_memory[shape=int8_type, {256}, {1},id=main:scratch] -> int8_type, {256}, {1}',
      'x = @param:x -> float_type, {4, 4}, {4, 1}',
      '@2 = load[offset=0,end=64](@0) -> float_type, {4, 4}, {4, 1}',
      '@3 = gpu::code_object[code_object=N,symbol_name=transpose_exp_kernel,global=N,local=64,](x,@2) -> float_type, {4, 4}, {4, 1}',
      'main:#output_0 = @param:main:#output_0 -> float_type, {4, 4}, {4, 1}',
      '@5 = gpu::code_object[code_object=N,symbol_name=wgsl_dot,global=N,local=256,output_arg=1,](@3,main:#output_0) -> float_type, {4, 4}, {4, 1}',
      '@6 = @return(@5)',
      '',
    ].join('\n'),
  );
  // The first kernel's computation: the transpose it reads x through, then the fused op.
  assert.equal(
    moduleToString(p.getModule('main:kernel0')!),
    [
      'x0 = @param:x0 -> float_type, {4, 4}, {4, 1}',
      '@1 = transpose[permutation={1, 0}](x0) -> float_type, {4, 4}, {1, 4}',
      '@2 = pointwise(@1), [main:pointwise0] -> float_type, {4, 4}, {4, 1}',
      '@3 = @return(@2)',
      '',
    ].join('\n'),
  );
  const kernels = p.mainModule().instructions().filter((i) => i.op.name === CODE_OBJECT);
  assert.ok(kernels.every((k) => k.op.int('code_object') > 0 && k.op.str('kernel') !== ''), 'each kernel names its WGSL and its size');
  assert.match(kernels[0]!.op.str('kernel'), /^elementwise-float\{.*OP=7[,}]/);
  assert.match(kernels[1]!.op.str('kernel'), /^gemm\[tile=f32,block=4x4\]\{.*FUSION=0.*\}$/);
});

test('a lowered program evaluates to what it did before lowering, bit for bit, and lowering again changes nothing', () => {
  const p = twoKernels();
  const params = randomInputs(p.mainModule(), 5);
  const before = evaluateProgram(p, params)[0]!;
  runPasses(p, [fusePointwise, eliminateDeadCode, ...LOWER], ctx, true);
  const after = evaluateProgram(p, params)[0]!;
  assert.deepEqual([...(after.contiguous().data as Float32Array)], [...(before.contiguous().data as Float32Array)]);
  const once = p.toString();
  runPasses(p, LOWER, ctx, true);
  assert.equal(p.toString(), once);
});

test('a reshape of a strided view is a copy kernel; a returned view reads the output parameter of the kernel under it', () => {
  const p = new Program();
  const m = p.mainModule();
  const x = m.addParameter('x', f32(2, 3));
  const t = m.addInstruction(makeOp('transpose', { permutation: [1, 0] }), [x]);
  const r = m.addInstruction(makeOp('reshape', { dims: [6] }), [t]);
  const e = m.addInstruction(makeOp('exp'), [x]);
  m.addReturn([r, m.addInstruction(makeOp('transpose', { permutation: [1, 0] }), [e])]);
  const params = randomInputs(m, 1);
  const before = evaluateProgram(p, params).map((o) => o.toNumbers());
  runPasses(p, [fusePointwise, eliminateDeadCode, ...LOWER], ctx, true);
  assert.equal(
    printed(p),
    [
      'x = @param:x -> float_type, {2, 3}, {3, 1}',
      'main:#output_0 = @param:main:#output_0 -> float_type, {6}, {1}',
      '@2 = gpu::code_object[code_object=N,symbol_name=transpose_reshape_kernel,global=N,local=64,](x,main:#output_0) -> float_type, {6}, {1}',
      'main:#output_1 = @param:main:#output_1 -> float_type, {2, 3}, {3, 1}',
      '@4 = gpu::code_object[code_object=N,symbol_name=exp_kernel,global=N,local=64,](x,main:#output_1) -> float_type, {2, 3}, {3, 1}',
      '@5 = transpose[permutation={1, 0}](@4) -> float_type, {3, 2}, {1, 3}',
      '@6 = @return(@2,@5)',
      '',
    ].join('\n'),
  );
  assert.deepEqual(evaluateProgram(p, params).map((o) => o.toNumbers()), before);
});

test('memory-coloring in the pipeline places every load at a multiple of 256 bytes (WebGPU binding offsets)', () => {
  const m = new Module('main');
  const a = m.addInstruction(makeOp('allocate', { shape: f32(3) }));
  const b = m.addInstruction(makeOp('allocate', { shape: f32(5) }));
  m.addReturn([a, b]);
  assert.equal(colorMemory(m, 256), 512);
  const offsets = m.instructions().filter((i) => i.op.name === 'load').map((i) => i.op.int('offset'));
  assert.deepEqual(offsets.sort((x, y) => x - y), [0, 256]);
});

test('preallocate-scratch: the scratch parameter becomes webgpu::allocate_memory; without one nothing changes', () => {
  const p = new Program();
  const m = p.mainModule();
  const scratch = m.addParameter('scratch', new Shape('int8_type', [512]));
  m.addReturn([m.addInstruction(makeOp('load', { shape: f32(4), offset: 256 }), [scratch])]);
  preallocateScratch.apply(p, ctx);
  assert.equal(
    moduleToString(m),
    [
      '@0 = webgpu::allocate_memory[shape=int8_type, {512}, {1},id=main:scratch] -> int8_type, {512}, {1}',
      '@1 = load[offset=256,end=272](@0) -> float_type, {4}, {1}',
      '@2 = @return(@1)',
      '',
    ].join('\n'),
  );
  const once = moduleToString(m);
  preallocateScratch.apply(p, ctx);
  assert.equal(moduleToString(m), once);
});

/** A module of `ops` applied in a chain to x (extra inputs are x again), for naming. */
function chain(ops: readonly (string | [string, Record<string, unknown>])[], sub?: (m: Module) => Module): Module {
  const m = new Module('k');
  let v: Instruction = m.addParameter('x0', f32(2, 4));
  for (const o of ops) {
    const [name, attrs] = typeof o === 'string' ? [o, {}] : o;
    const op = makeOp(name, attrs as never);
    const arity = name === 'quantizelinear' || name === 'dequantizelinear' || name === 'sub' || name === 'div' ? 2 : 1;
    v = m.addInstruction(op, arity === 2 ? [v, v] : [v], sub && name === 'pointwise' ? [sub(m)] : []);
  }
  m.addReturn([v]);
  return m;
}

test('kernel symbols follow MIGraphX: op names in order, skipping builtins, multibroadcast, contiguous; _kernel or the wgsl_ prefix', () => {
  const softmax = new Module('reduce');
  const x = softmax.addParameter('x0', new Shape('fp8e4m3fn_type', [2, 4]));
  const s = softmax.addLiteral(Tensor.scalar('float_type', 0.5));
  const mb = (i: Instruction, lens: number[]) => softmax.addInstruction(makeOp('multibroadcast', { out_lens: lens }), [i]);
  const dq = softmax.addInstruction(makeOp('dequantizelinear'), [x, mb(s, [2, 4])]);
  const max = softmax.addInstruction(makeOp('reduce_max', { axes: [1] }), [dq]);
  const e = softmax.addInstruction(makeOp('exp'), [softmax.addInstruction(makeOp('sub'), [dq, mb(max, [2, 4])])]);
  const sum = softmax.addInstruction(makeOp('reduce_sum', { axes: [1] }), [e]);
  const p = softmax.addInstruction(makeOp('div'), [e, mb(sum, [2, 4])]);
  softmax.addReturn([softmax.addInstruction(makeOp('quantizelinear', { out_type: 'fp8e4m3fn_type' }), [p, mb(s, [2, 4])])]);
  // The seed's "before" reduce kernel, exactly.
  assert.equal(kernelSymbol(softmax), 'dequantizelinear_reduce_max_sub_exp_reduce_sum_div_quantizelinear_kernel');

  const gemm = new Module('gemm');
  const a = gemm.addParameter('x0', new Shape('half_type', [2, 4]));
  const b = gemm.addParameter('x1', new Shape('fp8e4m3fn_type', [4, 4]));
  const scale = gemm.addInstruction(makeOp('multibroadcast', { out_lens: [2, 4] }), [gemm.addLiteral(Tensor.scalar('half_type', 0.25))]);
  const qa = gemm.addInstruction(makeOp('quantizelinear', { out_type: 'fp8e4m3fn_type' }), [a, scale]);
  const dot = gemm.addInstruction(makeOp('quant_dot'), [qa, b]);
  gemm.addReturn([gemm.addInstruction(makeOp('dequantizelinear'), [dot, gemm.addInstruction(makeOp('multibroadcast', { out_lens: [2, 4] }), [gemm.addLiteral(Tensor.scalar('float_type', 0.01))])])]);
  // The seed's "after" GEMM kernel, with our prefix for MIGraphX's mlir_.
  assert.equal(kernelSymbol(gemm), 'wgsl_quantizelinear_quant_dot_dequantizelinear');

  // A nested submodule contributes its own ops; contiguous, identity and multibroadcast are skipped.
  const inner = (_m: Module) => chain(['exp', 'neg']);
  assert.equal(kernelSymbol(chain(['contiguous', ['transpose', { permutation: [1, 0] }], 'pointwise', 'identity'], inner)), 'transpose_exp_neg_kernel');
  assert.equal(kernelSymbol(chain(['contiguous'])), 'contiguous_kernel');
});
