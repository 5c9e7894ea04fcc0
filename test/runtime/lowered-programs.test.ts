// Lowered programs on WebGPU: one scratch buffer laid out by memory-coloring, one launch per kernel
// instruction where a fused kernel exists (the attention kernel, the GEMM with prologue and epilogue,
// generated pointwise and reduce kernels), checked against the reference interpreter running the same
// lowered program. Exact arithmetic (converts, add, mul, quantize, dequantize, where, max) is compared
// bit for bit; programs through exp and fp8 are compared with a tolerance that allows the rare fp8 code
// a float32 kernel rounds the other way from the interpreter's float64 (and half) intermediates.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFile, compileModel, type CompileResult } from '../../src/compiler.js';
import { makeOp } from '../../src/ops/index.js';
import { Program } from '../../src/ir/program.js';
import { Shape } from '../../src/ir/shape.js';
import { Tensor } from '../../src/ir/tensor.js';
import type { Instruction } from '../../src/ir/instruction.js';
import type { DeviceCapabilities } from '../../src/codegen/capabilities.js';
import { lowerProgram } from '../../src/codegen/lower.js';
import { variantKey } from '../../src/codegen/kernel-catalog.js';
import { evaluateProgram } from '../../src/ref/evaluate.js';
import { randomInputs } from '../../src/inputs/random-inputs.js';
import { ExecutableProgram } from '../../src/runtime/executable.js';
import type { WebGpuDevice } from '../../src/runtime/device.js';
import { buildPipeline, runPasses } from '../../src/passes/pipeline.js';
import { fusePointwise } from '../../src/passes/fuse-pointwise.js';
import { fuseReduce } from '../../src/passes/fuse-reduce.js';
import { rewriteReduce } from '../../src/passes/rewrite-reduce.js';
import { lower } from '../../src/passes/lower.js';
import { memoryColoring } from '../../src/passes/memory-coloring.js';
import { preallocateScratch } from '../../src/passes/preallocate-scratch.js';
import { eliminateDeadCode } from '../../src/passes/eliminate-dead-code.js';
import { DiagnosticSink } from '../../src/diagnostics.js';
import { acquireGpu, releaseGpu, reportSkipped } from './gpu-harness.js';
import { seedModel } from '../helpers/seed-model.js';
import { corpus } from '../attention/helpers/corpus.js';
import { repoPath } from '../helpers/paths.js';
import { attentionThenGemm } from '../helpers/attention-then-gemm.js';
import { gemmThenGelu } from '../helpers/gemm-then-gelu.js';
import { linearActivation } from '../helpers/linear-activation.js';
import { fuseGemm } from '../../src/passes/fuse-gemm.js';

after(releaseGpu);

/**
 * Runs `program` lowered for the device, or with some of its capabilities switched (BOTH_WAYS), so a
 * software adapter also checks the kernels a GPU runs and a GPU the ones a software adapter runs.
 */
