// Loading real ONNX files: the backend node tests' models and .pb data decode (all of them), their
// structure reads as onnx.proto says, packed and low-precision inputs decode to the values upstream's
// own Cast outputs hold, and a 64 MiB initializer is viewed in place rather than copied.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Shape } from '../../src/ir/shape.js';
import { Tensor } from '../../src/ir/tensor.js';
import { decodeModel, loadModelFile, loadTensorFile, loadValueFile, type OnnxValue } from '../../src/onnx/load.js';
import { ModelProtoType, type ModelMessage } from '../../src/onnx/schema.js';
import { encodeModel } from '../../src/onnx/write.js';

const NODE_TESTS = path.resolve('test/data/onnx-node-tests');

function caseDir(name: string): string {
  return path.join(NODE_TESTS, name);
}

test('test_add reads as onnx.proto describes it', () => {
  const model = loadModelFile(path.join(caseDir('test_add'), 'model.onnx'));
  assert.equal(model.irVersion, 7);
  assert.equal(model.producerName, 'backend-test');
  assert.deepEqual([...model.opsetImports], [['', 14]]);
  assert.equal(model.graph.name, 'test_add');
  assert.equal(model.graph.nodes.length, 1);
  const add = model.graph.nodes[0]!;
  assert.equal(add.name, 'Add_0');
  assert.equal(add.opType, 'Add');
  assert.equal(add.domain, '');
  assert.deepEqual(add.inputs, ['x', 'y']);
  assert.deepEqual(add.outputs, ['sum']);
  assert.equal(add.attributes.size, 0);
  const tensor345 = { kind: 'tensor', elemType: 1, dims: [3, 4, 5] };
  assert.deepEqual(model.graph.inputs, [
    { name: 'x', type: tensor345 },
    { name: 'y', type: tensor345 },
  ]);
  assert.deepEqual(model.graph.outputs, [{ name: 'sum', type: tensor345 }]);
  assert.equal(model.functions.length, 0);
});

test('attributes of each kind decode (Gemm floats and ints, Constant tensor)', () => {
  const gemm = loadModelFile(path.join(caseDir('test_gemm_all_attributes'), 'model.onnx')).graph.nodes[0]!;
  assert.deepEqual(gemm.attributes.get('alpha'), { name: 'alpha', type: 'float', value: Math.fround(0.25) });
  assert.deepEqual(gemm.attributes.get('beta'), { name: 'beta', type: 'float', value: Math.fround(0.35) });
  assert.deepEqual(gemm.attributes.get('transA'), { name: 'transA', type: 'int', value: 1 });
  assert.deepEqual(gemm.attributes.get('transB'), { name: 'transB', type: 'int', value: 1 });

  const constant = loadModelFile(path.join(caseDir('test_constant'), 'model.onnx')).graph.nodes[0]!;
  const value = constant.attributes.get('value');
  assert.ok(value?.type === 'tensor');
  const expected = loadTensorFile(path.join(caseDir('test_constant'), 'test_data_set_0', 'output_0.pb')).tensor;
  assert.deepEqual(value.value.value().shape.lens, [5, 5]);
  assert.deepEqual(value.value.value().toNumbers(), expected.toNumbers());
});

test('packed and low-precision inputs decode to the values of upstream Cast outputs', () => {
  const cases = [
    'test_cast_INT4_to_FLOAT',
    'test_cast_UINT4_to_FLOAT',
    'test_cast_INT2_to_FLOAT',
    'test_cast_UINT2_to_FLOAT',
    'test_cast_FLOAT4E2M1_to_FLOAT',
    'test_cast_FLOAT8E4M3FN_to_FLOAT',
    'test_cast_FLOAT8E4M3FNUZ_to_FLOAT',
    'test_cast_FLOAT8E5M2_to_FLOAT',
    'test_cast_FLOAT8E5M2FNUZ_to_FLOAT',
    'test_cast_e8m0_FLOAT8E8M0_to_FLOAT',
    'test_cast_BFLOAT16_to_FLOAT',
    'test_cast_FLOAT16_to_FLOAT',
  ];
  for (const name of cases) {
    const data = path.join(caseDir(name), 'test_data_set_0');
    const input = loadTensorFile(path.join(data, 'input_0.pb'));
    const output = loadTensorFile(path.join(data, 'output_0.pb'));
    assert.equal(output.tensor.type, 'float_type');
    assert.ok(input.tensor.shape.elements() > 0, name);
    assert.deepEqual(input.tensor.shape.lens, output.tensor.shape.lens, name);
    assert.deepEqual(input.tensor.toNumbers(), output.tensor.toNumbers(), name);
  }
});

function countTensors(v: OnnxValue): number {
  switch (v.kind) {
    case 'tensor':
      return 1;
    case 'sequence':
      return v.items.reduce((n, item) => n + countTensors(item), 0);
    case 'optional':
      return v.value ? countTensors(v.value) : 0;
    default:
      return v satisfies never;
  }
}

