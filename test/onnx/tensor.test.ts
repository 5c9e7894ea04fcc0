// TensorProto → IR tensor: the type mapping, every storage field (raw_data, int32_data, int64_data,
// uint64_data, double_data, float_data), sub-byte unpacking, zero-copy views, sparse tensors and
// external data. Expected values are written out by hand from onnx.proto's layout rules.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ModelError } from '../../src/errors.js';
import { OnnxDataType } from '../../src/onnx/model.js';
import { onnxRoot, TensorProtoType, type SparseTensorMessage, type TensorMessage } from '../../src/onnx/schema.js';
import { elementTypeFromOnnx, onnxFromElementType, sparseTensorFromProto, tensorFromProto, type TensorOrigin } from '../../src/onnx/tensor.js';
import { decodeModel, loadModelFile } from '../../src/onnx/load.js';
import { encodeModel } from '../../src/onnx/write.js';
import { ELEMENT_TYPES } from '../../src/ir/types.js';

const origin: TensorOrigin = { file: 'unit.onnx', baseDir: undefined };

/** Encodes a TensorProto and decodes it back, so tests see what protobufjs really produces (Longs, views). */
function viaWire(msg: Record<string, unknown>): TensorMessage {
  return TensorProtoType.decode(TensorProtoType.encode(msg).finish()) as unknown as TensorMessage;
}

function expectModelError(fn: () => unknown, ...fragments: string[]): ModelError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof ModelError, `expected a ModelError, got ${String(caught)}`);
  assert.ok(!caught.message.includes('\n'), `message is not one line: ${caught.message}`);
  for (const f of fragments) assert.ok(caught.message.includes(f), `'${caught.message}' lacks '${f}'`);
  return caught;
}

test('every ONNX data type maps to its IR element type and back', () => {
  const expected: [number, string][] = [
    [1, 'float_type'], [2, 'uint8_type'], [3, 'int8_type'], [4, 'uint16_type'], [5, 'int16_type'], [6, 'int32_type'],
    [7, 'int64_type'], [9, 'bool_type'], [10, 'half_type'], [11, 'double_type'], [12, 'uint32_type'], [13, 'uint64_type'],
    [16, 'bf16_type'], [17, 'fp8e4m3fn_type'], [18, 'fp8e4m3fnuz_type'], [19, 'fp8e5m2_type'], [20, 'fp8e5m2fnuz_type'],
    [21, 'uint4_type'], [22, 'int4_type'], [23, 'fp4e2m1_type'], [24, 'fp8e8m0_type'], [25, 'uint2_type'], [26, 'int2_type'],
  ];
  for (const [dt, type] of expected) {
    assert.equal(elementTypeFromOnnx(dt), type, `data type ${dt}`);
    assert.equal(onnxFromElementType(elementTypeFromOnnx(dt)), dt);
  }
  // Every IR type but the two MIGraphX-only ones has an ONNX number.
  const mapped = ELEMENT_TYPES.filter((t) => t !== 'tuple_type' && t !== 'fp4x2_type');
  assert.equal(mapped.length, expected.length);
  assert.throws(() => onnxFromElementType('tuple_type'));
});

test('STRING, COMPLEX, UNDEFINED and unknown numbers are ModelErrors naming the type', () => {
  expectModelError(() => elementTypeFromOnnx(OnnxDataType.STRING), 'STRING', 'not supported');
  expectModelError(() => elementTypeFromOnnx(OnnxDataType.COMPLEX64), 'COMPLEX64');
  expectModelError(() => elementTypeFromOnnx(OnnxDataType.COMPLEX128), 'COMPLEX128');
  expectModelError(() => elementTypeFromOnnx(OnnxDataType.UNDEFINED), 'UNDEFINED');
  expectModelError(() => elementTypeFromOnnx(99), 'data type 99');
  expectModelError(() => tensorFromProto(viaWire({ name: 's', dims: [1], data_type: 8, string_data: [new Uint8Array([104])] }), origin), "unit.onnx: tensor 's'", 'STRING');
});

