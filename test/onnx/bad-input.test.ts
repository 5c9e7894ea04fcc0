// Broken and hostile inputs: truncated, garbage, empty and corrupt files, tensors whose data does not
// fit their dims, and external data that tries to leave the model's folder. Each must be a ModelError
// with a one-line message naming the file and the cause; nothing else may escape (no TypeError, no hang).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ModelError } from '../../src/errors.js';
import { decodeModel, loadModelFile, loadTensorFile } from '../../src/onnx/load.js';
import { ModelProtoType, TensorProtoType } from '../../src/onnx/schema.js';
import { encodeModel } from '../../src/onnx/write.js';
import type { OnnxGraph } from '../../src/onnx/model.js';
import { Tensor } from '../../src/ir/tensor.js';

const ADD_MODEL = path.resolve('test/data/onnx-node-tests/test_add/model.onnx');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-io-bad-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function expectModelError(fn: () => unknown, ...fragments: string[]): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof ModelError, `expected a ModelError, got ${caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught)}`);
  assert.ok(!caught.message.includes('\n'), `message is not one line: ${caught.message}`);
  for (const f of fragments) assert.ok(caught.message.includes(f), `'${caught.message}' lacks '${f}'`);
}

function writeTemp(name: string, bytes: Uint8Array): string {
  const file = path.join(tmp, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bytes);
  return file;
}

/** A model whose only initializer is the TensorProto given as a plain message. */
function modelWithTensor(tensor: Record<string, unknown>): Uint8Array {
  return ModelProtoType.encode({
    ir_version: 10,
    opset_import: [{ domain: '', version: 21 }],
    graph: { name: 'g', initializer: [tensor] },
  }).finish();
}

test('a truncated copy of a real model is a ModelError naming the file', () => {
  const bytes = fs.readFileSync(ADD_MODEL);
  const file = writeTemp('truncated.onnx', bytes.subarray(0, Math.floor(bytes.length * 0.6)));
  expectModelError(() => loadModelFile(file), file, 'truncated or corrupt');
});

/** Touches every tensor of a graph, subgraphs included, so lazy decoding runs too. */
function touchAll(graph: OnnxGraph): void {
  for (const t of graph.initializers.values()) t.value();
  for (const node of graph.nodes) {
    for (const a of node.attributes.values()) {
      if (a.type === 'tensor') a.value.value();
      if (a.type === 'tensors') a.value.forEach((t) => t.value());
      if (a.type === 'graph') touchAll(a.value);
      if (a.type === 'graphs') a.value.forEach(touchAll);
    }
  }
}

/** A small model with raw, packed and typed tensors, a tensor attribute and a subgraph. */
function richModel(): Uint8Array {
  return encodeModel({
    opsetImports: { '': 21 },
    graph: {
      name: 'rich',
      inputs: [{ name: 'x', elemType: 'float_type', dims: ['n', 4] }],
      outputs: [{ name: 'y', elemType: 'float_type', dims: ['n', 4] }],
      initializers: {
        w: Tensor.fromNumbers('float_type', [4], [1, 2, 3, 4]),
        q: Tensor.fromNumbers('int4_type', [3], [-1, 2, 7]),
        k: Tensor.fromNumbers('int64_type', [2], [5, -6]),
      },
      nodes: [
        { opType: 'Constant', outputs: ['c'], inputs: [], attributes: { value: { type: 'tensor', value: Tensor.fromNumbers('half_type', [2], [1, 2]) } } },
        {
          opType: 'If',
          inputs: ['cond'],
          outputs: ['y'],
          attributes: {
            then_branch: {
              type: 'graph',
              value: { name: 't', inputs: [], outputs: [], nodes: [], initializers: { z: Tensor.fromNumbers('fp8e4m3fn_type', [2], [1, -1]) } },
            },
          },
        },
      ],
    },
  });
}

