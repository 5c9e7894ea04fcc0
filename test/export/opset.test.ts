// Raising the default-domain opset to 19 (src/export/opset.ts): each operator change between the
// model's opset and 19 is rewritten into the later form, nodes that did not change are passed through,
// and what cannot be expressed is a ModelError naming the node. The numerics of the rewritten forms are
// checked end to end in ort-oracle.test.ts (the opset-9 model, on ORT and on our importer).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelError } from '../../src/errors.js';
import { upgradeNodes, type UpgradeContext } from '../../src/export/opset.js';
import { AttributeType, longToNumber, type AttributeMessage, type NodeMessage } from '../../src/onnx/schema.js';

function context(rank?: number): UpgradeContext {
  const used = new Set<string>();
  return {
    unique(base) {
      let name = base;
      for (let k = 1; used.has(name); k++) name = `${base}_${k}`;
      used.add(name);
      return name;
    },
    outputRank: () => rank,
    file: 'm.onnx',
  };
}

const ints = (name: string, value: number[]): AttributeMessage => ({ name, type: AttributeType.INTS, ints: value });
const int = (name: string, value: number): AttributeMessage => ({ name, type: AttributeType.INT, i: value });
const float = (name: string, value: number): AttributeMessage => ({ name, type: AttributeType.FLOAT, f: value });

function node(op: string, inputs: string[], outputs: string[], attribute: AttributeMessage[] = [], name = op.toLowerCase()): NodeMessage {
  return { name, op_type: op, input: inputs, output: outputs, attribute };
}

/** The int64 values a Constant node holds. */
function constantInts(n: NodeMessage): number[] {
  assert.equal(n.op_type, 'Constant');
  const t = n.attribute![0]!.t!;
  const view = new DataView(t.raw_data!.buffer, t.raw_data!.byteOffset, t.raw_data!.length);
  return Array.from({ length: t.raw_data!.length / 8 }, (_, i) => Number(view.getBigInt64(i * 8, true)));
}

function attrNames(n: NodeMessage): string[] {
  return (n.attribute ?? []).map((a) => a.name ?? '');
}

test('ReduceSum (opset 11), Squeeze, Unsqueeze and Split move their attribute to a Constant input at 13', () => {
  for (const [op, attr, values] of [
    ['ReduceSum', 'axes', [1, 2]],
    ['Squeeze', 'axes', [0]],
    ['Unsqueeze', 'axes', [0, 3]],
    ['Split', 'split', [2, 6]],
  ] as const) {
    const out = upgradeNodes([node(op, ['x'], op === 'Split' ? ['a', 'b'] : ['y'], [ints(attr, [...values]), int('keepdims', 0)])], 11, 19, context());
    assert.equal(out.length, 2, op);
    assert.deepEqual(constantInts(out[0]!), values);
    assert.equal(out[1]!.op_type, op);
    assert.deepEqual(out[1]!.input, ['x', out[0]!.output![0]]);
    assert.deepEqual(attrNames(out[1]!), ['keepdims'], `${op}: the attribute is gone, the others stay`);
  }
});

test('ReduceMean and the other reductions move axes to an input at 18, not at 13', () => {
  const at17 = upgradeNodes([node('ReduceMean', ['x'], ['y'], [ints('axes', [-1])])], 13, 17, context());
  assert.deepEqual(attrNames(at17[0]!), ['axes']);
  const at19 = upgradeNodes([node('ReduceMax', ['x'], ['y'], [ints('axes', [-1])])], 13, 19, context());
  assert.deepEqual(constantInts(at19[0]!), [-1]);
  assert.deepEqual(at19[1]!.input, ['x', at19[0]!.output![0]]);
  // No axes: reduce over everything, the same at both versions (noop_with_empty_axes defaults to 0).
  assert.deepEqual(upgradeNodes([node('ReduceL2', ['x'], ['y'])], 11, 19, context())[0]!.input, ['x']);
});

test('Softmax < 13 on the last axis keeps one node with axis -1; on another axis it becomes Shape, Flatten, Softmax(axis=1), Reshape', () => {
  const last = upgradeNodes([node('Softmax', ['x'], ['y'], [int('axis', 2)])], 11, 19, context(3));
  assert.equal(last.length, 1);
  assert.equal(longToNumber(last[0]!.attribute!.find((a) => a.name === 'axis')!.i!), -1);
  // Default axis (1) on a rank-2 tensor is the last axis too.
  assert.equal(upgradeNodes([node('LogSoftmax', ['x'], ['y'])], 11, 19, context(2)).length, 1);
  const coerced = upgradeNodes([node('Softmax', ['x'], ['y'], [int('axis', 1)], 'sm')], 11, 19, context(3));
  assert.deepEqual(coerced.map((n) => n.op_type), ['Shape', 'Flatten', 'Softmax', 'Reshape']);
  const [shape, flatten, softmax, reshape] = coerced as [NodeMessage, NodeMessage, NodeMessage, NodeMessage];
  assert.deepEqual(flatten.input, ['x']);
  assert.equal(longToNumber(flatten.attribute![0]!.i!), 1);
  assert.equal(softmax.name, 'sm', 'the Softmax keeps its name');
  assert.deepEqual(softmax.input, flatten.output);
  assert.equal(longToNumber(softmax.attribute!.find((a) => a.name === 'axis')!.i!), 1);
  assert.deepEqual(reshape.input, [softmax.output![0], shape.output![0]]);
  assert.deepEqual(reshape.output, ['y'], 'the original output name is produced last');
  // Rank unknown: the general form, which is right for every rank.
  assert.equal(upgradeNodes([node('Softmax', ['x'], ['y'], [int('axis', 1)])], 11, 19, context()).length, 4);
});