test('float_data, double_data and int32_data hold their types', () => {
  const f = tensorFromProto(viaWire({ name: 'f', dims: [2, 2], data_type: 1, float_data: [1.5, -2, 0.25, 3] }), origin).value();
  assert.equal(f.type, 'float_type');
  assert.deepEqual(f.shape.lens, [2, 2]);
  assert.deepEqual(f.toNumbers(), [1.5, -2, 0.25, 3]);

  const d = tensorFromProto(viaWire({ dims: [2], data_type: 11, double_data: [1e300, -1 / 3] }), origin).value();
  assert.deepEqual([...d.data], [1e300, -1 / 3]);

  const i8 = tensorFromProto(viaWire({ dims: [3], data_type: 3, int32_data: [-128, 127, -1] }), origin).value();
  assert.deepEqual(i8.toNumbers(), [-128, 127, -1]);
  const u16 = tensorFromProto(viaWire({ dims: [2], data_type: 4, int32_data: [65535, 7] }), origin).value();
  assert.deepEqual(u16.toNumbers(), [65535, 7]);
  const b = tensorFromProto(viaWire({ dims: [3], data_type: 9, int32_data: [1, 0, 1] }), origin).value();
  assert.deepEqual(b.toNumbers(), [1, 0, 1]);
  // float16 travels as its bit pattern: 0x3c00 = 1.0, 0xc000 = -2.0.
  const h = tensorFromProto(viaWire({ dims: [2], data_type: 10, int32_data: [0x3c00, 0xc000] }), origin).value();
  assert.deepEqual([...h.data], [0x3c00, 0xc000]);
  assert.deepEqual(h.toNumbers(), [1, -2]);
  // e4m3fn 0x38 = 1.0, 0xc0 = -2.0.
  const e = tensorFromProto(viaWire({ dims: [2], data_type: 17, int32_data: [0x38, 0xc0] }), origin).value();
  assert.deepEqual(e.toNumbers(), [1, -2]);
});

test('int64_data and uint64_data decode exactly beyond 2^53', () => {
  const big = [2n ** 62n + 1n, -(2n ** 63n), -1n, 9007199254740993n];
  const wire = viaWire({ dims: [4], data_type: 7, int64_data: big.map((v) => v.toString()) });
  const t = tensorFromProto(wire, origin).value();
  assert.ok(t.data instanceof BigInt64Array);
  assert.deepEqual([...t.data], big);

  const u = tensorFromProto(viaWire({ dims: [2], data_type: 13, uint64_data: ['18446744073709551615', '5'] }), origin).value();
  assert.ok(u.data instanceof BigUint64Array);
  assert.deepEqual([...u.data], [2n ** 64n - 1n, 5n]);

  const u32 = tensorFromProto(viaWire({ dims: [2], data_type: 12, uint64_data: [4294967295, 3] }), origin).value();
  assert.ok(u32.data instanceof Uint32Array);
  assert.deepEqual([...u32.data], [4294967295, 3]);
});

test('sub-byte types unpack low bits first, sign-extending int4 and int2', () => {
  // int4 [-8, 7, -1, 0, 3]: bytes 0x78 (−8 low, 7 high), 0x0f (−1, 0), 0x03 (3, padding).
  const raw = new Uint8Array([0x78, 0x0f, 0x03]);
  const i4 = tensorFromProto(viaWire({ dims: [5], data_type: 22, raw_data: raw }), origin).value();
  assert.ok(i4.data instanceof Int8Array);
  assert.deepEqual([...i4.data], [-8, 7, -1, 0, 3]);
  const i4Typed = tensorFromProto(viaWire({ dims: [5], data_type: 22, int32_data: [0x78, 0x0f, 0x03] }), origin).value();
  assert.deepEqual([...i4Typed.data], [-8, 7, -1, 0, 3]);
  const u4 = tensorFromProto(viaWire({ dims: [5], data_type: 21, raw_data: raw }), origin).value();
  assert.deepEqual([...u4.data], [8, 7, 15, 0, 3]);
  // fp4e2m1 codes 0x8 = -0, 0x7 = 6, 0xf = -6, 0x0 = 0, 0x3 = 1.5.
  const fp4 = tensorFromProto(viaWire({ dims: [5], data_type: 23, raw_data: raw }), origin).value();
  assert.deepEqual(fp4.toNumbers(), [-0, 6, -6, 0, 1.5]);
  // int2 [1, -2, -1, 0, 1]: 0b00_11_10_01 = 0x39, then 0x01.
  const i2 = tensorFromProto(viaWire({ dims: [5], data_type: 26, raw_data: new Uint8Array([0x39, 0x01]) }), origin).value();
  assert.deepEqual([...i2.data], [1, -2, -1, 0, 1]);
  const u2 = tensorFromProto(viaWire({ dims: [5], data_type: 25, int32_data: [0x39, 0x01] }), origin).value();
  assert.deepEqual([...u2.data], [1, 2, 3, 0, 1]);
});

