// ONNX backend node tests (test/data/onnx-node-tests) run through the reference computes: each
// single-node case is mapped to IR by hand here (independent of the importer), evaluated, and compared
// with the expected outputs from ONNX — bit for bit for integer, bool and fp8/fp4/int4 results.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { makeOp } from '../../src/ops/index.js';
import { broadcastLens } from '../../src/ops/common.js';
import type { Instruction } from '../../src/ir/instruction.js';
import { Module } from '../../src/ir/module.js';
import type { Tensor } from '../../src/ir/tensor.js';
import { isFloatType } from '../../src/ir/types.js';
import type { OnnxAttribute, OnnxNode } from '../../src/onnx/model.js';
import { loadModelFile, loadTensorFile } from '../../src/onnx/load.js';
import { evaluateModule } from '../../src/ref/evaluate.js';
import { raw } from './helpers.js';

const DATA = fileURLToPath(new URL('../../../test/data/onnx-node-tests/', import.meta.url));

const INCLUDED = [
  /^test_(add|sub|mul|div)(_bcast|_example|_int8|_int16|_uint8|_uint16|_uint32|_uint64|_int32_trunc)?$/,
  /^test_pow(_bcast_array|_bcast_scalar|_example|_types_int32_int32|_types_int64_int64|_types_float32_(u?int32|u?int64))?$/,
  /^test_cast_/,
  /^test_(de)?quantizelinear(?!_blocked)/,
  /^test_matmul_(2d|3d|4d|bcast)$/,
  /^test_softmax_(?!.*expanded)/,
  /^test_transpose_/,
];

const cases = readdirSync(DATA)
  .filter((name) => INCLUDED.some((re) => re.test(name)))
  .sort();

function attr(node: OnnxNode, name: string): OnnxAttribute['value'] | undefined {
  return node.attributes.get(name)?.value;
}

function intAttr(node: OnnxNode, name: string, fallback: number): number {
  const v = attr(node, name);
  return typeof v === 'number' ? v : fallback;
}

/** Adds the IR for `node` on `args`; `expected` gives the output types ONNX produced. */
function buildNode(m: Module, node: OnnxNode, args: Instruction[], expected: readonly Tensor[]): Instruction {
  const broadcastTo = (ins: Instruction, lens: readonly number[]) =>
    ins.shape.lens.join() === lens.join() ? ins : m.addInstruction(makeOp('multibroadcast', { out_lens: lens }), [ins]);
  /** A scale / zero point: scalar → broadcast everywhere; 1-D → along `axis`. */
  const perAxis = (ins: Instruction, lens: readonly number[], axis: number) => {
    if (ins.shape.elements() === 1) return broadcastTo(m.addInstruction(makeOp('reshape', { dims: [1] }), [ins]), lens);
    const a = axis < 0 ? axis + lens.length : axis;
    return m.addInstruction(makeOp('broadcast', { axis: a, out_lens: lens }), [ins]);
  };
  switch (node.opType) {
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div':
    case 'Pow': {
      const [a, b] = args as [Instruction, Instruction];
      const lens = broadcastLens([a.shape.lens, b.shape.lens]);
      // Pow's exponent may have another type: convert it to the base's (exact for the tested values).
      const bTyped = b.shape.type === a.shape.type ? b : m.addInstruction(makeOp('convert', { target_type: a.shape.type }), [b]);
      return m.addInstruction(makeOp(node.opType.toLowerCase()), [broadcastTo(a, lens), broadcastTo(bTyped, lens)]);
    }
    case 'Cast':
      return m.addInstruction(makeOp('convert', { target_type: expected[0]!.type, saturate: intAttr(node, 'saturate', 1) !== 0 }), args);
    case 'QuantizeLinear':
    case 'DequantizeLinear': {
      const [x, scale, zp] = args as [Instruction, Instruction, Instruction | undefined];
      const lens = x.shape.lens;
      const axis = intAttr(node, 'axis', 1);
      const rest = [perAxis(scale, lens, axis), ...(zp ? [perAxis(zp, lens, axis)] : [])];
      if (node.opType === 'DequantizeLinear') return m.addInstruction(makeOp('dequantizelinear'), [x, ...rest]);
      const attrs = { out_type: expected[0]!.type, saturate: intAttr(node, 'saturate', 1) !== 0 };
      return m.addInstruction(makeOp('quantizelinear', attrs), [x, ...rest]);
    }
    case 'MatMul': {
      const [a, b] = args as [Instruction, Instruction];
      const batch = broadcastLens([a.shape.lens.slice(0, -2), b.shape.lens.slice(0, -2)]);
      const aLens = [...batch, ...a.shape.lens.slice(-2)];
      const bLens = [...batch, ...b.shape.lens.slice(-2)];
      return m.addInstruction(makeOp('dot'), [broadcastTo(a, aLens), broadcastTo(b, bLens)]);
    }
    case 'Softmax':
      return m.addInstruction(makeOp('softmax', { axis: intAttr(node, 'axis', -1) }), args);
    case 'Transpose': {
      const rank = args[0]!.shape.ndim;
      const perm = attr(node, 'perm');
      const permutation = Array.isArray(perm) ? (perm as number[]) : Array.from({ length: rank }, (_, i) => rank - 1 - i);
      return m.addInstruction(makeOp('transpose', { permutation }), args);
    }
    default:
      throw new Error(`no mapping for ${node.opType}`);
  }
}

