// Attention lowerings: the ONNX op's expansion (printed IR and dot → softmax → dot structure) and the
// ONNX and com.microsoft attention ops against a plain-loop attention (helpers/attention-reference.ts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importModel } from '../../src/onnx/import.js';
import type { Instruction } from '../../src/ir/instruction.js';
import { Tensor } from '../../src/ir/tensor.js';
import { attr, buildModel, tensorInfo } from './helpers/model-builder.js';
import { importAndRun } from './helpers/run.js';
import { assertClose, fromHeads, pseudoRandom, referenceAttention, toHeads } from './helpers/attention-reference.js';

const lines = (...l: string[]) => ['module: "main"', ...l, '', ''].join('\n');
const f32 = (lens: number[], v: number[]) => Tensor.fromNumbers('float_type', lens, v);

/** Follows first inputs through views and type conversions (what a matcher would look through). */
function skipViews(ins: Instruction): Instruction {
  while (['multibroadcast', 'convert', 'transpose', 'reshape', 'unsqueeze'].includes(ins.name)) ins = ins.inputs[0]!;
  return ins;
}

test('ONNX Attention (4-D, GQA, causal) expands to dot → add(causal bias) → softmax → dot', () => {
  const model = buildModel({
    opset: 23,
    inputs: [tensorInfo('q', 'float_type', [1, 4, 3, 8]), tensorInfo('k', 'float_type', [1, 2, 3, 8]), tensorInfo('v', 'float_type', [1, 2, 3, 8])],
    outputs: ['y'],
    nodes: [{ op: 'Attention', inputs: ['q', 'k', 'v'], outputs: ['y'], attrs: [attr.int('is_causal', 1)] }],
  });
  assert.equal(
    importModel(model).program.toString(),
    lines(
      '@0 = @literal{0.594604} -> float_type, {1}, {0}',
      '@1 = @literal{0, -inf, -inf, 0, 0, -inf, 0, 0, 0} -> float_type, {3, 3}, {3, 1}',
      'v = @param:v -> float_type, {1, 2, 3, 8}, {48, 24, 8, 1}',
      'k = @param:k -> float_type, {1, 2, 3, 8}, {48, 24, 8, 1}',
      'q = @param:q -> float_type, {1, 4, 3, 8}, {96, 24, 8, 1}',
      '@5 = unsqueeze[axes={2},steps={}](k) -> float_type, {1, 2, 1, 3, 8}, {48, 24, 24, 8, 1}',
      '@6 = multibroadcast[out_lens={1, 2, 2, 3, 8},out_dyn_dims={}](@5) -> float_type, {1, 2, 2, 3, 8}, {48, 24, 0, 8, 1}',
      '@7 = reshape[dims={1, 4, 3, 8}](@6) -> float_type, {1, 4, 3, 8}, {96, 24, 8, 1}',
      '@8 = unsqueeze[axes={2},steps={}](v) -> float_type, {1, 2, 1, 3, 8}, {48, 24, 24, 8, 1}',
      '@9 = multibroadcast[out_lens={1, 2, 2, 3, 8},out_dyn_dims={}](@8) -> float_type, {1, 2, 2, 3, 8}, {48, 24, 0, 8, 1}',
      '@10 = reshape[dims={1, 4, 3, 8}](@9) -> float_type, {1, 4, 3, 8}, {96, 24, 8, 1}',
      '@11 = transpose[permutation={0, 1, 3, 2}](@7) -> float_type, {1, 4, 8, 3}, {96, 24, 1, 8}',
      '@12 = multibroadcast[out_lens={1, 4, 3, 8},out_dyn_dims={}](@0) -> float_type, {1, 4, 3, 8}, {0, 0, 0, 0}',
      '@13 = mul(q,@12) -> float_type, {1, 4, 3, 8}, {96, 24, 8, 1}',
      '@14 = multibroadcast[out_lens={1, 4, 8, 3},out_dyn_dims={}](@0) -> float_type, {1, 4, 8, 3}, {0, 0, 0, 0}',
      '@15 = mul(@11,@14) -> float_type, {1, 4, 8, 3}, {96, 24, 3, 1}',
      '@16 = dot(@13,@15) -> float_type, {1, 4, 3, 3}, {36, 9, 3, 1}',
      '@17 = multibroadcast[out_lens={1, 4, 3, 3},out_dyn_dims={}](@1) -> float_type, {1, 4, 3, 3}, {0, 0, 3, 1}',
      '@18 = add(@16,@17) -> float_type, {1, 4, 3, 3}, {36, 9, 3, 1}',
      '@19 = softmax[axis=3](@18) -> float_type, {1, 4, 3, 3}, {36, 9, 3, 1}',
      '@20 = dot(@19,@10) -> float_type, {1, 4, 3, 8}, {96, 24, 8, 1}',
      '@21 = @return(@20)',
    ),
  );
});