test('Clip < 11 gets min/max inputs cast like x; Pad < 11 pads and value inputs; Slice < 10 starts/ends/axes inputs', () => {
  const clip = upgradeNodes([node('Clip', ['x'], ['y'], [float('max', 6)])], 9, 19, context());
  assert.deepEqual(clip.map((n) => n.op_type), ['Constant', 'CastLike', 'Clip']);
  assert.deepEqual(clip[1]!.input, [clip[0]!.output![0], 'x']);
  assert.deepEqual(clip[2]!.input, ['x', '', clip[1]!.output![0]]);
  assert.deepEqual(attrNames(clip[2]!), []);
  const pad = upgradeNodes([node('Pad', ['x'], ['y'], [ints('pads', [0, 1, 0, 1]), float('value', 2), { name: 'mode', type: AttributeType.STRING, s: new TextEncoder().encode('constant') }])], 9, 19, context());
  assert.deepEqual(pad.map((n) => n.op_type), ['Constant', 'Constant', 'CastLike', 'Pad']);
  assert.deepEqual(constantInts(pad[0]!), [0, 1, 0, 1]);
  assert.deepEqual(pad[3]!.input, ['x', pad[0]!.output![0], pad[2]!.output![0]]);
  assert.deepEqual(attrNames(pad[3]!), ['mode']);
  const slice = upgradeNodes([node('Slice', ['x'], ['y'], [ints('starts', [1]), ints('ends', [3]), ints('axes', [0])])], 9, 19, context());
  assert.deepEqual(slice.slice(0, 3).map(constantInts), [[1], [3], [0]]);
  assert.deepEqual(slice[3]!.input, ['x', ...slice.slice(0, 3).map((n) => n.output![0]!)]);
});

test('Split without sizes gets num_outputs at 18; Dropout loses ratio; legacy attributes are dropped', () => {
  const split = upgradeNodes([node('Split', ['x'], ['a', 'b', 'c'], [int('axis', 1)])], 13, 19, context());
  assert.equal(longToNumber(split[0]!.attribute!.find((a) => a.name === 'num_outputs')!.i!), 3);
  assert.deepEqual(attrNames(upgradeNodes([node('Dropout', ['x'], ['y'], [float('ratio', 0.1), int('is_test', 1)])], 6, 19, context())[0]!), []);
  assert.deepEqual(attrNames(upgradeNodes([node('Add', ['a', 'b'], ['c'], [int('broadcast', 1), ints('consumed_inputs', [0])])], 5, 19, context())[0]!), []);
  assert.deepEqual(attrNames(upgradeNodes([node('Concat', ['a', 'b'], ['c'])], 3, 19, context())[0]!), ['axis']);
});

test('nodes that did not change pass through as the same objects; other domains are not touched', () => {
  const nodes = [node('MatMul', ['a', 'b'], ['c']), node('Gelu', ['x'], ['y'], [], 'g'), { ...node('FusedThing', ['x'], ['y']), domain: 'com.example' }];
  nodes[1]!.domain = 'com.microsoft';
  const out = upgradeNodes(nodes, 17, 19, context());
  assert.equal(out.length, 3);
  out.forEach((n, i) => assert.equal(n, nodes[i]));
});

test('what cannot be raised is a ModelError naming the file, the node and the cause', () => {
  const cases: [NodeMessage, number, RegExp][] = [
    [node('Upsample', ['x', 's'], ['y'], [], 'up'), 9, /m\.onnx: node 'up' \(Upsample\): cannot raise the opset from 9 to 19: operator Upsample is not in onnx-fp8's table/],
    [node('Tile', ['x', 't', 'a'], ['y'], [], 'tile'), 5, /node 'tile' \(Tile\): .*Tile before opset 6/],
    [node('Add', ['a', 'b'], ['c'], [int('broadcast', 1), int('axis', 1)], 'add'), 6, /node 'add' \(Add\): .*legacy broadcasting with an 'axis'/],
  ];
  for (const [n, from, message] of cases) {
    assert.throws(() => upgradeNodes([n], from, 19, context()), (e: unknown) => e instanceof ModelError && message.test(e.message));
  }
});
