// The GEMM kernel (dot and quant_dot) against the reference interpreter at odd sizes: ragged tiles,
// batches, transposed and batch-broadcast operands read in place, a sliced operand (an offset), half
// and bf16 inputs (with float and f16 tiles), 4×4 and 8×8 blocks, and fp8 quant_dot on both the
// four-codes-per-word path and the per-element path. Every case runs with both ways of loading operands:
// workgroup tiles (what GPUs get) and direct loads (what software adapters get), whichever the test's
// device would choose.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Instruction } from '../../src/ir/instruction.js';
import type { Module } from '../../src/ir/module.js';
import type { Tensor } from '../../src/ir/tensor.js';
import type { ElementType } from '../../src/ir/types.js';
import { lowerProgram } from '../../src/codegen/lower.js';
import { variantKey } from '../../src/codegen/kernel-catalog.js';
import { runsOnCpu, WebGpuDevice } from '../../src/runtime/device.js';
import { compareTensors } from '../onnx/helpers/compare.js';
import { acquireGpu, deviceOptions, releaseGpu, reportSkipped } from '../runtime/gpu-harness.js';
import { add, buildProgram, runGpu, runReference, type Built } from './helpers.js';
import { randomTensor } from './random-tensors.js';

interface GemmCase {
  readonly name: string;
  readonly inputs: Record<string, Tensor>;
  readonly build: (m: Module, p: Readonly<Record<string, Instruction>>) => Instruction[];
}

const dot = (op = 'dot') => (m: Module, p: Readonly<Record<string, Instruction>>) => [add(m, op, [p['a']!, p['b']!])];

function plain(type: ElementType, m: number, k: number, n: number, seed: number, batch: number[] = []): GemmCase {
  return {
    name: `${type} [${[...batch, m, k].join('×')}]·[${[...batch, k, n].join('×')}]`,
    inputs: { a: randomTensor(type, [...batch, m, k], seed), b: randomTensor(type, [...batch, k, n], seed + 1) },
    build: dot(),
  };
}

const CASES: GemmCase[] = [
  plain('float_type', 1, 1, 1, 1),
  plain('float_type', 7, 13, 5, 2),
  plain('float_type', 33, 65, 17, 3),
  plain('float_type', 65, 129, 66, 4),
  plain('float_type', 17, 31, 9, 5, [3]),
  plain('float_type', 5, 8, 12, 6, [2, 3]),
  {
    name: 'float a transposed, b transposed (read through strides)',
    inputs: { a: randomTensor('float_type', [21, 10], 7), b: randomTensor('float_type', [19, 21], 8) },
    build: (m, p) => [add(m, 'dot', [add(m, 'transpose', [p['a']!], { permutation: [1, 0] }), add(m, 'transpose', [p['b']!], { permutation: [1, 0] })])],
  },
  {
    name: 'float b broadcast over the batch, a sliced (offset)',
    inputs: { a: randomTensor('float_type', [2, 9, 11], 9), b: randomTensor('float_type', [11, 6], 10) },
    build: (m, p) => {
      const a = add(m, 'slice', [p['a']!], { axes: [1], starts: [2], ends: [9] });
      const b = add(m, 'multibroadcast', [p['b']!], { out_lens: [2, 11, 6] });
      return [add(m, 'dot', [a, b])];
    },
  },
  plain('half_type', 19, 37, 23, 11),
  plain('half_type', 64, 96, 40, 12, [2]),
  plain('float_type', 130, 40, 257, 20),
  plain('half_type', 129, 33, 140, 21),
  plain('float_type', 1200, 20, 1700, 22),
  plain('half_type', 1200, 16, 1700, 23),
  plain('bf16_type', 13, 24, 7, 13),
  {
    name: 'quant_dot fp8e4m3fn, codes packed four per word (k and n multiples of 4)',
    inputs: { a: randomTensor('fp8e4m3fn_type', [16, 32], 14, { lo: -8, hi: 8 }), b: randomTensor('fp8e4m3fn_type', [32, 12], 15, { lo: -8, hi: 8 }) },
    build: dot('quant_dot'),
  },
  {
    name: 'quant_dot fp8e4m3fn, odd sizes (per-element decode)',
    inputs: { a: randomTensor('fp8e4m3fn_type', [5, 7], 16, { lo: -300, hi: 300 }), b: randomTensor('fp8e4m3fn_type', [7, 3], 17, { lo: -0.01, hi: 0.01 }) },
    build: dot('quant_dot'),
  },
  {
    name: 'quant_dot e5m2 × e4m3fnuz, batched',
    inputs: { a: randomTensor('fp8e5m2_type', [2, 9, 8], 18, { lo: -100, hi: 100 }), b: randomTensor('fp8e4m3fnuz_type', [2, 8, 4], 19, { lo: -2, hi: 2 }) },
    build: dot('quant_dot'),
  },
];

