// Kernel cases as data: each builds a small program (pointwise, convert, quantize, reduce, softmax,
// copy, concat, gather, where), runs it on the device and compares every output with the reference
// interpreter: floats within a few ulps, fp8 / integers / bools bit-exact. Inputs are seeded and start
// with the values that break kernels (NaN, ±0, ties, wrap-around, division by zero, big uint32s).

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Instruction } from '../../src/ir/instruction.js';
import type { Module } from '../../src/ir/module.js';
import { Tensor } from '../../src/ir/tensor.js';
import type { ElementType } from '../../src/ir/types.js';
import { compareTensors } from '../onnx/helpers/compare.js';
import { acquireGpu, releaseGpu, reportSkipped } from '../runtime/gpu-harness.js';
import { add, buildProgram, runGpu, runReference } from './helpers.js';
import { randomTensor } from './random-tensors.js';

type P = Readonly<Record<string, Instruction>>;

interface OpCase {
  readonly name: string;
  readonly inputs: Record<string, Tensor>;
  readonly build: (m: Module, p: P) => Instruction[];
}

const FLOAT_SPECIALS = [NaN, -0, 0, 0.5, -0.5, 1.5, 2.5, -2.5, 1, -1];

const UNARY_FLOAT = ['abs', 'neg', 'sign', 'relu', 'sqrt', 'rsqrt', 'exp', 'log', 'erf', 'tanh', 'sigmoid', 'recip', 'floor', 'ceil', 'nearbyint', 'sin', 'cos', 'isnan'];
const BINARY_FLOAT = ['add', 'sub', 'mul', 'div', 'pow', 'min', 'max', 'mod', 'fmod', 'equal', 'less', 'greater'];
const BINARY_INT = ['add', 'sub', 'mul', 'div', 'pow', 'min', 'max', 'mod', 'fmod', 'equal', 'less', 'greater'];

const transpose = (m: Module, x: Instruction, permutation: number[]) => add(m, 'transpose', [x], { permutation });
const broadcast = (m: Module, x: Instruction, outLens: number[]) => add(m, 'multibroadcast', [x], { out_lens: outLens });

function binaryOverBroadcast(ops: readonly string[], type: ElementType, a: Tensor, b: Tensor, out: number[]): OpCase {
  return {
    name: `${type}: ${ops.join(' ')} on broadcast inputs`,
    inputs: { a, b },
    build: (m, p) => ops.map((op) => add(m, op, [broadcast(m, p['a']!, out), broadcast(m, p['b']!, out)])),
  };
}