test('ONNX Attention (3-D, bool mask, past, all outputs) keeps two dots around one softmax', () => {
  const model = buildModel({
    opset: 23,
    inputs: [
      tensorInfo('q', 'half_type', [2, 3, 16]),
      tensorInfo('k', 'half_type', [2, 3, 16]),
      tensorInfo('v', 'half_type', [2, 3, 16]),
      tensorInfo('mask', 'bool_type', [3, 5]),
      tensorInfo('pk', 'half_type', [2, 2, 2, 8]),
      tensorInfo('pv', 'half_type', [2, 2, 2, 8]),
    ],
    outputs: ['y', 'present_k', 'present_v', 'qk'],
    nodes: [
      {
        op: 'Attention',
        inputs: ['q', 'k', 'v', 'mask', 'pk', 'pv'],
        outputs: ['y', 'present_k', 'present_v', 'qk'],
        attrs: [attr.int('q_num_heads', 2), attr.int('kv_num_heads', 2), attr.int('qk_matmul_output_mode', 3), attr.int('softmax_precision', 1)],
      },
    ],
  });
  const result = importModel(model);
  result.program.validate();
  assert.deepEqual(
    result.outputs.map((o) => [o.name, o.shape.type, [...o.shape.lens]]),
    [
      ['y', 'half_type', [2, 3, 16]],
      ['present_k', 'half_type', [2, 2, 5, 8]],
      ['present_v', 'half_type', [2, 2, 5, 8]],
      ['qk', 'half_type', [2, 2, 3, 5]],
    ],
  );
  const m = result.program.mainModule();
  const counts = (name: string) => m.instructions().filter((i) => i.name === name).length;
  assert.equal(counts('dot'), 2);
  assert.equal(counts('softmax'), 1);
  // y = reshape(transpose(dot(P, V))); P comes from the softmax (run in float, zeroed where a row is fully masked).
  const pv = skipViews(m.returnInstruction()!.inputs[0]!);
  assert.equal(pv.name, 'dot');
  const probs = skipViews(pv.inputs[0]!);
  assert.equal(probs.name, 'where');
  const softmax = skipViews(probs.inputs[2]!);
  assert.equal(softmax.name, 'softmax');
  assert.equal(softmax.shape.type, 'float_type');
  const biased = skipViews(softmax.inputs[0]!);
  assert.equal(biased.name, 'add');
  assert.equal(skipViews(biased.inputs[0]!).name, 'dot');
  assert.equal(m.returnInstruction()!.inputs[3], probs, 'qk_matmul_output_mode 3 returns the probabilities');
});