async function run(gpu: WebGpuDevice, program: Program, params: ReadonlyMap<string, Tensor>, switched: Partial<DeviceCapabilities> = {}): Promise<{ outputs: Tensor[]; launches: string[] }> {
  const lowered = lowerProgram(program, { ...gpu.capabilities, ...switched });
  const exe = await ExecutableProgram.prepare(gpu, lowered);
  try {
    return { outputs: (await exe.run(params)).outputs, launches: lowered.launches.map((l) => variantKey(l.variant).replace(/#\w+/, '')) };
  } finally {
    exe.destroy();
  }
}

function assertBitExact(actual: Tensor, expected: Tensor, what: string): void {
  assert.equal(actual.type, expected.type, what);
  const n = expected.shape.elements();
  for (let i = 0; i < n; i++) {
    const a = actual.rawAt(i);
    const e = expected.rawAt(i);
    if (a !== e && !(Number.isNaN(actual.get(i)) && Number.isNaN(expected.get(i)))) assert.fail(`${what}: element ${i} is ${actual.get(i)}, expected ${expected.get(i)}`);
  }
}

/**
 * Float programs: every element within rtol = atol = 2e-3 (float32 kernels vs float64 reference, half
 * outputs). Programs through fp8: an fp8 code a float32 kernel rounds the other way than the reference
 * (whose intermediates are rounded to half) moves every output that sums it, so they are compared in
 * aggregate: cosine ≥ 0.9999 and relative RMS error ≤ 1%.
 */
function assertClose(actual: Tensor, expected: Tensor, what: string, mode: 'float' | 'fp8'): void {
  const x = actual.toFloat32Array();
  const y = expected.toFloat32Array();
  let dot = 0;
  let xx = 0;
  let yy = 0;
  let err = 0;
  let worst = -1;
  for (let i = 0; i < y.length; i++) {
    dot += x[i]! * y[i]!;
    xx += x[i]! * x[i]!;
    yy += y[i]! * y[i]!;
    err += (x[i]! - y[i]!) ** 2;
    if (worst < 0 && !(Math.abs(x[i]! - y[i]!) <= 2e-3 + 2e-3 * Math.abs(y[i]!))) worst = i;
  }
  if (mode === 'float') {
    assert.equal(worst, -1, `${what}: element ${worst} is ${x[worst]}, expected ${y[worst]}`);
    return;
  }
  const cosine = dot / Math.sqrt(xx * yy);
  assert.ok(cosine >= 0.9999, `${what}: cosine ${cosine}`);
  assert.ok(Math.sqrt(err / yy) <= 0.01, `${what}: relative RMS error ${Math.sqrt(err / yy)}`);
}

/**
 * Both ways of lowering, whatever the device runs: as for a GPU (GEMMs with workgroup tiles, rows of up
 * to 256 invocations) and as for a CPU (direct loads, rows of 16). Codes stay as the device has them:
 * specialising them here too would double the pipelines llvmpipe compiles (kernels/ and lowering tests
 * cover both kinds of codes).
 */
const BOTH_WAYS = [
  ['workgroup tiles, as for a GPU', { shadersOnCpu: false, directLoads: false }],
  ['direct loads, as for a CPU', { shadersOnCpu: true, directLoads: true }],
] as const;

const LOWERING = [lower, eliminateDeadCode, memoryColoring, preallocateScratch];
const ctx = { diagnostics: new DiagnosticSink() };

test('lowered programs run on WebGPU through one scratch buffer and match the reference interpreter', async (t) => {
  const acquired = await acquireGpu();
  if (!acquired.gpu) {
    t.skip(reportSkipped('lowered-programs.test.ts', 5, acquired.skip));
    return;
  }
  const gpu = acquired.gpu;

  await t.test('a generated pointwise kernel: convert, mul, add of a broadcast row, quantize, dequantize, where, max — bit for bit', async () => {
    const p = new Program();
    const m = p.mainModule();
    const x = m.addParameter('x', new Shape('half_type', [6, 10]));
    const bias = m.addParameter('bias', new Shape('float_type', [10]));
    const keep = m.addParameter('keep', new Shape('bool_type', [10, 6]));
    const add = (op: string, inputs: Instruction[], attrs = {}) => m.addInstruction(makeOp(op, attrs), inputs);
    const scalar = (type: 'float_type' | 'fp8e4m3fn_type', v: number) => add('multibroadcast', [m.addLiteral(Tensor.scalar(type, v))], { out_lens: [6, 10] });
    const xf = add('convert', [x], { target_type: 'float_type' });
    const scaled = add('mul', [xf, scalar('float_type', 3.5)]);
    const biased = add('add', [scaled, add('multibroadcast', [bias], { out_lens: [6, 10] })]);
    const q = add('quantizelinear', [biased, scalar('float_type', 0.0625), scalar('fp8e4m3fn_type', 0)]);
    const dq = add('dequantizelinear', [q, scalar('float_type', 0.0625)]);
    const kept = add('where', [add('transpose', [keep], { permutation: [1, 0] }), dq, xf]);
    m.addReturn([add('convert', [add('max', [kept, scalar('float_type', -1)])], { target_type: 'half_type' })]);
    runPasses(p, [fusePointwise, eliminateDeadCode, ...LOWERING], ctx, true);
    const params = randomInputs(m, 4);
    const expected = evaluateProgram(p, params);
    for (const [how, caps] of BOTH_WAYS) {
      const { outputs, launches } = await run(gpu, p, params, caps);
      // The convert has two readers (mul and where), both in the chain, so it joins it: one kernel.
      assert.deepEqual(launches, ['fused-pointwise'], how);
      assertBitExact(outputs[0]!, expected[0]!, `pointwise chain, ${how}`);
    }
  });

  // Rows of 40 and of 1500 (a GPU's 64 and 256 invocations a row; 16 where shaders run on the CPU).
  for (const lens of [[3, 5, 40], [2, 3, 1500]]) {
    await t.test(`a generated reduce kernel: dequantize → softmax → quantize over rows of ${lens[2]} (fp8 in, fp8 out)`, async () => {
      const p = new Program();
      const m = p.mainModule();
      const s = m.addParameter('s', new Shape('float_type', lens));
      const add = (op: string, inputs: Instruction[], attrs = {}) => m.addInstruction(makeOp(op, attrs), inputs);
      const scalar = (type: 'float_type' | 'fp8e4m3fn_type', v: number) => add('multibroadcast', [m.addLiteral(Tensor.scalar(type, v))], { out_lens: lens });
      const q8 = add('quantizelinear', [s, scalar('float_type', 0.01), scalar('fp8e4m3fn_type', 0)]);
      const dq = add('dequantizelinear', [q8, scalar('float_type', 0.01)]);
      const sm = add('softmax', [dq], { axis: 2 });
      m.addReturn([add('quantizelinear', [sm, scalar('float_type', 1 / 448), scalar('fp8e4m3fn_type', 0)])]);
      runPasses(p, [rewriteReduce, fuseReduce, fusePointwise, eliminateDeadCode, ...LOWERING], ctx, true);
      const params = randomInputs(m, 5);
      const expected = evaluateProgram(p, params);
      const n = expected[0]!.shape.elements();
      for (const [how, caps] of BOTH_WAYS) {
        const { outputs, launches } = await run(gpu, p, params, caps);
        // fuse-reduce takes the quantize / dequantize before the softmax in too: one kernel.
        assert.deepEqual(launches, ['fused-reduce'], how);
        // exp and the division are the device's: an fp8 code may differ by one where a value sits on a midpoint.
        let off = 0;
        for (let i = 0; i < n; i++) {
          const d = Math.abs(Number(outputs[0]!.rawAt(i)) - Number(expected[0]!.rawAt(i)));
          assert.ok(d <= 1, `${how}: element ${i}: code ${outputs[0]!.rawAt(i)}, expected ${expected[0]!.rawAt(i)}`);
          off += d;
        }
        assert.ok(off <= n / 50, `${how}: ${off} of ${n} codes off by one`);
      }
    });
  }

  await t.test('a generated reduce kernel with a bool per row (is the row fully masked): four rows a workgroup, a word at a time', async () => {
    // ONNX Attention's bool-mask expansion: equal(reduce_max(mask), -inf). 10 rows: the last word is partial.
    const p = new Program();
    const m = p.mainModule();
    const x = m.addParameter('x', new Shape('float_type', [10, 24]));
    const add = (op: string, inputs: Instruction[], attrs = {}) => m.addInstruction(makeOp(op, attrs), inputs);
    const inf = add('multibroadcast', [m.addLiteral(Tensor.scalar('float_type', -Infinity))], { out_lens: [10, 1] });
    m.addReturn([add('equal', [add('reduce_max', [x], { axes: [1] }), inf])]);
    runPasses(p, [rewriteReduce, fuseReduce, fusePointwise, eliminateDeadCode, ...LOWERING], ctx, true);
    const values = randomInputs(m, 7).get('x')!.toFloat32Array();
    for (const row of [2, 5, 9]) values.fill(-Infinity, row * 24, row * 24 + 24);
    const params = new Map([['x', Tensor.fromNumbers('float_type', [10, 24], [...values])]]);
    const expected = evaluateProgram(p, params);
    assert.deepEqual([...expected[0]!.toFloat32Array()], [0, 0, 1, 0, 0, 1, 0, 0, 0, 1], 'the reference marks rows 2, 5 and 9');
    for (const [how, caps] of BOTH_WAYS) {
      const { outputs, launches } = await run(gpu, p, params, caps);
      assert.deepEqual(launches, ['fused-reduce'], how);
      assertBitExact(outputs[0]!, expected[0]!, `bool per row, ${how}`);
    }
  });

  await t.test('the seed block (S = 64): skip is the attention kernel and the fused GEMM, keep four kernels', async () => {
    for (const [strategy, kernels] of [
      ['skip', ['attention[tile=f32]|attention[tile=f16]', 'gemm[tile=f32,block=4x4]']],
      ['keep', ['gemm[tile=f32,block=4x4]', 'fused-reduce', 'gemm[tile=f32,block=4x4]', 'gemm[tile=f32,block=4x4]']],
    ] as const) {
      const r: CompileResult = compileModel(seedModel(64), { fp8: { attentionQdq: strategy } });
      const params = randomInputs(r.program.mainModule(), 9);
      const expected = evaluateProgram(r.program, params);
      // The fused GEMMs (dequantize prologue, quantize epilogue) with both ways of loading operands.
      for (const [how, caps] of BOTH_WAYS) {
        const { outputs, launches } = await run(gpu, r.program, params, caps);
        const what = `${strategy}, ${how}`;
        assert.equal(launches.length, kernels.length, `${what}: ${launches.join(', ')}`);
        launches.forEach((l, k) => assert.ok(kernels[k]!.split('|').includes(l), `${what}: launch ${k} is ${l}`));
        assertClose(outputs[0]!, expected[0]!, `seed ${what}`, 'fp8');
      }
    }
  });

  await t.test('the BERT layer (sequence 16), fp8 and float: 9 launches of fused GEMMs (GELU in the first FFN one), attention and layernorms', async () => {
    for (const options of [{ fp8: { attentionQdq: 'skip' as const } }, {}]) {
      const r = compileFile(repoPath('examples', 'bert_layer.onnx'), { ...options, inputDims: new Map([['sequence', 16]]) });
      const params = randomInputs(r.program.mainModule(), 2);
      const expected = evaluateProgram(r.program, params);
      for (const [how, caps] of BOTH_WAYS) {
        const what = `${JSON.stringify(options)}, ${how}`;
        const { outputs, launches } = await run(gpu, r.program, params, caps);
        for (const kind of ['fused-reduce', 'gemm[tile=f32,block=4x4]']) assert.ok(launches.includes(kind), `${what}: no ${kind} in ${launches.join(', ')}`);
        // The attention output is written in the order the output projection reads it: no copy between.
        assert.ok(!launches.includes('copy'), `${what}: a copy in ${launches.join(', ')}`);
        assert.equal(launches.length, 9, `${what}: ${launches.join(', ')}`);
        assertClose(outputs[0]!, expected[0]!, `bert ${what}`, 'fp8' in options ? 'fp8' : 'float');
      }
    }
  });

  await t.test('GELU after a GEMM runs in its epilogue: one launch, x kept for the product that reads it again', async () => {
    const p = gemmThenGelu(false);
    runPasses(p, [fuseGemm, eliminateDeadCode, ...LOWERING], ctx, true);
    const params = randomInputs(p.mainModule(), 10);
    const expected = evaluateProgram(p, params);
    for (const [how, caps] of BOTH_WAYS) {
      const { outputs, launches } = await run(gpu, p, params, caps);
      assert.deepEqual(launches, ['gemm[tile=f32,block=4x4]'], how);
      assertClose(outputs[0]!, expected[0]!, `gemm + GELU, ${how}`, 'float');
    }
    // The ONNX Gelu op after a linear layer, both forms (the tanh one keeps x for three steps), and SiLU.
    for (const act of ['gelu', 'gelu-tanh', 'silu'] as const) {
      const r = compileModel(linearActivation(act));
      const inputs = randomInputs(r.program.mainModule(), 11);
      const reference = evaluateProgram(r.program, inputs);
      for (const [how, caps] of BOTH_WAYS) {
        const { outputs, launches } = await run(gpu, r.program, inputs, caps);
        assert.equal(launches.length, 1, `${act}, ${how}: ${launches.join(', ')}`);
        assertClose(outputs[0]!, reference[0]!, `${act}, ${how}`, 'float');
      }
    }
  });

  await t.test('an attention output transposed and reshaped for its GEMM is written in that order: no copy; its ops one by one where the kernel cannot run it', async () => {
    // Head size 8: the fused kernel writes the [1, 8, 2, 8] order the GEMM reads as [8, 16]. Head size 10
    // (not a multiple of 4): the group runs as its ops, the last of them the layout copy.
    for (const headDim of [8, 10]) {
      const p = attentionThenGemm(headDim);
      runPasses(p, buildPipeline({}), ctx, true);
      const params = randomInputs(p.mainModule(), 8);
      const expected = evaluateProgram(p, params);
      for (const [how, caps] of BOTH_WAYS) {
        const what = `head size ${headDim}, ${how}`;
        const { outputs, launches } = await run(gpu, p, params, caps);
        if (headDim === 8) assert.deepEqual(launches.map((l) => l.replace(/\[.*/, '')), ['attention', 'gemm'], what);
        else assert.deepEqual([launches.filter((l) => l === 'copy').length, launches.some((l) => l.startsWith('attention')), launches.at(-1)!.replace(/\[.*/, '')], [1, false, 'gemm'], `${what}: ${launches.join(', ')}`);
        assertClose(outputs[0]!, expected[0]!, what, 'float');
      }
    }
  });

  await t.test('the attention corpus with --fp8: every variant runs and matches the reference interpreter', async () => {
    let attentionKernels = 0;
    for (const v of corpus()) {
      const r = compileModel(v.model, { fp8: { attentionQdq: 'skip' } });
      const params = randomInputs(r.program.mainModule(), 6);
      const expected = evaluateProgram(r.program, params);
      const { outputs, launches } = await run(gpu, r.program, params);
      attentionKernels += launches.filter((l) => l.startsWith('attention')).length;
      expected.forEach((e, k) => assertClose(outputs[k]!, e, `${v.name} output ${k}`, 'fp8'));
    }
    assert.ok(attentionKernels >= 10, `${attentionKernels} variants ran the attention kernel`);
  });

  await t.test('scratch views bind at multiples of minStorageBufferOffsetAlignment', () => {
    const r = compileModel(seedModel(32), { fp8: { attentionQdq: 'keep' } });
    const lowered = lowerProgram(r.program, gpu.capabilities);
    const views = lowered.buffers.filter((b) => b.within);
    assert.ok(views.length >= 3);
    for (const v of views) assert.equal(v.within!.offset % gpu.device.limits.minStorageBufferOffsetAlignment, 0, v.label);
    assert.equal(lowered.buffers.filter((b) => b.kind === 'scratch').length, 1);
  });
});
