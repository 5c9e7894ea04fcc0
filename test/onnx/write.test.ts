// write.ts round trips: ModelSpec → encodeModel → decodeModel gives back the same structure, and every
// element type's tensor values survive encodeTensor / initializers bit for bit. Packed sub-byte bytes are
// checked against hand-computed raw_data.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Shape } from '../../src/ir/shape.js';
import { Tensor } from '../../src/ir/tensor.js';
import { type ElementType } from '../../src/ir/types.js';
import { decodeModel } from '../../src/onnx/load.js';
import type { OnnxAttribute, OnnxGraph } from '../../src/onnx/model.js';
import { TensorProtoType, type TensorMessage } from '../../src/onnx/schema.js';
import { tensorFromProto } from '../../src/onnx/tensor.js';
import { encodeModel, encodeTensor, type ModelSpec } from '../../src/onnx/write.js';

/** Values each type represents exactly (so a round trip must return them unchanged). */
const SAMPLES: Record<Exclude<ElementType, 'tuple_type' | 'fp4x2_type'>, number[]> = {
  float_type: [1.5, -2.25, 0, 2 ** 127, -(2 ** -100)],
  double_type: [1e300, -1 / 3, 0, 5e-324, 7],
  half_type: [1, -2, 0.5, 65504, -0.000060975551605224609],
  bf16_type: [1, -2, 0.5, 3.3895313892515355e38, 0.0078125],
  uint8_type: [0, 1, 127, 128, 255],
  int8_type: [-128, -1, 0, 1, 127],
  uint16_type: [0, 1, 32768, 65535, 7],
  int16_type: [-32768, -1, 0, 1, 32767],
  int32_type: [-2147483648, -1, 0, 1, 2147483647],
  uint32_type: [0, 1, 2147483648, 4294967295, 9],
  int64_type: [-(2 ** 53), -1, 0, 1, 2 ** 53],
  uint64_type: [0, 1, 2 ** 32, 2 ** 53, 3],
  bool_type: [1, 0, 0, 1, 1],
  fp8e4m3fn_type: [1, -2, 448, 0.001953125, -0.5],
  fp8e4m3fnuz_type: [1, -2, 240, 0.0009765625, -0.5],
  fp8e5m2_type: [1, -2, 57344, 0.0000152587890625, -0.5],
  fp8e5m2fnuz_type: [1, -2, 57344, 0.00000762939453125, -0.5],
  fp8e8m0_type: [1, 2, 0.5, 2 ** 127, 2 ** -127],
  int4_type: [-8, 7, -1, 0, 3],
  uint4_type: [0, 15, 8, 1, 3],
  int2_type: [-2, 1, -1, 0, 1],
  uint2_type: [0, 3, 2, 1, 3],
  fp4e2m1_type: [-6, 0.5, 1.5, 0, 4],
};
const TYPES = Object.keys(SAMPLES) as (keyof typeof SAMPLES)[];

function rawOf(t: Tensor): (number | bigint)[] {
  return Array.from({ length: t.shape.elements() }, (_, i) => t.rawAt(i));
}

test('encodeTensor → TensorProto → value() returns every element type unchanged', () => {
  assert.equal(TYPES.length, 23);
  for (const type of TYPES) {
    const tensor = Tensor.fromNumbers(type, [5], SAMPLES[type]);
    assert.deepEqual(tensor.toNumbers(), SAMPLES[type], `${type}: the samples must be exact in the type`);
    const decoded = TensorProtoType.decode(encodeTensor(`t_${type}`, tensor)) as unknown as TensorMessage;
    const back = tensorFromProto(decoded, { file: 'x.pb', baseDir: undefined });
    assert.equal(back.name, `t_${type}`);
    assert.equal(back.value().type, type);
    assert.deepEqual(back.value().shape.lens, [5]);
    assert.deepEqual(rawOf(back.value()), rawOf(tensor), type);
  }
});

test('every element type survives as an initializer of an encoded model, rank 0 and 2-D included', () => {
  const initializers = new Map<string, Tensor>();
  for (const type of TYPES) {
    initializers.set(`m_${type}`, Tensor.fromNumbers(type, [1, 5], SAMPLES[type]));
    initializers.set(`s_${type}`, Tensor.fromNumbers(type, [], [SAMPLES[type][1]!]));
  }
  const model = decodeModel(
    encodeModel({ opsetImports: { '': 25 }, graph: { name: 'g', inputs: [], outputs: [], nodes: [], initializers } }),
  );
  assert.equal(model.irVersion, 13);
  assert.deepEqual([...model.graph.initializers.keys()], [...initializers.keys()]);
  for (const [name, tensor] of initializers) {
    const back = model.graph.initializers.get(name)!.value();
    assert.ok(back.shape.equals(tensor.shape), `${name}: ${back.shape} vs ${tensor.shape}`);
    assert.deepEqual(rawOf(back), rawOf(tensor), name);
  }
});

