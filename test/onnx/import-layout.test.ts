// Shape-changing lowerings (Slice, Pad, Tile, Trilu, Split, Gather, Squeeze/Unsqueeze, Flatten, Expand,
// Shape/Size/Range/ConstantOfShape): printed IR plus values from the reference interpreter vs hand-worked results.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importModel } from '../../src/onnx/import.js';
import { Tensor } from '../../src/ir/tensor.js';
import type { ElementType } from '../../src/ir/types.js';
import { attr, buildModel, f32, i64, tensorInfo, type NodeSpec } from './helpers/model-builder.js';
import { importAndRun, values } from './helpers/run.js';

/** One node over input `x` (float [lens]) with constant inputs given as Constant nodes; returns outputs. */
function runOne(op: Omit<NodeSpec, 'inputs' | 'outputs'> & { consts?: (Tensor | undefined)[]; outputs?: number }, x: Tensor, opset = 18) {
  const consts = op.consts ?? [];
  const constNodes: NodeSpec[] = consts.flatMap((t, i) => (t ? [{ op: 'Constant', inputs: [], outputs: [`c${i}`], attrs: [attr.tensor('value', t)] }] : []));
  const outNames = Array.from({ length: op.outputs ?? 1 }, (_, k) => `y${k}`);
  const model = buildModel({
    opset,
    inputs: [tensorInfo('x', x.type, x.shape.lens)],
    outputs: outNames,
    nodes: [...constNodes, { ...op, inputs: ['x', ...consts.map((t, i) => (t ? `c${i}` : ''))], outputs: outNames }],
  });
  const run = importAndRun(model, { x });
  return { ...run, text: run.result.program.toString() };
}

const rows = (t: Tensor) => {
  const lens = t.shape.lens;
  const width = lens[lens.length - 1]!;
  const v = values(t);
  return Array.from({ length: v.length / width }, (_, r) => v.slice(r * width, (r + 1) * width));
};

test('Slice resolves negative and out-of-range bounds; a negative step is reverse then step', () => {
  const x = f32([2, 5]);
  const down = runOne({ op: 'Slice', consts: [i64([-1]), i64([-6]), i64([1]), i64([-2])] }, x);
  assert.deepEqual(rows(down.outputs[0]!), [
    [4, 2, 0],
    [9, 7, 5],
  ]);
  assert.match(down.text, /@1 = reverse\[axes=\{1\}\]\(x\) -> float_type, \{2, 5\}, \{5, 1\}\n@2 = step\[axes=\{1\},steps=\{2\}\]\(@1\) -> float_type, \{2, 3\}, \{5, 2\}\n@3 = @return\(@2\)/);

  const clamped = runOne({ op: 'Slice', consts: [i64([10]), i64([0]), i64([1]), i64([-1])] }, x);
  assert.deepEqual(rows(clamped.outputs[0]!), [
    [4, 3, 2, 1],
    [9, 8, 7, 6],
  ]);
  assert.match(clamped.text, /slice\[axes=\{1\},starts=\{1\},ends=\{5\}\]\(x\)/);

  const plain = runOne({ op: 'Slice', consts: [i64([1, -100]), i64([2, 2 ** 60])] }, x);
  assert.match(plain.text, /@1 = slice\[axes=\{0\},starts=\{1\},ends=\{2\}\]\(x\) -> float_type, \{1, 5\}, \{5, 1\}\n@2 = @return\(@1\)/);

  const empty = runOne({ op: 'Slice', consts: [i64([3]), i64([1]), i64([1])] }, x);
  assert.deepEqual([...empty.outputs[0]!.shape.lens], [2, 0]);
});

test('Pad: constant, edge, reflect and wrap modes, negative pads, and the opset 18 axes input', () => {
  const x = f32([2, 3], [1, 2, 3, 4, 5, 6]);
  const pads = i64([0, 1, 1, 2]);
  const pad = (mode: string, value?: Tensor) => rows(runOne({ op: 'Pad', attrs: [attr.string('mode', mode)], consts: [pads, value] }, x).outputs[0]!);
  assert.deepEqual(pad('constant', Tensor.fromNumbers('float_type', [], [9])), [
    [9, 1, 2, 3, 9, 9],
    [9, 4, 5, 6, 9, 9],
    [9, 9, 9, 9, 9, 9],
  ]);
  assert.deepEqual(pad('edge'), [
    [1, 1, 2, 3, 3, 3],
    [4, 4, 5, 6, 6, 6],
    [4, 4, 5, 6, 6, 6],
  ]);
  assert.deepEqual(pad('reflect'), [
    [2, 1, 2, 3, 2, 1],
    [5, 4, 5, 6, 5, 4],
    [2, 1, 2, 3, 2, 1],
  ]);
  assert.deepEqual(pad('wrap'), [
    [3, 1, 2, 3, 1, 2],
    [6, 4, 5, 6, 4, 5],
    [3, 1, 2, 3, 1, 2],
  ]);
  assert.deepEqual(rows(runOne({ op: 'Pad', consts: [i64([0, -1, 0, 0])] }, x).outputs[0]!), [
    [2, 3],
    [5, 6],
  ]);
  assert.deepEqual(rows(runOne({ op: 'Pad', consts: [i64([1, 1]), undefined, i64([-1])] }, x).outputs[0]!), [
    [0, 1, 2, 3, 0],
    [0, 4, 5, 6, 0],
  ]);
  const old = runOne({ op: 'Pad', attrs: [attr.ints('pads', [1, 0, 0, 0]), attr.float('value', -1)] }, x, 9);
  assert.deepEqual(rows(old.outputs[0]!), [
    [-1, -1, -1],
    [1, 2, 3],
    [4, 5, 6],
  ]);
});

