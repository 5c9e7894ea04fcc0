// `export`: the QDQ model's structure (reference/quantization.md §6: weights stored fp8 behind a lone
// DequantizeLinear with their sign kept and no NaN codes, FLOAT8E4M3FN zero points of 0, Q/DQ on the
// projections and none inside attention, opset 19), the decisions it writes equal the compiler's, the
// rest of the model kept, names unique and stable, GEMMs ONNX cannot express reported, external data.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileFile } from '../../src/compiler.js';
import { exportQdqBytes, exportQdqFile, EXPORT_METADATA_KEY } from '../../src/export/export-qdq.js';
import { Tensor } from '../../src/ir/tensor.js';
import { loadModelFile } from '../../src/onnx/load.js';
import { OnnxDataType, type OnnxModel, type OnnxNode } from '../../src/onnx/model.js';
import { encodeModel, type ModelSpec } from '../../src/onnx/write.js';
import { randomInputs } from '../../src/inputs/random-inputs.js';
import { evaluateProgram } from '../../src/ref/evaluate.js';
import { repoPath } from '../helpers/paths.js';
import { cleanup, closeness, countOps, readModel, runOrt, tempDir, writeModel } from './helpers.js';
import { gemmModel, pattern } from './models.js';

const made: string[] = [];
after(() => cleanup(made));
const dir = tempDir(made, 'export');

const BERT = repoPath('examples', 'bert_layer.onnx');
const DIMS = new Map([
  ['batch', 1],
  ['sequence', 16],
]);

const bertSkip = exportQdqFile(BERT, { inputDims: DIMS, fp8: {} });
const bertExported = readModel(bertSkip.model);
const bertOriginal = loadModelFile(BERT);

function producers(m: OnnxModel): Map<string, OnnxNode> {
  const p = new Map<string, OnnxNode>();
  for (const n of m.graph.nodes) for (const o of n.outputs) p.set(o, n);
  return p;
}

/** An independent e4m3fn decoder (sign, 4 exponent bits with bias 7, 3 mantissa bits; S.1111.111 NaN). */
function e4m3(code: number): number {
  const sign = code & 0x80 ? -1 : 1;
  const e = (code >> 3) & 0xf;
  const m = code & 7;
  if (e === 0xf && m === 7) return NaN;
  return sign * (e === 0 ? (m / 8) * 2 ** -6 : (1 + m / 8) * 2 ** (e - 7));
}

test('bert_layer: weights are fp8 initializers behind one DequantizeLinear each, activations get Q→DQ pairs, opset 19', () => {
  assert.equal(bertExported.opsetImports.get(''), 19);
  assert.ok(bertExported.irVersion >= 9);
  // 6 projection/FFN weights; 4 activations: hidden_states (shared by Q, K, V), the attention output,
  // the first LayerNorm's output and the GELU output.
  assert.equal(countOps(bertExported, 'QuantizeLinear'), 4);
  assert.equal(countOps(bertExported, 'DequantizeLinear'), 10);
  assert.deepEqual(bertSkip.added, { quantizeLinear: 4, dequantizeLinear: 10, weights: 6, activations: 6 });
  const init = bertExported.graph.initializers;
  const prod = producers(bertExported);
  for (const q of bertExported.graph.nodes.filter((n) => n.opType === 'QuantizeLinear')) {
    assert.ok(!init.has(q.inputs[0]!), `no runtime QuantizeLinear on a weight (${q.inputs[0]})`);
  }
  for (const name of ['query', 'key', 'value'].map((p) => `/attention/self/${p}.weight`).concat(['/attention/output/dense.weight', '/intermediate/dense.weight', '/output/dense.weight'])) {
    assert.ok(!init.has(name), `the float weight ${name} is gone`);
    const stored = init.get(`${name}_quantized`)!;
    assert.equal(stored.dataType, OnnxDataType.FLOAT8E4M3FN);
    assert.deepEqual(stored.dims, bertOriginal.graph.initializers.get(name)!.dims);
    const dq = bertExported.graph.nodes.find((n) => n.opType === 'DequantizeLinear' && n.inputs[0] === `${name}_quantized`)!;
    const users = bertExported.graph.nodes.filter((n) => n.inputs.includes(dq.outputs[0]!));
    assert.deepEqual(users.map((u) => u.opType), ['MatMul']);
    assert.equal(prod.get(dq.inputs[0]!), undefined, 'the DequantizeLinear reads the initializer directly');
  }
});