test('every truncation and every single-byte corruption of real and generated models is a ModelError or a valid model', () => {
  for (const [label, original] of [['test_add', new Uint8Array(fs.readFileSync(ADD_MODEL))], ['rich', richModel()]] as const) {
    let refused = 0;
    const tryDecode = (candidate: Uint8Array): void => {
      try {
        touchAll(decodeModel(candidate, 'fuzz.onnx').graph);
      } catch (e) {
        assert.ok(e instanceof ModelError, `${label}: not a ModelError: ${e instanceof Error ? e.stack : String(e)}`);
        assert.ok(e.message.startsWith('fuzz.onnx: ') && !e.message.includes('\n'), e.message);
        refused++;
      }
    };
    for (let length = 0; length < original.length; length++) tryDecode(original.slice(0, length));
    for (let i = 0; i < original.length; i++) {
      for (const value of [0x00, 0xff, 0x07, 0x80, original[i]! ^ 0x40]) {
        const corrupt = original.slice();
        corrupt[i] = value;
        tryDecode(corrupt);
      }
    }
    assert.ok(refused > original.length / 2, `${label}: only ${refused} candidates were refused`);
  }
});

test('garbage bytes are a ModelError', () => {
  const file = writeTemp('garbage.onnx', new TextEncoder().encode('this is not an onnx model, just some text\n'));
  expectModelError(() => loadModelFile(file), file, 'not an ONNX model');
  const ff = writeTemp('ff.onnx', new Uint8Array(64).fill(0xff));
  expectModelError(() => loadModelFile(ff), ff, 'not an ONNX model');
});

test('a 0-byte file is a ModelError, as model and as tensor file', () => {
  const file = writeTemp('empty.onnx', new Uint8Array(0));
  expectModelError(() => loadModelFile(file), file, 'empty (0 bytes)');
  expectModelError(() => loadTensorFile(file), file, 'empty (0 bytes)', 'TensorProto');
});

test('a missing file or a folder is a ModelError', () => {
  expectModelError(() => loadModelFile(path.join(tmp, 'nope.onnx')), 'nope.onnx', 'file not found');
  expectModelError(() => loadModelFile(tmp), tmp, 'folder');
});

test('a model without a graph is a ModelError', () => {
  const file = writeTemp('nograph.onnx', ModelProtoType.encode({ ir_version: 10, producer_name: 'x' }).finish());
  expectModelError(() => loadModelFile(file), file, 'graph is missing');
});

test('a known field with the wrong wire type is a ModelError', () => {
  // Field 7 (graph, a message) written as a varint: tag 7<<3|0 = 0x38, value 1.
  const file = writeTemp('wiretype.onnx', new Uint8Array([0x08, 0x07, 0x38, 0x01]));
  expectModelError(() => loadModelFile(file), file, 'ModelProto.graph', 'wire type 0');
  // TensorProto.dims (int64) written as a fixed32: tag 1<<3|5 = 0x0d.
  const pb = writeTemp('wiretype.pb', new Uint8Array([0x0d, 1, 0, 0, 0, 0x10, 0x01]));
  expectModelError(() => loadTensorFile(pb), pb, 'TensorProto.dims', 'wire type 5');
});

test('a tensor whose raw_data is shorter or longer than its shape is a ModelError naming it', () => {
  const short = writeTemp('short.onnx', modelWithTensor({ name: 'weight', dims: [2, 3], data_type: 1, raw_data: new Uint8Array(20) }));
  expectModelError(() => loadModelFile(short), short, "tensor 'weight'", 'raw_data holds 20 bytes', 'FLOAT [2, 3] needs 24');
  const long = writeTemp('long.onnx', modelWithTensor({ name: 'weight', dims: [2], data_type: 10, raw_data: new Uint8Array(6) }));
  expectModelError(() => loadModelFile(long), long, 'raw_data holds 6 bytes', 'FLOAT16 [2] needs 4');
  const pb = writeTemp('short.pb', TensorProtoType.encode({ name: 'x', dims: [4], data_type: 6, raw_data: new Uint8Array(15) }).finish());
  expectModelError(() => loadTensorFile(pb), pb, "tensor 'x'", '15 bytes', 'needs 16');
});