test('int64 tensors keep values beyond 2^53 exactly', () => {
  const values = BigInt64Array.of(2n ** 62n + 1n, -(2n ** 63n), 9007199254740993n);
  const tensor = new Tensor(new Shape('int64_type', [3]), values);
  const back = tensorFromProto(TensorProtoType.decode(encodeTensor('i', tensor)) as unknown as TensorMessage, { file: 'x', baseDir: undefined });
  assert.deepEqual([...back.value().data], [...values]);
});

test('encodeTensor packs sub-byte types as onnx.proto says and normalizes bools', () => {
  const raw = (t: Tensor): number[] => [...((TensorProtoType.decode(encodeTensor('t', t)) as unknown as TensorMessage).raw_data ?? [])];
  assert.deepEqual(raw(Tensor.fromNumbers('int4_type', [5], [-8, 7, -1, 0, 3])), [0x78, 0x0f, 0x03]);
  assert.deepEqual(raw(Tensor.fromNumbers('uint2_type', [5], [1, 2, 3, 0, 1])), [0x39, 0x01]);
  assert.deepEqual(raw(new Tensor(new Shape('bool_type', [3]), Uint8Array.of(0, 2, 1))), [0, 1, 1]);
  // A non-standard view is written in logical order.
  const m = Tensor.fromNumbers('float_type', [2, 3], [1, 2, 3, 4, 5, 6]);
  const transposed = m.view(new Shape('float_type', [3, 2], [1, 3]));
  const back = tensorFromProto(TensorProtoType.decode(encodeTensor('t', transposed)) as unknown as TensorMessage, { file: 'x', baseDir: undefined });
  assert.deepEqual(back.value().toNumbers(), [1, 4, 2, 5, 3, 6]);
});

function attr(attrs: ReadonlyMap<string, OnnxAttribute>, name: string): OnnxAttribute {
  const a = attrs.get(name);
  assert.ok(a, `attribute ${name} missing`);
  return a;
}