test('bert_layer: fp8 weights keep the sign of the float weights, hold no NaN code, and are the nearest e4m3fn value at scale max|W|/448', () => {
  for (const d of bertSkip.decisions.filter((x) => x.kind === 'weight')) {
    const w = bertOriginal.graph.initializers.get(d.tensor)!.value().toFloat32Array();
    let amax = 0;
    for (const v of w) amax = Math.max(amax, Math.abs(v));
    const scale = bertExported.graph.initializers.get(`${d.tensor}_scale`)!.value();
    assert.equal(scale.type, 'float_type');
    assert.deepEqual(scale.shape.lens, []);
    assert.equal(scale.get(0), Math.fround(amax / 448), d.tensor);
    const codes = bertExported.graph.initializers.get(`${d.tensor}_quantized`)!.value().contiguous().data as Uint8Array;
    assert.equal(codes.length, w.length);
    const s = scale.get(0);
    for (let i = 0; i < w.length; i++) {
      const c = codes[i]!;
      assert.ok(c !== 0x7f && c !== 0xff, `NaN code at ${i}`);
      assert.equal(c >= 0x80, Object.is(w[i], -0) || w[i]! < 0, `sign of element ${i} of ${d.tensor}`);
      const x = w[i]! / s;
      const err = Math.abs(x - e4m3(c));
      for (const neighbour of [c - 1, c + 1]) {
        if ((neighbour & 0x80) !== (c & 0x80) || neighbour < 0 || neighbour > 0xff || (neighbour & 0x7f) === 0x7f) continue;
        assert.ok(err <= Math.abs(x - e4m3(neighbour)) + 1e-6 * Math.abs(x), `element ${i} of ${d.tensor}: code ${c} is not the nearest to ${x}`);
      }
    }
  }
});

test('bert_layer: zero points are FLOAT8E4M3FN scalars of 0; scales are scalars of the tensor type and equal what compile --fp8 chose', () => {
  const compiled = compileFile(BERT, { inputDims: DIMS, fp8: {}, stage: 'quantized' });
  const scalesByNode = new Map<string, number[]>();
  for (const ins of compiled.program.mainModule()) {
    if (ins.op.name === 'quantizelinear' && ins.meta.quantization && ins.origin) {
      scalesByNode.set(ins.origin.node, [...(scalesByNode.get(ins.origin.node) ?? []), ins.meta.quantization.scale]);
    }
  }
  const qdq = bertExported.graph.nodes.filter((n) => n.opType === 'QuantizeLinear' || n.opType === 'DequantizeLinear');
  for (const n of qdq) {
    const zp = bertExported.graph.initializers.get(n.inputs[2]!)!;
    assert.equal(zp.dataType, OnnxDataType.FLOAT8E4M3FN);
    assert.deepEqual(zp.dims, []);
    assert.equal(zp.value().rawAt(0), 0);
    const scale = bertExported.graph.initializers.get(n.inputs[1]!)!;
    assert.equal(scale.dataType, OnnxDataType.FLOAT);
    assert.deepEqual(scale.dims, []);
  }
  // Every quantized MatMul input reads a DequantizeLinear whose scale is one the compiler used for that node.
  const prod = producers(bertExported);
  for (const mm of bertExported.graph.nodes.filter((n) => n.opType === 'MatMul' && scalesByNode.has(n.name))) {
    for (const input of mm.inputs) {
      const dq = prod.get(input)!;
      assert.equal(dq.opType, 'DequantizeLinear', `${mm.name} reads ${input}`);
      const s = bertExported.graph.initializers.get(dq.inputs[1]!)!.value().get(0);
      assert.ok(scalesByNode.get(mm.name)!.includes(s), `${mm.name}: scale ${s} not among ${scalesByNode.get(mm.name)!.join(', ')}`);
    }
  }
});