test('aligned raw_data is viewed in place; misaligned raw_data is copied with the same values', () => {
  const values = new Float32Array([1, 2, 3.5, -4]);
  const bytes = new Uint8Array(values.buffer);
  const aligned = new Uint8Array(new ArrayBuffer(32), 8, 16);
  aligned.set(bytes);
  const a = tensorFromProto({ dims: [4], data_type: 1, raw_data: aligned }, origin).value();
  assert.equal(a.data.buffer, aligned.buffer, 'aligned raw_data must not be copied');
  assert.deepEqual(a.toNumbers(), [1, 2, 3.5, -4]);

  const misaligned = new Uint8Array(new ArrayBuffer(32), 5, 16);
  misaligned.set(bytes);
  const m = tensorFromProto({ dims: [4], data_type: 1, raw_data: misaligned }, origin).value();
  assert.notEqual(m.data.buffer, misaligned.buffer);
  assert.deepEqual(m.toNumbers(), [1, 2, 3.5, -4]);
});

test('rank-0 and zero-element tensors keep their dims', () => {
  const scalar = tensorFromProto(viaWire({ dims: [], data_type: 1, float_data: [7] }), origin).value();
  assert.deepEqual(scalar.shape.lens, []);
  assert.equal(scalar.shape.elements(), 1);
  assert.deepEqual(scalar.toNumbers(), [7]);
  const empty = tensorFromProto(viaWire({ dims: [0, 3], data_type: 1 }), origin).value();
  assert.deepEqual(empty.shape.lens, [0, 3]);
  assert.equal(empty.shape.elements(), 0);
});

test('value() is computed once and cached', () => {
  const t = tensorFromProto(viaWire({ dims: [1], data_type: 1, float_data: [1] }), origin);
  assert.equal(t.value(), t.value());
});

test('size mismatches are ModelErrors naming file, tensor and counts', () => {
  expectModelError(() => tensorFromProto(viaWire({ name: 'w', dims: [2, 3], data_type: 1, raw_data: new Uint8Array(10) }), origin), "unit.onnx: tensor 'w'", '10 bytes', '24');
  expectModelError(() => tensorFromProto(viaWire({ name: 'w', dims: [2], data_type: 1, raw_data: new Uint8Array(12) }), origin), '12 bytes', 'needs 8');
  expectModelError(() => tensorFromProto(viaWire({ name: 'w', dims: [3], data_type: 1, float_data: [1, 2] }), origin), 'float_data has 2 values', 'needs 3');
  expectModelError(() => tensorFromProto(viaWire({ name: 'w', dims: [3], data_type: 22, int32_data: [1] }), origin), 'int32_data has 1 values', 'needs 2', '2 elements per value');
  expectModelError(() => tensorFromProto(viaWire({ name: 'w', dims: [3], data_type: 7 }), origin), 'has no data', '3 elements');
  expectModelError(() => tensorFromProto(viaWire({ name: 'w', dims: [2 ** 20, 2 ** 20, 2 ** 20], data_type: 1 }), origin), 'more than 2^31 elements');
  expectModelError(() => tensorFromProto(viaWire({ name: 'w', dims: [-1, 2], data_type: 1 }), origin), 'invalid dimension -1');
  expectModelError(() => tensorFromProto(viaWire({ name: 'w', dims: [2], data_type: 1, float_data: [1, 2], segment: { begin: 0, end: 2 } }), origin), 'segment');
  expectModelError(() => tensorFromProto(viaWire({ dims: [1], data_type: 1, float_data: [1], data_location: 7 }), origin), 'unnamed tensor', 'data_location 7');
});