function tolerance(t: ElementType) {
  if (t === 'half_type') return { rtol: 2e-3, atol: 2e-3 };
  if (t === 'bf16_type') return { rtol: 1e-2, atol: 1e-2 };
  return { rtol: 1e-4, atol: 1e-4 };
}

async function check(gpu: WebGpuDevice, c: GemmCase, directLoads = gpu.capabilities.directLoads): Promise<void> {
  const built: Built = buildProgram(c.inputs, c.build);
  const caps = { ...gpu.capabilities, directLoads };
  const launch = lowerProgram(built.program, caps).launches.find((l) => l.variant.spec.name === 'gemm');
  assert.equal(launch?.constants['DIRECT'] ?? 0, directLoads ? 1 : 0, `${c.name}: the launch's DIRECT constant`);
  const expected = runReference(built);
  const actual = await runGpu(gpu, built, caps);
  const why = compareTensors(actual[0]!, expected[0]!, tolerance);
  assert.equal(why, undefined, `${c.name} (${directLoads ? 'direct loads' : 'workgroup tiles'}): ${why}`);
}

test('GEMM matches the reference interpreter, with workgroup tiles and with direct loads', async (t) => {
  const acquired = await acquireGpu();
  if (!acquired.gpu) {
    t.skip(reportSkipped('gemm.test.ts', 2 * CASES.length + 1, acquired.skip));
    return;
  }
  // The device's default: direct loads exactly where shaders run on the CPU.
  assert.equal(acquired.gpu.capabilities.directLoads, runsOnCpu(acquired.gpu.info), acquired.gpu.describe());
  for (const directLoads of [false, true]) {
    for (const c of CASES) await t.test(`${c.name}, ${directLoads ? 'direct loads' : 'workgroup tiles'}`, () => check(acquired.gpu, c, directLoads));
  }
});

test('dot(x, x) binds x once and reads it as both operands, either way of loading', async (t) => {
  const acquired = await acquireGpu();
  if (!acquired.gpu) return t.skip('no WebGPU device');
  const square: GemmCase = {
    name: 'float x · x',
    inputs: { x: randomTensor('float_type', [24, 24], 30) },
    build: (m, p) => [add(m, 'dot', [p['x']!, p['x']!])],
  };
  for (const directLoads of [false, true]) await check(acquired.gpu, square, directLoads);
});

test('half operands use f16 tiles only when asked for and the device has shader-f16', async (t) => {
  const acquired = await acquireGpu();
  if (!acquired.gpu) return t.skip('no WebGPU device');
  const half = CASES.find((c) => c.name.startsWith('half_type'))!;
  const built = buildProgram(half.inputs, half.build);
  const key = (gpu: WebGpuDevice) => variantKey(lowerProgram(built.program, gpu.capabilities).launches[0]!.variant);
  assert.equal(key(acquired.gpu), 'gemm[tile=f32,block=4x4]');
  const withHalfTiles = await WebGpuDevice.create(deviceOptions({ halfTiles: true }));
  try {
    assert.equal(key(withHalfTiles), withHalfTiles.features.has('shader-f16') ? 'gemm[tile=f16,block=4x4]' : 'gemm[tile=f32,block=4x4]');
    await check(withHalfTiles, half);
    await check(withHalfTiles, CASES.find((c) => c.name.startsWith('half_type [1200'))!);
  } finally {
    withHalfTiles.destroy();
  }
});

test('runsOnCpu (the default of direct loads): lavapipe, and llvmpipe behind GLES, which Dawn does not call a fallback adapter', () => {
  const lavapipe = { isFallbackAdapter: true, device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6)' };
  const gles = { isFallbackAdapter: false, device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'OpenGL version OpenGL ES 3.2 Mesa 25.0.7-2~bpo12+1' };
  const nvidia = { isFallbackAdapter: false, device: 'NVIDIA H200', description: 'NVIDIA: 580.159.04' };
  assert.deepEqual([lavapipe, gles, nvidia].map(runsOnCpu), [true, true, false]);
});

after(releaseGpu);