test('bert_layer skip: no Q/DQ inside the attention region; the projections and the output dense read Q/DQ', () => {
  const regionNodes = ['/attention/self/MatMul', '/attention/self/Div', '/attention/self/Add', '/attention/self/Softmax', '/attention/self/MatMul_1'];
  const compiled = compileFile(BERT, { inputDims: DIMS, fp8: {}, stage: 'quantized' });
  const marked = new Set(compiled.program.mainModule().instructions().filter((i) => i.meta.attention && i.origin).map((i) => i.origin!.node));
  assert.deepEqual([...marked].sort(), [...regionNodes].sort());
  const prod = producers(bertExported);
  const byName = new Map(bertExported.graph.nodes.map((n) => [n.name, n]));
  // Tensors strictly inside the region: outputs of region nodes read by other region nodes.
  const inside = new Set(regionNodes.flatMap((r) => byName.get(r)!.outputs).filter((t) => regionNodes.some((r) => byName.get(r)!.inputs.includes(t))));
  assert.equal(inside.size, 4);
  for (const n of bertExported.graph.nodes.filter((x) => x.opType === 'QuantizeLinear' || x.opType === 'DequantizeLinear')) {
    assert.ok(!inside.has(n.inputs[0]!), `${n.name} reads ${n.inputs[0]} inside attention`);
  }
  for (const r of regionNodes) {
    for (const input of byName.get(r)!.inputs) {
      const p = prod.get(input);
      assert.ok(!p || (p.opType !== 'DequantizeLinear' && p.opType !== 'QuantizeLinear'), `${r} reads ${p?.name}`);
    }
  }
  for (const mm of ['/attention/self/query/MatMul', '/attention/self/key/MatMul', '/attention/self/value/MatMul', '/attention/output/dense/MatMul', '/intermediate/dense/MatMul', '/output/dense/MatMul']) {
    const node = byName.get(mm)!;
    assert.deepEqual(node.inputs.map((i) => prod.get(i)?.opType), ['DequantizeLinear', 'DequantizeLinear'], mm);
  }
});

test('bert_layer keep: both attention MatMuls read Q→DQ pairs on their activations', () => {
  const keep = readModel(exportQdqFile(BERT, { inputDims: DIMS, fp8: { attentionQdq: 'keep' } }).model);
  const prod = producers(keep);
  for (const name of ['/attention/self/MatMul', '/attention/self/MatMul_1']) {
    const node = keep.graph.nodes.find((n) => n.name === name)!;
    for (const input of node.inputs) {
      const dq = prod.get(input)!;
      assert.equal(dq.opType, 'DequantizeLinear', `${name} reads ${input}`);
      assert.equal(prod.get(dq.inputs[0]!)!.opType, 'QuantizeLinear');
    }
  }
});

test('the rest of the model is kept: symbolic dims, metadata, value_info, nodes, other initializers, functions', () => {
  // bert_layer's interface keeps its symbolic dims even though calibration bound them.
  assert.deepEqual(bertExported.graph.inputs.map((i) => i.type?.dims), bertOriginal.graph.inputs.map((i) => i.type?.dims));
  assert.deepEqual(bertExported.graph.outputs, bertOriginal.graph.outputs);
  for (const [name] of bertOriginal.graph.initializers) {
    if (!name.endsWith('.weight') || name.includes('LayerNorm')) assert.ok(bertExported.graph.initializers.has(name), name);
  }
  for (const n of bertOriginal.graph.nodes) assert.ok(bertExported.graph.nodes.some((e) => e.name === n.name && e.opType === n.opType), n.name);

  // A model with metadata, value_info, a producer and a local function.
  const spec: ModelSpec = {
    ...gemmModel(),
    opsetImports: { '': 13, 'local.fns': 1 },
    producerName: 'a user tool',
    producerVersion: '4.2',
    metadata: { author: 'someone', license: 'MIT' },
    functions: [{ name: 'Twice', domain: 'local.fns', inputs: ['a'], outputs: ['b'], nodes: [{ opType: 'Add', inputs: ['a', 'a'], outputs: ['b'] }], opsetImports: { '': 13 } }],
    graph: {
      ...gemmModel().graph,
      outputs: [{ name: 'y2', elemType: 'float_type', dims: [8, 10] }],
      nodes: [...gemmModel().graph.nodes, { name: 'twice', opType: 'Twice', domain: 'local.fns', inputs: ['y'], outputs: ['y2'] }],
      valueInfo: [{ name: 'h', elemType: 'float_type', dims: [8, 16] }],
    },
  };
  const bytes = encodeModel(spec);
  const exported = readModel(exportQdqBytes(bytes, 'fn.onnx', undefined, { fp8: {} }).model);
  assert.equal(exported.producerName, 'a user tool');
  assert.equal(exported.producerVersion, '4.2');
  assert.equal(exported.metadata.get('author'), 'someone');
  assert.equal(exported.metadata.get('license'), 'MIT');
  const settings = JSON.parse(exported.metadata.get(EXPORT_METADATA_KEY)!) as { attentionQdq: string; format: string; quantizedInputs: number };
  assert.deepEqual([settings.attentionQdq, settings.format, settings.quantizedInputs], ['skip', 'e4m3fn', 4]);
  assert.deepEqual(exported.graph.valueInfo.map((v) => v.name), ['h']);
  assert.equal(exported.functions.length, 1);
  assert.equal(exported.functions[0]!.name, 'Twice');
  assert.equal(exported.functions[0]!.opsetImports.get(''), 19, 'the function body is raised with the model');
  assert.equal(exported.opsetImports.get('local.fns'), 1);
});