test('sparse tensors densify from linear and per-axis indices and refuse out-of-range ones', () => {
  const SparseType = onnxRoot.lookupType('onnx.SparseTensorProto');
  const sparse = (msg: Record<string, unknown>): SparseTensorMessage =>
    SparseType.decode(SparseType.encode(msg).finish()) as unknown as SparseTensorMessage;
  const values = { name: 'sp', dims: [2], data_type: 1, float_data: [5, 6] };
  const linear = sparseTensorFromProto(sparse({ dims: [2, 3], values, indices: { dims: [2], data_type: 7, int64_data: [1, 5] } }), origin);
  assert.equal(linear.name, 'sp');
  assert.deepEqual(linear.value().toNumbers(), [0, 5, 0, 0, 0, 6]);
  const perAxis = sparseTensorFromProto(sparse({ dims: [2, 3], values, indices: { dims: [2, 2], data_type: 7, int64_data: [0, 2, 1, 0] } }), origin);
  assert.deepEqual(perAxis.value().toNumbers(), [0, 0, 5, 6, 0, 0]);
  const outside = sparseTensorFromProto(sparse({ dims: [2, 3], values, indices: { dims: [2], data_type: 7, int64_data: [1, 6] } }), origin);
  expectModelError(() => outside.value(), "sparse tensor 'sp'", 'index 6');
  expectModelError(() => sparseTensorFromProto(sparse({ dims: [2, 3], values, indices: { dims: [3], data_type: 7, int64_data: [0, 1, 2] } }), origin), 'fit neither');
});

// ---- external data ---------------------------------------------------------------------------------

function withTempDir(fn: (dir: string) => void): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-io-tensor-'));
  try {
    fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function externalModel(dir: string, location: string, extra: { offset?: number; length?: number } = {}): string {
  const file = path.join(dir, 'model.onnx');
  const bytes = encodeModel({
    opsetImports: { '': 21 },
    graph: {
      name: 'g',
      inputs: [],
      outputs: [{ name: 'w', elemType: 'float_type', dims: [3] }],
      nodes: [],
      externalInitializers: [{ name: 'w', elemType: 'float_type', dims: [3], location, ...extra }],
    },
  });
  fs.writeFileSync(file, bytes);
  return file;
}

test('external data is read lazily from the offset given, relative to the model folder', () => {
  withTempDir((dir) => {
    fs.mkdirSync(path.join(dir, 'weights'));
    const data = new Float32Array([0, 0, 1.5, -2, 8]); // the tensor is the last three floats
    fs.writeFileSync(path.join(dir, 'weights', 'w.bin'), new Uint8Array(data.buffer));
    const file = externalModel(dir, 'weights/w.bin', { offset: 8, length: 12 });
    const model = loadModelFile(file);
    const w = model.graph.initializers.get('w')!;
    assert.equal(w.externalLocation, 'weights/w.bin');
    // Changing the file after loading shows the read happens at value() time.
    fs.writeFileSync(path.join(dir, 'weights', 'w.bin'), new Uint8Array(new Float32Array([0, 0, 4, 5, 6]).buffer));
    assert.deepEqual(w.value().toNumbers(), [4, 5, 6]);
  });
});

test('external data that is missing, short or of the wrong length is a ModelError', () => {
  withTempDir((dir) => {
    fs.writeFileSync(path.join(dir, 'w.bin'), new Uint8Array(16));
    expectModelError(() => loadModelFile(externalModel(dir, 'absent.bin')), 'model.onnx', "tensor 'w'", "'absent.bin' not found");
    expectModelError(() => loadModelFile(externalModel(dir, 'w.bin', { offset: 8 })), "tensor 'w'", 'holds 16 bytes', '8..20');
    expectModelError(() => loadModelFile(externalModel(dir, 'w.bin', { length: 16 })), 'length is 16 bytes', 'needs 12');
    expectModelError(() => loadModelFile(externalModel(dir, 'w.bin', { offset: -4 })), "offset '-4'");
    const bytes = fs.readFileSync(externalModel(dir, 'w.bin'));
    expectModelError(() => decodeModel(bytes, 'mem.onnx'), 'mem.onnx', "needs the model's folder");
    // With a folder, the same bytes load.
    assert.deepEqual(decodeModel(bytes, 'mem.onnx', dir).graph.initializers.get('w')!.value().toNumbers(), [0, 0, 0]);
  });
});