test('Tile is unsqueeze → multibroadcast → reshape', () => {
  const x = f32([2, 2], [1, 2, 3, 4]);
  const wide = runOne({ op: 'Tile', consts: [i64([1, 2])] }, x);
  assert.deepEqual(rows(wide.outputs[0]!), [
    [1, 2, 1, 2],
    [3, 4, 3, 4],
  ]);
  assert.match(
    wide.text,
    /@1 = unsqueeze\[axes=\{0, 2\},steps=\{\}\]\(x\) -> float_type, \{1, 2, 1, 2\}, \{4, 2, 2, 1\}\n@2 = multibroadcast\[out_lens=\{1, 2, 2, 2\},out_dyn_dims=\{\}\]\(@1\) -> float_type, \{1, 2, 2, 2\}, \{4, 2, 0, 1\}\n@3 = reshape\[dims=\{2, 4\}\]\(@2\)/,
  );
  assert.deepEqual(rows(runOne({ op: 'Tile', consts: [i64([2, 1])] }, x).outputs[0]!), [
    [1, 2],
    [3, 4],
    [1, 2],
    [3, 4],
  ]);
});

test('Trilu keeps the upper or lower triangle with diagonal offset k', () => {
  const x = f32([3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(rows(runOne({ op: 'Trilu' }, x).outputs[0]!), [
    [1, 2, 3],
    [0, 5, 6],
    [0, 0, 9],
  ]);
  assert.deepEqual(rows(runOne({ op: 'Trilu', attrs: [attr.int('upper', 0)], consts: [Tensor.fromNumbers('int64_type', [], [-1])] }, x).outputs[0]!), [
    [0, 0, 0],
    [4, 0, 0],
    [7, 8, 0],
  ]);
  assert.deepEqual(rows(runOne({ op: 'Trilu', consts: [Tensor.fromNumbers('int64_type', [], [1])] }, x).outputs[0]!), [
    [0, 2, 3],
    [0, 0, 6],
    [0, 0, 0],
  ]);
});

test('Split by sizes input, evenly, and by num_outputs with a short last chunk', () => {
  const x = f32([7]);
  assert.deepEqual(
    runOne({ op: 'Split', consts: [i64([2, 5])], outputs: 2 }, x).outputs.map((t) => values(t)),
    [
      [0, 1],
      [2, 3, 4, 5, 6],
    ],
  );
  assert.deepEqual(
    runOne({ op: 'Split', attrs: [attr.int('num_outputs', 3)], outputs: 3 }, x).outputs.map((t) => values(t)),
    [[0, 1, 2], [3, 4, 5], [6]],
  );
  assert.deepEqual(
    runOne({ op: 'Split', attrs: [attr.ints('split', [3, 4])], outputs: 2 }, x, 11).outputs.map((t) => values(t)),
    [
      [0, 1, 2],
      [3, 4, 5, 6],
    ],
  );
  assert.throws(() => runOne({ op: 'Split', outputs: 2 }, x), /does not split evenly into 2 outputs/);
});

test('Gather accepts negative indices and scalar indices drop the axis', () => {
  const x = f32([3, 2], [10, 11, 20, 21, 30, 31]);
  const both = runOne({ op: 'Gather', consts: [i64([-1, 0])] }, x);
  assert.deepEqual(rows(both.outputs[0]!), [
    [30, 31],
    [10, 11],
  ]);
  const scalar = runOne({ op: 'Gather', attrs: [attr.int('axis', 1)], consts: [Tensor.fromNumbers('int64_type', [], [1])] }, x);
  assert.deepEqual([...scalar.outputs[0]!.shape.lens], [3]);
  assert.deepEqual(values(scalar.outputs[0]!), [11, 21, 31]);
});

test('Squeeze / Unsqueeze normalize axes (attribute before 13, input from 13); Flatten; Expand', () => {
  const x = f32([1, 3, 1]);
  assert.match(runOne({ op: 'Squeeze' }, x).text, /squeeze\[axes=\{0, 2\}\]\(x\) -> float_type, \{3\}, \{1\}/);
  assert.match(runOne({ op: 'Squeeze', consts: [i64([-1])] }, x).text, /squeeze\[axes=\{2\}\]\(x\) -> float_type, \{1, 3\}/);
  assert.match(runOne({ op: 'Unsqueeze', attrs: [attr.ints('axes', [-1, 0])] }, x, 11).text, /unsqueeze\[axes=\{0, 4\},steps=\{\}\]\(x\) -> float_type, \{1, 1, 3, 1, 1\}/);
  assert.match(runOne({ op: 'Unsqueeze', consts: [i64([1])] }, x).text, /unsqueeze\[axes=\{1\},steps=\{\}\]\(x\) -> float_type, \{1, 1, 3, 1\}/);
  const cube = f32([2, 3, 4]);
  assert.match(runOne({ op: 'Flatten', attrs: [attr.int('axis', 2)] }, cube).text, /reshape\[dims=\{6, 4\}\]\(x\)/);
  assert.match(runOne({ op: 'Flatten', attrs: [attr.int('axis', 0)] }, cube).text, /reshape\[dims=\{1, 24\}\]\(x\)/);
  assert.match(runOne({ op: 'Flatten', attrs: [attr.int('axis', -1)] }, cube).text, /reshape\[dims=\{6, 4\}\]\(x\)/);
  const col = f32([3, 1]);
  assert.match(runOne({ op: 'Expand', consts: [i64([2, 1, 4])] }, col).text, /multibroadcast\[out_lens=\{2, 3, 4\},out_dyn_dims=\{\}\]\(x\) -> float_type, \{2, 3, 4\}, \{0, 1, 0\}/);
  assert.match(runOne({ op: 'Expand', consts: [i64([1])] }, col).text, /@1 = @return\(x\)/);
});

test('Shape (start/end), Size, Range and ConstantOfShape become literals; a big ConstantOfShape stays a broadcast', () => {
  const x = f32([2, 3, 4]);
  assert.match(runOne({ op: 'Shape', attrs: [attr.int('start', -2)] }, x).text, /@literal\{3, 4\} -> int64_type, \{2\}, \{1\}/);
  assert.match(runOne({ op: 'Shape', attrs: [attr.int('start', 1), attr.int('end', -5)] }, x).text, /@literal\{\} -> int64_type, \{0\}, \{1\}/);
  assert.match(runOne({ op: 'Size' }, x).text, /@literal\{24\} -> int64_type, \{\}, \{\}/);

  const range = (type: ElementType, start: number, limit: number, delta: number) => {
    const s = (v: number) => Tensor.fromNumbers(type, [], [v]);
    const model = buildModel({
      inputs: [],
      outputs: ['r'],
      nodes: [
        { op: 'Constant', inputs: [], outputs: ['a'], attrs: [attr.tensor('value', s(start))] },
        { op: 'Constant', inputs: [], outputs: ['b'], attrs: [attr.tensor('value', s(limit))] },
        { op: 'Constant', inputs: [], outputs: ['c'], attrs: [attr.tensor('value', s(delta))] },
        { op: 'Range', inputs: ['a', 'b', 'c'], outputs: ['r'] },
      ],
    });
    return importModel(model).program.toString();
  };
  assert.match(range('int64_type', 1, 10, 3), /@literal\{1, 4, 7\} -> int64_type, \{3\}, \{1\}/);
  assert.match(range('float_type', 0, 1, 0.25), /@literal\{0, 0.25, 0.5, 0.75\} -> float_type, \{4\}, \{1\}/);
  assert.match(range('int32_type', 10, 4, -2), /@literal\{10, 8, 6\} -> int32_type, \{3\}, \{1\}/);

  const fill = (shape: number[]) =>
    importModel(
      buildModel({
        inputs: [],
        outputs: ['y'],
        nodes: [
          { op: 'Constant', inputs: [], outputs: ['s'], attrs: [attr.tensor('value', i64(shape))] },
          { op: 'ConstantOfShape', inputs: ['s'], outputs: ['y'], attrs: [attr.tensor('value', Tensor.fromNumbers('int32_type', [1], [7]))] },
        ],
      }),
    ).program.toString();
  assert.equal(fill([2, 3]), 'module: "main"\n@0 = @literal{7, 7, 7, 7, 7, 7} -> int32_type, {2, 3}, {3, 1}\n@1 = @return(@0)\n\n');
  assert.equal(
    fill([100, 100]),
    'module: "main"\n@0 = @literal{7} -> int32_type, {1}, {0}\n@1 = multibroadcast[out_lens={100, 100},out_dyn_dims={}](@0) -> int32_type, {100, 100}, {0, 0}\n@2 = @return(@1)\n\n',
  );
});

test('Concat normalizes a negative axis; Transpose defaults to the reversed permutation', () => {
  const model = buildModel({
    inputs: [tensorInfo('a', 'float_type', [2, 3]), tensorInfo('b', 'float_type', [2, 1])],
    outputs: ['c', 't'],
    nodes: [
      { op: 'Concat', inputs: ['a', 'b'], outputs: ['c'], attrs: [attr.int('axis', -1)] },
      { op: 'Transpose', inputs: ['c'], outputs: ['t'] },
    ],
  });
  const text = importModel(model).program.toString();
  assert.match(text, /@2 = concat\[axis=1\]\(a,b\) -> float_type, \{2, 4\}, \{4, 1\}\n@3 = transpose\[permutation=\{1, 0\}\]\(@2\) -> float_type, \{4, 2\}, \{1, 4\}/);
});