test('a model spec round-trips: opsets, values with symbolic and unknown dims, nodes, attributes, functions', () => {
  const body = {
    name: 'then',
    inputs: [],
    outputs: [{ name: 'c', elemType: 'float_type' as const, dims: [1] }],
    nodes: [{ opType: 'Constant', outputs: ['c'], inputs: [], attributes: { value_float: { type: 'float' as const, value: 2 } } }],
  };
  const spec: ModelSpec = {
    opsetImports: { '': 21, 'com.example': 1 },
    producerName: 'tests',
    producerVersion: '1.0',
    metadata: { author: 'onnx-fp8' },
    graph: {
      name: 'main',
      inputs: [
        { name: 'x', elemType: 'half_type', dims: ['batch', 16, undefined] },
        { name: 'y', elemType: 'fp8e4m3fn_type' },
      ],
      outputs: [{ name: 'z', elemType: 'float_type', dims: [] }],
      valueInfo: [{ name: 'v', elemType: 'int4_type', dims: [3] }],
      initializers: { w: Tensor.fromNumbers('float_type', [2], [1, 2]) },
      nodes: [
        {
          opType: 'Custom',
          domain: 'com.example',
          name: 'custom0',
          inputs: ['x', '', 'w'],
          outputs: ['v'],
          attributes: {
            f: { type: 'float', value: 0.5 },
            i: { type: 'int', value: 2n ** 60n + 3n },
            neg: { type: 'int', value: -5 },
            s: { type: 'string', value: 'héllo' },
            t: { type: 'tensor', value: Tensor.fromNumbers('int64_type', [2], [4, -1]) },
            g: { type: 'graph', value: body },
            fs: { type: 'floats', value: [1.5, -1] },
            is: { type: 'ints', value: [1, -2, 3] },
            ss: { type: 'strings', value: ['a', 'b'] },
            ts: { type: 'tensors', value: [Tensor.fromNumbers('half_type', [1], [1])] },
            gs: { type: 'graphs', value: [body, body] },
          },
        },
        { opType: 'Relu', domain: 'ai.onnx', inputs: ['v'], outputs: ['z'] },
      ],
    },
    functions: [
      {
        name: 'Scale',
        domain: 'com.example',
        inputs: ['a'],
        outputs: ['b'],
        attributes: ['alpha'],
        attributeDefaults: { beta: { type: 'float', value: 1 } },
        nodes: [{ opType: 'Constant', inputs: [], outputs: ['k'], attributes: { value_float: { type: 'ref', value: 'alpha', refType: 'float' } } }],
        opsetImports: { '': 21 },
      },
    ],
  };
  const model = decodeModel(encodeModel(spec), 'spec.onnx');
  assert.equal(model.file, 'spec.onnx');
  assert.equal(model.irVersion, 10);
  assert.equal(model.producerName, 'tests');
  assert.equal(model.producerVersion, '1.0');
  assert.deepEqual([...model.metadata], [['author', 'onnx-fp8']]);
  assert.deepEqual([...model.opsetImports], [['', 21], ['com.example', 1]]);

  const g: OnnxGraph = model.graph;
  assert.equal(g.name, 'main');
  assert.deepEqual(g.inputs, [
    { name: 'x', type: { kind: 'tensor', elemType: 10, dims: ['batch', 16, undefined] } },
    { name: 'y', type: { kind: 'tensor', elemType: 17, dims: undefined } },
  ]);
  assert.deepEqual(g.outputs, [{ name: 'z', type: { kind: 'tensor', elemType: 1, dims: [] } }]);
  assert.deepEqual(g.valueInfo, [{ name: 'v', type: { kind: 'tensor', elemType: 22, dims: [3] } }]);
  assert.deepEqual(g.initializers.get('w')!.value().toNumbers(), [1, 2]);

  const [custom, relu] = g.nodes;
  assert.equal(custom!.name, 'custom0');
  assert.equal(custom!.domain, 'com.example');
  assert.deepEqual(custom!.inputs, ['x', '', 'w']);
  assert.equal(relu!.name, 'Relu_1', 'an unnamed node is called <op_type>_<index>');
  assert.equal(relu!.domain, '', "'ai.onnx' is the default domain");
  assert.equal(relu!.index, 1);

  const a = custom!.attributes;
  assert.deepEqual(attr(a, 'f'), { name: 'f', type: 'float', value: 0.5 });
  assert.deepEqual(attr(a, 'i'), { name: 'i', type: 'int', value: Number(2n ** 60n + 3n) });
  assert.deepEqual(attr(a, 'neg'), { name: 'neg', type: 'int', value: -5 });
  assert.deepEqual(attr(a, 's'), { name: 's', type: 'string', value: 'héllo' });
  assert.deepEqual(attr(a, 'fs'), { name: 'fs', type: 'floats', value: [1.5, -1] });
  assert.deepEqual(attr(a, 'is'), { name: 'is', type: 'ints', value: [1, -2, 3] });
  assert.deepEqual(attr(a, 'ss'), { name: 'ss', type: 'strings', value: ['a', 'b'] });
  const t = attr(a, 't');
  assert.ok(t.type === 'tensor');
  assert.equal(t.value.value().type, 'int64_type');
  assert.deepEqual(t.value.value().toNumbers(), [4, -1]);
  const ts = attr(a, 'ts');
  assert.ok(ts.type === 'tensors' && ts.value.length === 1);
  assert.equal(ts.value[0]!.value().type, 'half_type');
  const sub = attr(a, 'g');
  assert.ok(sub.type === 'graph');
  assert.equal(sub.value.name, 'then');
  assert.equal(sub.value.nodes[0]!.opType, 'Constant');
  assert.deepEqual(sub.value.nodes[0]!.attributes.get('value_float'), { name: 'value_float', type: 'float', value: 2 });
  const gs = attr(a, 'gs');
  assert.ok(gs.type === 'graphs' && gs.value.length === 2);

  assert.equal(model.functions.length, 1);
  const fn = model.functions[0]!;
  assert.equal(fn.name, 'Scale');
  assert.equal(fn.domain, 'com.example');
  assert.deepEqual(fn.inputs, ['a']);
  assert.deepEqual(fn.outputs, ['b']);
  assert.deepEqual(fn.attributeNames, ['alpha']);
  assert.deepEqual([...fn.attributeDefaults], [['beta', { name: 'beta', type: 'float', value: 1 }]]);
  assert.deepEqual(fn.nodes[0]!.attributes.get('value_float'), { name: 'value_float', type: 'ref', value: 'alpha' });
  assert.deepEqual([...fn.opsetImports], [['', 21]]);
});

test('the default IR version follows the default-domain opset', () => {
  const irFor = (opset: number): number =>
    decodeModel(encodeModel({ opsetImports: { '': opset }, graph: { name: 'g', inputs: [], outputs: [], nodes: [] } })).irVersion;
  assert.deepEqual([13, 17, 21, 23, 24, 25].map(irFor), [10, 10, 10, 11, 12, 13]);
  const explicit = encodeModel({ irVersion: 8, opsetImports: { '': 13 }, graph: { name: 'g', inputs: [], outputs: [], nodes: [] } });
  assert.equal(decodeModel(explicit).irVersion, 8);
});