test('names are unique, every tensor has one producer, and exporting twice gives the same bytes', () => {
  const names = bertExported.graph.nodes.map((n) => n.name);
  assert.equal(new Set(names).size, names.length);
  const outputs = bertExported.graph.nodes.flatMap((n) => n.outputs);
  assert.equal(new Set(outputs).size, outputs.length);
  for (const o of outputs) assert.ok(!bertExported.graph.initializers.has(o) && !bertExported.graph.inputs.some((i) => i.name === o), o);
  assert.deepEqual(Buffer.from(exportQdqFile(BERT, { inputDims: DIMS, fp8: {} }).model), Buffer.from(bertSkip.model));

  // A model that already uses the names the export would pick gets suffixed ones.
  const spec = gemmModel();
  const taken: ModelSpec = {
    ...spec,
    graph: {
      ...spec.graph,
      nodes: [
        { name: 'x_QuantizeLinear', opType: 'Identity', inputs: ['x'], outputs: ['x_scale'] },
        ...spec.graph.nodes.map((n) => (n.name === 'fc1' ? { ...n, inputs: ['x_scale', 'w1', 'b1'] } : n)),
      ],
      initializers: { ...(spec.graph.initializers as Record<string, Tensor>), x_scale_scale: Tensor.scalar('float_type', 3) },
    },
  };
  const exported = readModel(exportQdqBytes(encodeModel(taken), 'taken.onnx', undefined, { fp8: {} }).model);
  const all = exported.graph.nodes.map((n) => n.name);
  assert.equal(new Set(all).size, all.length);
  const q = exported.graph.nodes.find((n) => n.opType === 'QuantizeLinear' && n.inputs[0] === 'x_scale')!;
  assert.equal(q.inputs[1], 'x_scale_scale_1');
  assert.equal(exported.graph.initializers.get('x_scale_scale')!.value().get(0), 3, "the model's own tensor is untouched");
});

test('IR 3 style initializers listed as graph inputs are weights too (as the importer treats them), and leave the inputs with them', () => {
  const spec = gemmModel();
  const old: ModelSpec = { ...spec, irVersion: 3, graph: { ...spec.graph, inputs: [...spec.graph.inputs, { name: 'w1', elemType: 'float_type', dims: [16, 32] }, { name: 'b1', elemType: 'float_type', dims: [16] }] } };
  const exported = readModel(exportQdqBytes(encodeModel(old), 'ir3.onnx', undefined, { fp8: {} }).model);
  assert.equal(exported.irVersion, 9);
  assert.deepEqual(exported.graph.inputs.map((i) => i.name), ['x', 'b1']);
  assert.equal(exported.graph.initializers.get('w1_quantized')!.dataType, OnnxDataType.FLOAT8E4M3FN);
  assert.ok(!exported.graph.initializers.has('w1'));
  assert.equal(countOps(exported, 'QuantizeLinear'), 2);
});