test('ONNX Attention matches a plain attention: 3-D GQA with softcap, and 4-D causal with a past cache', () => {
  const [batch, rows, heads, kvHeads, size] = [2, 3, 4, 2, 4];
  const q = pseudoRandom(batch * rows * heads * size, 1);
  const k = pseudoRandom(batch * rows * kvHeads * size, 2);
  const v = pseudoRandom(batch * rows * kvHeads * size, 3);
  const gqa = buildModel({
    opset: 23,
    inputs: [tensorInfo('q', 'float_type', [batch, rows, heads * size]), tensorInfo('k', 'float_type', [batch, rows, kvHeads * size]), tensorInfo('v', 'float_type', [batch, rows, kvHeads * size])],
    outputs: ['y'],
    nodes: [{ op: 'Attention', inputs: ['q', 'k', 'v'], outputs: ['y'], attrs: [attr.int('q_num_heads', heads), attr.int('kv_num_heads', kvHeads), attr.float('softcap', 0.5)] }],
  });
  const { outputs } = importAndRun(gqa, { q: f32([batch, rows, heads * size], q), k: f32([batch, rows, kvHeads * size], k), v: f32([batch, rows, kvHeads * size], v) });
  const expected = referenceAttention({
    q: toHeads(q, batch, rows, heads, size),
    k: toHeads(k, batch, rows, kvHeads, size),
    v: toHeads(v, batch, rows, kvHeads, size),
    batch,
    heads,
    kvHeads,
    rows,
    keys: rows,
    headSize: size,
    valueSize: size,
    scale: 1 / Math.sqrt(size),
    softcap: 0.5,
  });
  assertClose(outputs[0]!.toNumbers(), fromHeads(expected, batch, rows, heads, size));

  // 4-D, two cached positions, causal (bottom-right aligned: query i sees keys j <= i + 2).
  const past = 2;
  const pk = pseudoRandom(batch * heads * past * size, 4);
  const pv = pseudoRandom(batch * heads * past * size, 5);
  const q4 = pseudoRandom(batch * heads * rows * size, 6);
  const k4 = pseudoRandom(batch * heads * rows * size, 7);
  const v4 = pseudoRandom(batch * heads * rows * size, 8);
  const lens = [batch, heads, rows, size];
  const causal = buildModel({
    opset: 23,
    inputs: ['q', 'k', 'v'].map((n) => tensorInfo(n, 'float_type', lens)).concat(['pk', 'pv'].map((n) => tensorInfo(n, 'float_type', [batch, heads, past, size]))),
    outputs: ['y'],
    nodes: [{ op: 'Attention', inputs: ['q', 'k', 'v', '', 'pk', 'pv'], outputs: ['y'], attrs: [attr.int('is_causal', 1), attr.float('scale', 0.25)] }],
  });
  const run = importAndRun(causal, { q: f32(lens, q4), k: f32(lens, k4), v: f32(lens, v4), pk: f32([batch, heads, past, size], pk), pv: f32([batch, heads, past, size], pv) });
  const cat = (a: number[], b: number[]) => {
    const out: number[] = [];
    for (let bh = 0; bh < batch * heads; bh++) out.push(...a.slice(bh * past * size, (bh + 1) * past * size), ...b.slice(bh * rows * size, (bh + 1) * rows * size));
    return out;
  };
  const expected4 = referenceAttention({
    q: q4,
    k: cat(pk, k4),
    v: cat(pv, v4),
    batch,
    heads,
    kvHeads: heads,
    rows,
    keys: past + rows,
    headSize: size,
    valueSize: size,
    scale: 0.25,
    bias: (_b, _h, i, j) => (j > i + past ? -Infinity : 0),
  });
  assertClose(run.outputs[0]!.toNumbers(), expected4);
});