test('typed-field counts, unknown and unsupported data types, absurd dims are ModelErrors', () => {
  const count = writeTemp('count.onnx', modelWithTensor({ name: 'c', dims: [2, 2], data_type: 7, int64_data: [1, 2, 3] }));
  expectModelError(() => loadModelFile(count), count, "tensor 'c'", 'int64_data has 3 values', 'needs 4');
  const unknown = writeTemp('unknown.onnx', modelWithTensor({ name: 'u', dims: [1], data_type: 99, raw_data: new Uint8Array(1) }));
  expectModelError(() => loadModelFile(unknown), unknown, "tensor 'u'", 'unknown data type 99');
  const str = writeTemp('string.onnx', modelWithTensor({ name: 'names', dims: [1], data_type: 8, string_data: [new Uint8Array([97])] }));
  expectModelError(() => loadModelFile(str), str, "tensor 'names'", 'STRING', 'not supported');
  // 2^62 × 2^62 elements: the count overflows any integer; must be refused, not allocated or looped over.
  const huge = writeTemp('huge.onnx', modelWithTensor({ name: 'h', dims: ['4611686018427387904', '4611686018427387904'], data_type: 1 }));
  expectModelError(() => loadModelFile(huge), huge, "tensor 'h'", 'invalid dimension');
  const many = writeTemp('many.onnx', modelWithTensor({ name: 'm', dims: [65536, 65536], data_type: 1 }));
  expectModelError(() => loadModelFile(many), many, "tensor 'm'", 'more than 2^31 elements');
});

test('node problems name the node', () => {
  const bytes = ModelProtoType.encode({
    ir_version: 10,
    graph: { name: 'g', node: [{ op_type: 'Relu', name: 'act', input: ['x'], output: ['y'], attribute: [{ name: 'alpha', f: 1 }] }] },
  }).finish();
  expectModelError(() => decodeModel(bytes, 'n.onnx'), "n.onnx: node 'act' (Relu)", "attribute 'alpha' has no type");
  const tensorAttr = ModelProtoType.encode({
    ir_version: 10,
    graph: { name: 'g', node: [{ op_type: 'Constant', output: ['y'], attribute: [{ name: 'value', type: 4, t: { dims: [3], data_type: 1, float_data: [1] } }] }] },
  }).finish();
  expectModelError(() => decodeModel(tensorAttr, 'c.onnx'), "c.onnx: node 'Constant_0' (Constant)", 'float_data has 1 values');
});

// ---- external data escaping the model's folder -----------------------------------------------------

function externalModelIn(dir: string, location: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'model.onnx');
  fs.writeFileSync(
    file,
    encodeModel({
      opsetImports: { '': 21 },
      graph: { name: 'g', inputs: [], outputs: [], nodes: [], externalInitializers: [{ name: 'w', elemType: 'float_type', dims: [2], location }] },
    }),
  );
  return file;
}

test('external data with a .. path leaving the folder is refused', () => {
  fs.writeFileSync(path.join(tmp, 'outside.bin'), new Uint8Array(8));
  const file = externalModelIn(path.join(tmp, 'dotdot'), '../outside.bin');
  expectModelError(() => loadModelFile(file), file, "tensor 'w'", "'../outside.bin' escapes the model's folder");
  // `..` that stays inside is fine.
  const inside = path.join(tmp, 'inside');
  fs.mkdirSync(path.join(inside, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(inside, 'w.bin'), new Uint8Array(new Float32Array([1, 2]).buffer));
  const ok = externalModelIn(inside, 'sub/../w.bin');
  assert.deepEqual(loadModelFile(ok).graph.initializers.get('w')!.value().toNumbers(), [1, 2]);
});

test('external data with an absolute path is refused', () => {
  const target = path.join(tmp, 'abs.bin');
  fs.writeFileSync(target, new Uint8Array(8));
  const file = externalModelIn(path.join(tmp, 'absolute'), target);
  expectModelError(() => loadModelFile(file), file, "tensor 'w'", 'is an absolute path');
});

test('external data reached through a symlink pointing outside the folder is refused', () => {
  const secret = path.join(tmp, 'secret');
  fs.mkdirSync(secret, { recursive: true });
  fs.writeFileSync(path.join(secret, 'w.bin'), new Uint8Array(8));
  const dir = path.join(tmp, 'linked');
  fs.mkdirSync(dir, { recursive: true });
  fs.symlinkSync(path.join(secret, 'w.bin'), path.join(dir, 'w.bin'));
  fs.symlinkSync(secret, path.join(dir, 'data'));
  const viaFile = externalModelIn(dir, 'w.bin');
  expectModelError(() => loadModelFile(viaFile), viaFile, "tensor 'w'", 'symbolic link', 'outside the model');
  const viaFolder = externalModelIn(dir, 'data/w.bin');
  expectModelError(() => loadModelFile(viaFolder), viaFolder, 'symbolic link');
});