test('a GEMM ONNX has no tensors for (Gemm A scaled by alpha) stays float, with EXPORT_NOT_REPRESENTABLE naming the node', () => {
  const spec: ModelSpec = {
    opsetImports: { '': 13 },
    graph: {
      name: 'alpha',
      inputs: [{ name: 'x', elemType: 'float_type', dims: [4, 8] }],
      outputs: [{ name: 'y', elemType: 'float_type', dims: [4, 8] }],
      nodes: [
        { name: 'scaled', opType: 'Gemm', inputs: ['x', 'w'], outputs: ['h'], attributes: { alpha: { type: 'float', value: 0.5 } } },
        { name: 'plain', opType: 'MatMul', inputs: ['h', 'w2'], outputs: ['y'] },
      ],
      initializers: { w: pattern([8, 8], 9), w2: pattern([8, 8], 10) },
    },
  };
  const r = exportQdqBytes(encodeModel(spec), 'alpha.onnx', undefined, { fp8: {} });
  const warnings = r.diagnostics.filter((d) => d.code === 'EXPORT_NOT_REPRESENTABLE');
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0]!.onnxNode, 'scaled');
  assert.match(warnings[0]!.message, /stays float in the export: operand 0 is computed inside the node \(mul\)/);
  assert.deepEqual(r.decisions.map((d) => `${d.node}:${d.input}`), ['plain:0', 'plain:1']);
  const exported = readModel(r.model);
  assert.deepEqual(exported.graph.nodes.find((n) => n.name === 'scaled')!.inputs, ['x', 'w']);
});

test('external data: large tensors go to <output>.data next to the output, small ones inline; the result loads and runs', async () => {
  const src = join(dir, 'external-src');
  mkdirSync(src, { recursive: true });
  const w1 = pattern([64, 32], 11);
  const w2 = pattern([64, 16], 12);
  const bias = pattern([16], 13, 0.1);
  const w1Bytes = new Uint8Array(w1.data.buffer.slice(0));
  const w2Bytes = new Uint8Array(w2.data.buffer.slice(0));
  writeFileSync(join(src, 'weights.bin'), Buffer.concat([w1Bytes, w2Bytes]));
  const file = writeModel(src, 'model.onnx', {
    opsetImports: { '': 17 },
    graph: {
      name: 'external',
      inputs: [{ name: 'x', elemType: 'float_type', dims: [4, 32] }],
      outputs: [{ name: 'y', elemType: 'float_type', dims: [4, 16] }],
      nodes: [
        { name: 'up', opType: 'MatMul', inputs: ['x', 'w1t'], outputs: ['h'] },
        { name: 'tw', opType: 'Transpose', inputs: ['w1'], outputs: ['w1t'] },
        { name: 'down', opType: 'MatMul', inputs: ['h', 'w2'], outputs: ['d'] },
        { name: 'bias', opType: 'Add', inputs: ['d', 'b'], outputs: ['y'] },
      ],
      initializers: { b: bias },
      externalInitializers: [
        { name: 'w1', elemType: 'float_type', dims: [64, 32], location: 'weights.bin', offset: 0, length: w1Bytes.length },
        { name: 'w2', elemType: 'float_type', dims: [64, 16], location: 'weights.bin', offset: w1Bytes.length, length: w2Bytes.length },
      ],
    },
  });
  const outDir = join(dir, 'external-out');
  const out = join(outDir, 'model.qdq.onnx');
  const r = exportQdqFile(file, { fp8: {}, outputPath: out });
  assert.ok(r.externalData, 'an external data file is produced');
  assert.equal(r.externalData.path, join(outDir, 'model.qdq.onnx.data'));
  mkdirSync(outDir, { recursive: true });
  writeFileSync(r.externalData.path, r.externalData.bytes);
  writeFileSync(out, r.model);
  const exported = loadModelFile(out);
  // w1 feeds a Transpose (not quantized itself) and stays float, external; w2 is stored as 1024 fp8 bytes, external.
  assert.equal(exported.graph.initializers.get('w1')!.externalLocation, 'model.qdq.onnx.data');
  assert.equal(exported.graph.initializers.get('w2_quantized')!.externalLocation, 'model.qdq.onnx.data');
  assert.equal(exported.graph.initializers.get('b')!.externalLocation, undefined);
  assert.ok(!exported.graph.initializers.has('w2'));
  assert.deepEqual(exported.graph.initializers.get('w1')!.value().toNumbers(), w1.toNumbers());
  const params = randomInputs(r.compiled.program.mainModule(), 3);
  const theirs = await runOrt(out, params);
  const ours = evaluateProgram(r.compiled.program, params)[0]!.toFloat32Array();
  assert.equal(closeness(theirs.get('y')!, ours).outside, 0);
  // Without an output path (in memory), everything is written inline.
  const inline = exportQdqFile(file, { fp8: {} });
  assert.equal(inline.externalData, undefined);
  assert.ok([...readModel(inline.model).graph.initializers.values()].every((t) => t.externalLocation === undefined));
});