test('com.microsoft Attention: packed QKV weights, bias, raw mask and unidirectional match a plain attention', () => {
  const [batch, rows, hidden, heads] = [1, 3, 4, 2];
  const size = hidden / heads;
  const input = pseudoRandom(batch * rows * hidden, 11);
  const weights = pseudoRandom(hidden * 3 * hidden, 12);
  const bias = pseudoRandom(3 * hidden, 13);
  const mask = [1, 1, 0];
  const model = buildModel({
    opsets: { 'com.microsoft': 1 },
    inputs: [tensorInfo('x', 'float_type', [batch, rows, hidden]), tensorInfo('mask', 'int32_type', [batch, rows])],
    initializers: { w: f32([hidden, 3 * hidden], weights), b: f32([3 * hidden], bias) },
    outputs: ['y'],
    nodes: [{ op: 'Attention', domain: 'com.microsoft', inputs: ['x', 'w', 'b', 'mask'], outputs: ['y'], attrs: [attr.int('num_heads', heads), attr.int('unidirectional', 1)] }],
  });
  const { outputs } = importAndRun(model, { x: f32([batch, rows, hidden], input), mask: Tensor.fromNumbers('int32_type', [batch, rows], mask) });

  const project = (offset: number) => {
    const out: number[] = [];
    for (let i = 0; i < rows; i++) {
      for (let c = 0; c < hidden; c++) {
        let s = bias[offset + c]!;
        for (let r = 0; r < hidden; r++) s += input[i * hidden + r]! * weights[r * 3 * hidden + offset + c]!;
        out.push(s);
      }
    }
    return toHeads(out, batch, rows, heads, size);
  };
  const expected = referenceAttention({
    q: project(0),
    k: project(hidden),
    v: project(2 * hidden),
    batch,
    heads,
    kvHeads: heads,
    rows,
    keys: rows,
    headSize: size,
    valueSize: size,
    scale: 1 / Math.sqrt(size),
    bias: (_b, _h, i, j) => (mask[j] === 0 || j > i ? -10000 : 0),
  });
  assertClose(outputs[0]!.toNumbers(), fromHeads(expected, batch, rows, heads, size));
});

test('com.microsoft MultiHeadAttention: separate Q/K/V, projection bias and key padding mask', () => {
  const [batch, rows, keys, heads, size] = [2, 2, 3, 2, 2];
  const hidden = heads * size;
  const q = pseudoRandom(batch * rows * hidden, 21);
  const k = pseudoRandom(batch * keys * hidden, 22);
  const v = pseudoRandom(batch * keys * hidden, 23);
  const bias = pseudoRandom(3 * hidden, 24);
  const lengths = [3, 2];
  const model = buildModel({
    opsets: { 'com.microsoft': 1 },
    inputs: [
      tensorInfo('q', 'float_type', [batch, rows, hidden]),
      tensorInfo('k', 'float_type', [batch, keys, hidden]),
      tensorInfo('v', 'float_type', [batch, keys, hidden]),
      tensorInfo('len', 'int32_type', [batch]),
    ],
    initializers: { bias: f32([3 * hidden], bias) },
    outputs: ['y', 'pk'],
    nodes: [
      { op: 'MultiHeadAttention', domain: 'com.microsoft', inputs: ['q', 'k', 'v', 'bias', 'len'], outputs: ['y', 'pk'], attrs: [attr.int('num_heads', heads), attr.float('scale', 0.7)] },
    ],
  });
  const { outputs } = importAndRun(model, {
    q: f32([batch, rows, hidden], q),
    k: f32([batch, keys, hidden], k),
    v: f32([batch, keys, hidden], v),
    len: Tensor.fromNumbers('int32_type', [batch], lengths),
  });
  const plus = (x: number[], offset: number) => x.map((e, i) => e + bias[offset + (i % hidden)]!);
  const kHeads = toHeads(plus(k, hidden), batch, keys, heads, size);
  const expected = referenceAttention({
    q: toHeads(plus(q, 0), batch, rows, heads, size),
    k: kHeads,
    v: toHeads(plus(v, 2 * hidden), batch, keys, heads, size),
    batch,
    heads,
    kvHeads: heads,
    rows,
    keys,
    headSize: size,
    valueSize: size,
    scale: 0.7,
    bias: (b, _h, _i, j) => (j >= lengths[b]! ? -10000 : 0),
  });
  assertClose(outputs[0]!.toNumbers(), fromHeads(expected, batch, rows, heads, size));
  assertClose(outputs[1]!.toNumbers(), kHeads);
});