test('all 491 node-test models and all 2022 of their .pb files decode', () => {
  const cases = fs.readdirSync(NODE_TESTS).filter((d) => d.startsWith('test_'));
  let models = 0;
  let files = 0;
  let tensors = 0;
  const failures: string[] = [];
  for (const name of cases) {
    try {
      const model = loadModelFile(path.join(caseDir(name), 'model.onnx'));
      for (const init of model.graph.initializers.values()) init.value();
      for (const node of model.graph.nodes) for (const a of node.attributes.values()) if (a.type === 'tensor') a.value.value();
      models++;
      // Data files follow the graph's inputs that are not initializers, then its outputs.
      const inputs = model.graph.inputs.filter((i) => !model.graph.initializers.has(i.name));
      const data = path.join(caseDir(name), 'test_data_set_0');
      for (const file of fs.readdirSync(data).sort()) {
        const match = /^(input|output)_(\d+)\.pb$/.exec(file);
        assert.ok(match, `${name}: unexpected file ${file}`);
        const info = (match[1] === 'input' ? inputs : model.graph.outputs)[Number(match[2])];
        assert.ok(info?.type, `${name}/${file} has no matching typed value info`);
        const kind = info.type.kind;
        assert.ok(kind === 'tensor' || kind === 'sequence' || kind === 'optional', `${name}/${file}: kind ${kind}`);
        tensors += countTensors(loadValueFile(path.join(data, file), kind).value);
        files++;
      }
    } catch (e) {
      failures.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  assert.deepEqual(failures, []);
  assert.equal(cases.length, 491);
  assert.equal(models, 491);
  assert.equal(files, 2022);
  assert.ok(tensors >= 2020, `only ${tensors} tensors`);
});

test('a 64 MiB float initializer is a view on the decoded bytes when aligned, a copy when not', () => {
  const n = (64 * 1024 * 1024) / 4;
  const values = new Float32Array(n);
  for (let i = 0; i < n; i += 4096) values[i] = i;
  values[n - 1] = -3.5;
  const bytes = encodeModel({
    opsetImports: { '': 21 },
    graph: { name: 'big', inputs: [], outputs: [], nodes: [], initializers: { w: new Tensor(new Shape('float_type', [n]), values) } },
  });
  // Where raw_data starts inside the encoded model, to place the model at a chosen alignment.
  const rawOffset = (ModelProtoType.decode(bytes) as unknown as ModelMessage).graph!.initializer![0]!.raw_data!.byteOffset - bytes.byteOffset;

  for (const wantAligned of [true, false]) {
    const shift = (((wantAligned ? 0 : 1) - rawOffset) % 4 + 4) % 4;
    const placed = new Uint8Array(new ArrayBuffer(bytes.length + 8), shift, bytes.length);
    placed.set(bytes);
    const w = decodeModel(placed, 'big.onnx').graph.initializers.get('w')!.value();
    assert.equal(w.shape.elements(), n);
    assert.equal(w.get(4096 * 7), 4096 * 7);
    assert.equal(w.get(n - 1), -3.5);
    if (wantAligned) assert.equal(w.data.buffer, placed.buffer, 'aligned raw_data must be viewed, not copied');
    else assert.notEqual(w.data.buffer, placed.buffer);
  }
});

test('loadModelFile views an aligned initializer in the file buffer instead of copying it', () => {
  const n = 256 * 1024;
  const values = Float32Array.from({ length: n }, (_, i) => i % 1000);
  // The graph name's length moves raw_data; pick the one that puts it on a 4-byte boundary in the file.
  const encode = (name: string): Uint8Array =>
    encodeModel({ opsetImports: { '': 21 }, graph: { name, inputs: [], outputs: [], nodes: [], initializers: { w: new Tensor(new Shape('float_type', [n]), values) } } });
  const rawOffsetIn = (bytes: Uint8Array): number =>
    (ModelProtoType.decode(bytes) as unknown as ModelMessage).graph!.initializer![0]!.raw_data!.byteOffset - bytes.byteOffset;
  const bytes = ['g', 'gg', 'ggg', 'gggg'].map(encode).find((b) => rawOffsetIn(b) % 4 === 0)!;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-io-load-'));
  try {
    const file = path.join(dir, 'model.onnx');
    fs.writeFileSync(file, bytes);
    const w = loadModelFile(file).graph.initializers.get('w')!.value();
    assert.equal(w.get(999), 999);
    assert.equal(w.get(n - 1), (n - 1) % 1000);
    // A copy would own a buffer of exactly the tensor's bytes; the view shares the whole file's buffer.
    assert.equal(w.data.byteOffset % 4, 0);
    assert.ok(w.data.byteOffset >= rawOffsetIn(bytes), `byteOffset ${w.data.byteOffset}`);
    assert.ok(w.data.buffer.byteLength >= bytes.length, 'the tensor must view the file buffer');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