const CASES: OpCase[] = [
  {
    name: 'float unary ops on a transposed view (NaN, ±0, ties)',
    inputs: { x: randomTensor('float_type', [6, 7], 1, { lo: -3, hi: 3, specials: FLOAT_SPECIALS }) },
    build: (m, p) => UNARY_FLOAT.map((op) => add(m, op, [transpose(m, p['x']!, [1, 0])])),
  },
  binaryOverBroadcast(
    BINARY_FLOAT,
    'float_type',
    randomTensor('float_type', [5, 1], 2, { lo: -4, hi: 4, specials: [-2, 0, 3, NaN] }),
    randomTensor('float_type', [1, 6], 3, { lo: -3, hi: 3, specials: [2, -3, 0.5, 0, 1] }),
    [5, 6],
  ),
  binaryOverBroadcast(['add', 'mul', 'div', 'max', 'less'], 'half_type', randomTensor('half_type', [3, 1, 4], 4), randomTensor('half_type', [1, 5, 4], 5), [3, 5, 4]),
  binaryOverBroadcast(BINARY_INT, 'int32_type', randomTensor('int32_type', [4, 1], 6, { lo: -50, hi: 50, integer: true, specials: [-2147483648, 7, -7, 3] }), randomTensor('int32_type', [1, 5], 7, { lo: -4, hi: 4, integer: true, specials: [0, -1, 2, 31, -3] }), [4, 5]),
  binaryOverBroadcast(BINARY_INT, 'int8_type', randomTensor('int8_type', [7], 8, { lo: -128, hi: 128, integer: true, specials: [127, -128, -7] }), randomTensor('int8_type', [7], 9, { lo: -5, hi: 5, integer: true, specials: [1, -1, 0, 3] }), [7]),
  binaryOverBroadcast(['add', 'sub', 'mul', 'div', 'mod', 'min', 'max', 'less', 'greater'], 'uint32_type', randomTensor('uint32_type', [6], 10, { lo: 0, hi: 4294967295, integer: true, specials: [4294967295, 0, 2147483648] }), randomTensor('uint32_type', [6], 11, { lo: 0, hi: 100, integer: true, specials: [2, 0, 4294967295] }), [6]),
  binaryOverBroadcast(['add', 'sub', 'mul', 'div'], 'uint8_type', randomTensor('uint8_type', [9], 12, { lo: 0, hi: 256, integer: true }), randomTensor('uint8_type', [9], 13, { lo: 0, hi: 256, integer: true, specials: [0] }), [9]),
  binaryOverBroadcast(['add', 'mul', 'div', 'equal'], 'int16_type', randomTensor('int16_type', [5], 14, { lo: -32768, hi: 32768, integer: true }), randomTensor('int16_type', [5], 15, { lo: -300, hi: 300, integer: true }), [5]),
  binaryOverBroadcast(
    ['add', 'sub', 'mul', 'min', 'max', 'equal', 'less', 'greater'],
    'int64_type',
    randomTensor('int64_type', [4, 1], 52, { lo: -1e15, hi: 1e15, integer: true, specials: [-1, 4294967295, -4294967296, 3] }),
    randomTensor('int64_type', [1, 5], 53, { lo: -1e6, hi: 1e6, integer: true, specials: [1, -1, 4294967297, 0, 65537] }),
    [4, 5],
  ),
  binaryOverBroadcast(['add', 'sub', 'mul', 'less', 'max'], 'uint64_type', randomTensor('uint64_type', [6], 54, { lo: 0, hi: 1e15, integer: true, specials: [0, 4294967295] }), randomTensor('uint64_type', [6], 55, { lo: 0, hi: 1e9, integer: true, specials: [1, 4294967297] }), [6]),
  {
    name: 'int64 unary ops, clip and converts to and from int64',
    inputs: {
      l: randomTensor('int64_type', [8], 56, { lo: -1e12, hi: 1e12, integer: true, specials: [0, -1, 4294967296, -4294967297] }),
      f: randomTensor('float_type', [8], 57, { lo: -1e10, hi: 1e10, specials: [-2.5, 0.7, NaN, 3e19, -1e20] }),
      i: randomTensor('int8_type', [8], 58, { lo: -128, hi: 128, integer: true }),
    },
    build: (m, p) => [
      ...['neg', 'abs', 'sign', 'relu', 'not'].map((op) => add(m, op, [p['l']!])),
      add(m, 'clip', [p['l']!, broadcast(m, m.addLiteral(Tensor.scalar('int64_type', -5e11)), [8]), broadcast(m, m.addLiteral(Tensor.scalar('int64_type', 4294967296)), [8])]),
      ...(['int32_type', 'int8_type', 'uint16_type', 'bool_type', 'float_type', 'half_type', 'uint64_type'] as const).map((t) => add(m, 'convert', [p['l']!], { target_type: t })),
      add(m, 'convert', [p['f']!], { target_type: 'int64_type' }),
      add(m, 'convert', [p['i']!], { target_type: 'int64_type' }),
      add(m, 'convert', [p['i']!], { target_type: 'uint64_type' }),
    ],
  },
  {
    name: 'integer unary ops, bool logic',
    inputs: {
      i: randomTensor('int32_type', [9], 16, { lo: -100, hi: 100, integer: true, specials: [-2147483648, 0, -1] }),
      u: randomTensor('uint8_type', [9], 17, { lo: 0, hi: 256, integer: true }),
      a: randomTensor('bool_type', [9], 18, { lo: 0, hi: 2, integer: true }),
      b: randomTensor('bool_type', [9], 19, { lo: 0, hi: 2, integer: true }),
    },
    build: (m, p) => [
      ...['abs', 'neg', 'sign', 'relu', 'not'].map((op) => add(m, op, [p['i']!])),
      add(m, 'not', [p['u']!]),
      add(m, 'not', [p['a']!]),
      ...['logical_and', 'logical_or', 'logical_xor', 'equal', 'less'].map((op) => add(m, op, [p['a']!, p['b']!])),
    ],
  },
  {
    name: 'clip on floats and int8, where on half / int64 / uint8 with a broadcast condition',
    inputs: {
      x: randomTensor('float_type', [4, 3], 20, { lo: -2, hi: 2, specials: [NaN] }),
      q: randomTensor('int8_type', [4, 3], 21, { lo: -128, hi: 128, integer: true }),
      c: randomTensor('bool_type', [4, 1], 22, { lo: 0, hi: 2, integer: true }),
      h: randomTensor('half_type', [4, 3], 23),
      l: randomTensor('int64_type', [4, 3], 24, { lo: -1e12, hi: 1e12, integer: true }),
      u: randomTensor('uint8_type', [4, 3], 25, { lo: 0, hi: 256, integer: true }),
    },
    build: (m, p) => {
      const lo = Tensor.scalar('float_type', -0.5);
      const hi = Tensor.scalar('float_type', 0.75);
      const lit = (t: Tensor) => broadcast(m, m.addLiteral(t), [4, 3]);
      const cond = broadcast(m, p['c']!, [4, 3]);
      const rev = (x: Instruction) => add(m, 'reverse', [x], { axes: [0] });
      return [
        add(m, 'clip', [p['x']!, lit(lo), lit(hi)]),
        add(m, 'clip', [p['q']!, lit(Tensor.scalar('int8_type', -20)), lit(Tensor.scalar('int8_type', 30))]),
        add(m, 'where', [cond, p['h']!, rev(p['h']!)]),
        add(m, 'where', [cond, p['l']!, rev(p['l']!)]),
        add(m, 'where', [cond, p['u']!, rev(p['u']!)]),
      ];
    },
  },
  {
    name: 'convert between floats, integers and bool (wrap, truncation, NaN)',
    inputs: {
      f: randomTensor('float_type', [16], 26, { lo: -300, hi: 300, specials: [3e9, -3e9, 1e20, -1e20, NaN, Infinity, -Infinity, -0.7, 2.5, 65519, 65520, 1e-8] }),
      i: randomTensor('int32_type', [8], 27, { lo: -70000, hi: 70000, integer: true, specials: [2147483647, -2147483648, 16777217] }),
      u: randomTensor('uint32_type', [4], 28, { lo: 0, hi: 4294967295, integer: true }),
      h: randomTensor('half_type', [6], 29, { lo: -70, hi: 70 }),
    },
    build: (m, p) => [
      ...(['int32_type', 'int8_type', 'uint8_type', 'uint16_type', 'int4_type', 'uint2_type', 'bool_type', 'half_type', 'bf16_type'] as const).map((t) => add(m, 'convert', [p['f']!], { target_type: t })),
      ...(['float_type', 'half_type', 'int8_type', 'uint16_type', 'bool_type', 'uint32_type'] as const).map((t) => add(m, 'convert', [p['i']!], { target_type: t })),
      add(m, 'convert', [p['u']!], { target_type: 'float_type' }),
      add(m, 'convert', [p['h']!], { target_type: 'int16_type' }),
    ],
  },
  {
    name: 'quantizelinear: ties of x / scale, zero points, saturation; dequantizelinear back',
    inputs: {
      x: randomTensor('float_type', [12], 30, { lo: -400, hi: 400, specials: [3, -3, 5, 1, -1, 254.9, 1e9, NaN, 7, 0.1] }),
      s: Tensor.fromNumbers('float_type', [12], new Array<number>(12).fill(2)),
      z: Tensor.fromNumbers('int8_type', [12], new Array<number>(12).fill(-3)),
      uz: Tensor.fromNumbers('uint8_type', [12], new Array<number>(12).fill(128)),
      r: randomTensor('float_type', [12], 31, { lo: 0.01, hi: 3 }),
    },
    build: (m, p) => {
      const q8 = add(m, 'quantizelinear', [p['x']!, p['s']!, p['z']!]);
      const qu8 = add(m, 'quantizelinear', [p['x']!, p['r']!, p['uz']!]);
      const qf8 = add(m, 'quantizelinear', [p['x']!, p['r']!], { out_type: 'fp8e4m3fn_type' });
      const qf8n = add(m, 'quantizelinear', [p['x']!, p['r']!], { out_type: 'fp8e5m2_type', saturate: false });
      const q4 = add(m, 'quantizelinear', [p['x']!, p['r']!], { out_type: 'int4_type' });
      return [q8, qu8, qf8, qf8n, q4, add(m, 'dequantizelinear', [q8, p['s']!, p['z']!]), add(m, 'dequantizelinear', [qf8, p['r']!])];
    },
  },
  {
    name: 'reductions over several axes and types (long rows, transposed input, bool, wrapping uint8)',
    inputs: {
      x: randomTensor('float_type', [4, 5, 70], 32),
      h: randomTensor('half_type', [3, 20], 33),
      q: randomTensor('int8_type', [6, 5], 34, { lo: -128, hi: 128, integer: true }),
      u: randomTensor('uint8_type', [6, 5], 35, { lo: 0, hi: 256, integer: true }),
      b: randomTensor('bool_type', [3, 4], 36, { lo: 0, hi: 2, integer: true }),
      p: randomTensor('float_type', [3, 4], 37, { lo: 0.5, hi: 1.5 }),
    },
    build: (m, p) => [
      add(m, 'reduce_sum', [p['x']!], { axes: [2] }),
      add(m, 'reduce_mean', [p['x']!], { axes: [0, 2] }),
      add(m, 'reduce_max', [p['x']!], { axes: [0, 1, 2] }),
      add(m, 'reduce_min', [transpose(m, p['x']!, [2, 0, 1])], { axes: [1] }),
      add(m, 'reduce_sum', [p['h']!], { axes: [1] }),
      add(m, 'reduce_max', [p['q']!], { axes: [0] }),
      add(m, 'reduce_sum', [p['u']!], { axes: [0] }),
      add(m, 'reduce_mean', [p['q']!], { axes: [1] }),
      add(m, 'reduce_max', [p['b']!], { axes: [1] }),
      add(m, 'reduce_prod', [p['p']!], { axes: [0] }),
    ],
  },
  {
    name: 'softmax and logsoftmax along each axis, of a transposed view and of half',
    inputs: { x: randomTensor('float_type', [3, 4, 90], 38, { lo: -5, hi: 5 }), h: randomTensor('half_type', [2, 33], 39, { lo: -4, hi: 4 }) },
    build: (m, p) => [
      add(m, 'softmax', [p['x']!], { axis: 2 }),
      add(m, 'softmax', [p['x']!], { axis: 0 }),
      add(m, 'logsoftmax', [p['x']!], { axis: 1 }),
      add(m, 'softmax', [transpose(m, p['x']!, [2, 1, 0])], { axis: 1 }),
      add(m, 'softmax', [p['h']!], { axis: 1 }),
    ],
  },
  {
    name: 'copies: contiguous of transposed 1-, 2- and 8-byte views, slice + step, reverse, reshape',
    inputs: {
      u: randomTensor('uint8_type', [3, 5, 7], 40, { lo: 0, hi: 256, integer: true }),
      h: randomTensor('half_type', [3, 5, 7], 41),
      l: randomTensor('int64_type', [3, 5], 42, { lo: -1e15, hi: 1e15, integer: true }),
      f: randomTensor('float_type', [6, 9], 43),
    },
    build: (m, p) => [
      add(m, 'contiguous', [transpose(m, p['u']!, [2, 0, 1])]),
      add(m, 'contiguous', [transpose(m, p['h']!, [1, 2, 0])]),
      add(m, 'contiguous', [transpose(m, p['l']!, [1, 0])]),
      add(m, 'contiguous', [add(m, 'step', [add(m, 'slice', [p['f']!], { axes: [0, 1], starts: [1, 2], ends: [6, 9] })], { axes: [1], steps: [2] })]),
      add(m, 'reverse', [p['u']!], { axes: [0, 2] }),
      add(m, 'reshape', [transpose(m, p['h']!, [2, 1, 0])], { dims: [35, 3] }),
    ],
  },
  {
    name: 'concat along each axis of odd-sized uint8 (shared words), half and int64',
    inputs: {
      a: randomTensor('uint8_type', [3, 5, 3], 44, { lo: 0, hi: 256, integer: true }),
      b: randomTensor('uint8_type', [3, 5, 2], 45, { lo: 0, hi: 256, integer: true }),
      c: randomTensor('uint8_type', [1, 5, 3], 46, { lo: 0, hi: 256, integer: true }),
      h: randomTensor('half_type', [2, 3], 47),
      l: randomTensor('int64_type', [2, 1], 48, { lo: -1e12, hi: 1e12, integer: true }),
    },
    build: (m, p) => [
      add(m, 'concat', [p['a']!, p['b']!, p['a']!], { axis: 2 }),
      add(m, 'concat', [p['a']!, p['c']!], { axis: 0 }),
      add(m, 'concat', [transpose(m, p['a']!, [0, 2, 1]), transpose(m, p['b']!, [0, 2, 1])], { axis: 1 }),
      add(m, 'concat', [p['h']!, p['h']!], { axis: 1 }),
      add(m, 'concat', [p['l']!, p['l']!, p['l']!], { axis: 1 }),
    ],
  },
  {
    name: 'gather with negative int32 / int64 indices on uint8, half, float and int64 data',
    inputs: {
      u: randomTensor('uint8_type', [5, 3], 49, { lo: 0, hi: 256, integer: true }),
      h: randomTensor('half_type', [4, 6], 50),
      l: randomTensor('int64_type', [7], 51, { lo: -1e12, hi: 1e12, integer: true }),
      i32: Tensor.fromNumbers('int32_type', [2, 3], [0, -1, 4, 2, -5, 1]),
      i64: Tensor.fromNumbers('int64_type', [3], [-2, 0, 3]),
    },
    build: (m, p) => [
      add(m, 'gather', [p['u']!, p['i32']!], { axis: 0 }),
      add(m, 'gather', [p['h']!, p['i64']!], { axis: 1 }),
      add(m, 'gather', [transpose(m, p['h']!, [1, 0]), p['i64']!], { axis: 0 }),
      add(m, 'gather', [p['l']!, p['i32']!], { axis: 0 }),
    ],
  },
];

function tolerance(t: ElementType) {
  if (t === 'half_type') return { rtol: 2e-3, atol: 2e-3 };
  if (t === 'bf16_type') return { rtol: 1e-2, atol: 1e-2 };
  return { rtol: 1e-4, atol: 1e-5 };
}

test('kernel cases match the reference interpreter', async (t) => {
  const acquired = await acquireGpu();
  if (!acquired.gpu) {
    t.skip(reportSkipped('ops.test.ts', CASES.length, acquired.skip));
    return;
  }
  for (const c of CASES) {
    await t.test(c.name, async () => {
      const built = buildProgram(c.inputs, c.build);
      const expected = runReference(built);
      const actual = await runGpu(acquired.gpu, built);
      const problems = expected.map((e, k) => {
        const why = compareTensors(actual[k]!, e, tolerance);
        return why ? `output ${k} (${built.program.mainModule().returnInstruction()!.inputs[k]!.op}): ${why}` : undefined;
      });
      assert.deepEqual(problems.filter((p) => p), []);
    });
  }
});

after(releaseGpu);