test('com.microsoft GroupQueryAttention: past cache, seqlens_k and causal masking, shared KV heads', () => {
  const [rows, heads, kvHeads, size, past] = [2, 4, 2, 2, 3];
  const q = pseudoRandom(rows * heads * size, 31);
  const k = pseudoRandom(rows * kvHeads * size, 32);
  const v = pseudoRandom(rows * kvHeads * size, 33);
  const pk = pseudoRandom(kvHeads * past * size, 34);
  const pv = pseudoRandom(kvHeads * past * size, 35);
  const model = buildModel({
    opsets: { 'com.microsoft': 1 },
    inputs: [
      tensorInfo('q', 'float_type', [1, rows, heads * size]),
      tensorInfo('k', 'float_type', [1, rows, kvHeads * size]),
      tensorInfo('v', 'float_type', [1, rows, kvHeads * size]),
      tensorInfo('pk', 'float_type', [1, kvHeads, past, size]),
      tensorInfo('pv', 'float_type', [1, kvHeads, past, size]),
      tensorInfo('seqlens', 'int32_type', [1]),
      tensorInfo('total', 'int32_type', []),
    ],
    outputs: ['y', 'present_k'],
    nodes: [
      {
        op: 'GroupQueryAttention',
        domain: 'com.microsoft',
        inputs: ['q', 'k', 'v', 'pk', 'pv', 'seqlens', 'total'],
        outputs: ['y', 'present_k'],
        attrs: [attr.int('num_heads', heads), attr.int('kv_num_heads', kvHeads)],
      },
    ],
  });
  const { outputs } = importAndRun(model, {
    q: f32([1, rows, heads * size], q),
    k: f32([1, rows, kvHeads * size], k),
    v: f32([1, rows, kvHeads * size], v),
    pk: f32([1, kvHeads, past, size], pk),
    pv: f32([1, kvHeads, past, size], pv),
    seqlens: Tensor.fromNumbers('int32_type', [1], [past + rows - 1]),
    total: Tensor.fromNumbers('int32_type', [], [past + rows]),
  });
  const cat = (a: number[], b: number[]) => {
    const out: number[] = [];
    for (let h = 0; h < kvHeads; h++) out.push(...a.slice(h * past * size, (h + 1) * past * size), ...b.slice(h * rows * size, (h + 1) * rows * size));
    return out;
  };
  const kAll = cat(pk, toHeads(k, 1, rows, kvHeads, size));
  const expected = referenceAttention({
    q: toHeads(q, 1, rows, heads, size),
    k: kAll,
    v: cat(pv, toHeads(v, 1, rows, kvHeads, size)),
    batch: 1,
    heads,
    kvHeads,
    rows,
    keys: past + rows,
    headSize: size,
    valueSize: size,
    scale: 1 / Math.sqrt(size),
    bias: (_b, _h, i, j) => (j > i + past ? -Infinity : 0),
  });
  assertClose(outputs[0]!.toNumbers(), fromHeads(expected, 1, rows, heads, size));
  assertClose(outputs[1]!.toNumbers(), kAll);
});

test('contrib attention options outside the supported set are ModelErrors', () => {
  const model = buildModel({
    opsets: { 'com.microsoft': 1 },
    inputs: [tensorInfo('x', 'float_type', [1, 2, 4]), tensorInfo('w', 'float_type', [4, 12])],
    outputs: ['y'],
    nodes: [{ op: 'Attention', domain: 'com.microsoft', inputs: ['x', 'w'], outputs: ['y'], name: 'att', attrs: [attr.int('num_heads', 2), attr.int('do_rotary', 1)] }],
  });
  assert.throws(() => importModel(model), { name: 'ModelError', message: "node 'att' (Attention): attribute do_rotary=1 is not supported" });
});