function filesOf(dir: string, prefix: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.pb'))
    .sort((a, b) => Number(a.match(/\d+/)![0]) - Number(b.match(/\d+/)![0]))
    .map((f) => join(dir, f));
}

test('the included node cases are all present', () => {
  // Guards against the selection silently shrinking (renamed data, a broken pattern).
  assert.ok(cases.length >= 110, `only ${cases.length} cases selected`);
});

for (const name of cases) {
  test(name, () => {
    const model = loadModelFile(join(DATA, name, 'model.onnx'));
    assert.equal(model.graph.nodes.length, 1, 'single-node case');
    const node = model.graph.nodes[0]!;
    const dataDir = join(DATA, name, 'test_data_set_0');
    const inputs = filesOf(dataDir, 'input_').map((f) => loadTensorFile(f).tensor);
    const expected = filesOf(dataDir, 'output_').map((f) => loadTensorFile(f).tensor);

    const m = new Module('main');
    const params = inputs.map((t, i) => m.addParameter(`in${i}`, t.shape));
    m.addReturn([buildNode(m, node, params, expected)]);
    const [actual] = evaluateModule(m, new Map(inputs.map((t, i) => [`in${i}`, t])));
    const want = expected[0]!;

    assert.equal(actual!.type, want.type);
    assert.deepEqual(actual!.shape.lens, want.shape.lens);
    if (isFloatType(want.type) && node.opType !== 'Cast') {
      const a = actual!.toNumbers();
      const e = want.toNumbers();
      for (let i = 0; i < e.length; i++) {
        if (Number.isNaN(e[i]!)) assert.ok(Number.isNaN(a[i]!), `[${i}] expected NaN`);
        else assert.ok(Math.abs(a[i]! - e[i]!) <= 1e-6 + 1e-5 * Math.abs(e[i]!), `[${i}]: got ${a[i]}, expected ${e[i]}`);
      }
    } else {
      // Casts and integer / low-precision results must match exactly (NaN codes compared as bits).
      assert.deepEqual(raw(actual!).map(canonicalNaN(want.type)), raw(want).map(canonicalNaN(want.type)));
    }
  });
}

/** float32 NaN payloads may differ between producers; compare every float32 NaN as one value. */
function canonicalNaN(type: string): (v: number | bigint) => number | bigint {
  if (type !== 'float_type' && type !== 'double_type') return (v) => v;
  return (v) => (typeof v === 'number' && Number.isNaN(v) ? NaN : v);
}
