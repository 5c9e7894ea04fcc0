// Writes the example models (run: `npm run examples`). The .onnx files are checked in too, so users and
// tests need not run this; rerunning it reproduces them byte for byte (seeded weights).
//
// - attention_fp8_test.onnx: the seed block of MIGraphX PR #4900, q/k/v half [1,16,1024,128], w_o half
//   [1,16,128,128]: y = MatMul(Softmax(MatMul(q, Transpose(k, 0,1,3,2)), -1), v) · w_o.
// - bert_layer.onnx: one BERT-style encoder layer (hidden 256, 4 heads, FFN 1024) as PyTorch exports it:
//   symbolic batch/sequence dims, Shape→Gather→Concat→Reshape head splits, K transposed by (0,2,3,1),
//   Div by √d, additive mask, Erf GELU, LayerNormalization; weights drawn like BERT's init (N(0, 0.02)).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Tensor } from '../src/ir/tensor.js';
import { seededRandom } from '../src/inputs/random-inputs.js';
import { Shape } from '../src/ir/shape.js';
import { encodeModel, type GraphSpec, type NodeSpec, type ModelSpec } from '../src/onnx/write.js';

const here = join(process.cwd(), 'examples');

export function seedAttentionModel(seq = 1024): ModelSpec {
  const qkv = (name: string) => ({ name, elemType: 'half_type' as const, dims: [1, 16, seq, 128] });
  return {
    opsetImports: { '': 17 },
    producerName: 'onnx-fp8 examples',
    graph: {
      name: 'attention_fp8_test',
      inputs: [qkv('q'), qkv('k'), qkv('v'), { name: 'w_o', elemType: 'half_type', dims: [1, 16, 128, 128] }],
      outputs: [{ name: 'y', elemType: 'half_type', dims: [1, 16, seq, 128] }],
      nodes: [
        { name: 'k_transpose', opType: 'Transpose', inputs: ['k'], outputs: ['kt'], attributes: { perm: { type: 'ints', value: [0, 1, 3, 2] } } },
        { name: 'qk_matmul', opType: 'MatMul', inputs: ['q', 'kt'], outputs: ['scores'] },
        { name: 'softmax', opType: 'Softmax', inputs: ['scores'], outputs: ['probs'], attributes: { axis: { type: 'int', value: -1 } } },
        { name: 'pv_matmul', opType: 'MatMul', inputs: ['probs', 'v'], outputs: ['context'] },
        { name: 'out_proj', opType: 'MatMul', inputs: ['context', 'w_o'], outputs: ['y'] },
      ],
    },
  };
}

function normal(next: () => number, n: number, std: number, mean = 0): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - next();
    const v = next();
    const r = Math.sqrt(-2 * Math.log(u)) * std;
    out[i] = mean + r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = mean + r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/** Adds initializers and nodes to a graph under construction (shared by the BERT generators). */
interface GraphBuilder {
  weight(name: string, lens: number[], std?: number, mean?: number): string;
  ints(name: string, values: number[]): string;
  scalar(name: string, v: number): string;
  node(name: string, opType: string, inputs: string[], attributes?: NodeSpec['attributes']): string;
}

function graphBuilder(seed: number, init: Record<string, Tensor>, nodes: NodeSpec[]): GraphBuilder {
  const next = seededRandom(seed);
  return {
    weight(name, lens, std = 0.02, mean = 0) {
      // Float32 storage as drawn (what Tensor.fromNumbers would hold, without re-encoding each value).
      init[name] = new Tensor(new Shape('float_type', lens), normal(next, lens.reduce((a, b) => a * b, 1), std, mean));
      return name;
    },
    ints(name, values) {
      init[name] = Tensor.fromNumbers('int64_type', [values.length], values);
      return name;
    },
    scalar(name, v) {
      init[name] = Tensor.fromNumbers('float_type', [], [v]);
      return name;
    },
    node(name, opType, inputs, attributes) {
      const out = `${name}_output_0`;
      nodes.push({ name, opType, inputs, outputs: [out], ...(attributes ? { attributes } : {}) });
      return out;
    },
  };
}

/** One encoder layer on `x` (node names start with `prefix`); returns the layer's output. */
function bertLayer(b: GraphBuilder, x: string, prefix: string, hidden: number, heads: number, ffn: number): string {
  const { weight, ints, scalar, node } = b;
  const head = hidden / heads;
  const p0 = prefix;
  // Shape plumbing shared by the head splits, as torch.onnx writes it.
  const shape = node(`${p0}/attention/Shape`, 'Shape', [x]);
  const batch = node(`${p0}/attention/Gather`, 'Gather', [shape, ints(`${p0}/attention/Constant_0`, [0])], { axis: { type: 'int', value: 0 } });
  const length = node(`${p0}/attention/Gather_1`, 'Gather', [shape, ints(`${p0}/attention/Constant_1`, [1])], { axis: { type: 'int', value: 0 } });
  const headShape = node(`${p0}/attention/Concat`, 'Concat', [batch, length, ints(`${p0}/attention/heads`, [heads]), ints(`${p0}/attention/head_size`, [head])], { axis: { type: 'int', value: 0 } });
  const project = (which: string, perm: number[]) => {
    const p = `${p0}/attention/self/${which}`;
    const mm = node(`${p}/MatMul`, 'MatMul', [x, weight(`${p}.weight`, [hidden, hidden])]);
    const biased = node(`${p}/Add`, 'Add', [weight(`${p}.bias`, [hidden], 0.01), mm]);
    const split = node(`${p}/Reshape`, 'Reshape', [biased, headShape]);
    return node(`${p}/Transpose`, 'Transpose', [split], { perm: { type: 'ints', value: perm } });
  };
  const q = project('query', [0, 2, 1, 3]);
  const k = project('key', [0, 2, 3, 1]);
  const v = project('value', [0, 2, 1, 3]);
  const scores = node(`${p0}/attention/self/MatMul`, 'MatMul', [q, k]);
  const scaled = node(`${p0}/attention/self/Div`, 'Div', [scores, scalar(`${p0}/attention/self/Constant_sqrt_d`, Math.sqrt(head))]);
  const masked = node(`${p0}/attention/self/Add`, 'Add', [scaled, 'attention_mask']);
  const probs = node(`${p0}/attention/self/Softmax`, 'Softmax', [masked], { axis: { type: 'int', value: -1 } });
  const context = node(`${p0}/attention/self/MatMul_1`, 'MatMul', [probs, v]);
  const merged = node(`${p0}/attention/self/Transpose`, 'Transpose', [context], { perm: { type: 'ints', value: [0, 2, 1, 3] } });
  const flat = node(`${p0}/attention/self/Reshape`, 'Reshape', [merged, ints(`${p0}/attention/self/merged_shape`, [0, 0, hidden])]);
  const out = node(`${p0}/attention/output/dense/MatMul`, 'MatMul', [flat, weight(`${p0}/attention/output/dense.weight`, [hidden, hidden])]);
  const outB = node(`${p0}/attention/output/dense/Add`, 'Add', [weight(`${p0}/attention/output/dense.bias`, [hidden], 0.01), out]);
  const res1 = node(`${p0}/attention/output/Add`, 'Add', [outB, x]);
  const ln1 = node(`${p0}/attention/output/LayerNorm/LayerNormalization`, 'LayerNormalization', [res1, weight(`${p0}/attention/output/LayerNorm.weight`, [hidden], 0.02, 1), weight(`${p0}/attention/output/LayerNorm.bias`, [hidden], 0.01)], {
    axis: { type: 'int', value: -1 },
    epsilon: { type: 'float', value: 1e-12 },
  });
  const up = node(`${p0}/intermediate/dense/MatMul`, 'MatMul', [ln1, weight(`${p0}/intermediate/dense.weight`, [hidden, ffn])]);
  const upB = node(`${p0}/intermediate/dense/Add`, 'Add', [weight(`${p0}/intermediate/dense.bias`, [ffn], 0.01), up]);
  // GELU as torch.onnx writes it: x * 0.5 * (1 + erf(x / √2))
  const div = node(`${p0}/intermediate/act/Div`, 'Div', [upB, scalar(`${p0}/intermediate/act/sqrt2`, Math.SQRT2)]);
  const erf = node(`${p0}/intermediate/act/Erf`, 'Erf', [div]);
  const plus = node(`${p0}/intermediate/act/Add`, 'Add', [erf, scalar(`${p0}/intermediate/act/one`, 1)]);
  const times = node(`${p0}/intermediate/act/Mul`, 'Mul', [upB, plus]);
  const gelu = node(`${p0}/intermediate/act/Mul_1`, 'Mul', [times, scalar(`${p0}/intermediate/act/half`, 0.5)]);
  const down = node(`${p0}/output/dense/MatMul`, 'MatMul', [gelu, weight(`${p0}/output/dense.weight`, [ffn, hidden])]);
  const downB = node(`${p0}/output/dense/Add`, 'Add', [weight(`${p0}/output/dense.bias`, [hidden], 0.01), down]);
  const res2 = node(`${p0}/output/Add`, 'Add', [downB, ln1]);
  return node(`${p0}/output/LayerNorm/LayerNormalization`, 'LayerNormalization', [res2, weight(`${p0}/output/LayerNorm.weight`, [hidden], 0.02, 1), weight(`${p0}/output/LayerNorm.bias`, [hidden], 0.01)], {
    axis: { type: 'int', value: -1 },
    epsilon: { type: 'float', value: 1e-12 },
  });
}

function bertInputs(hidden: number): GraphSpec['inputs'] {
  return [
    { name: 'hidden_states', elemType: 'float_type', dims: ['batch', 'sequence', hidden] },
    { name: 'attention_mask', elemType: 'float_type', dims: ['batch', 1, 1, 'sequence'] },
  ];
}

export function bertLayerModel(hidden = 256, heads = 4, ffn = 1024, seed = 7): ModelSpec {
  const init: Record<string, Tensor> = {};
  const nodes: NodeSpec[] = [];
  const last = bertLayer(graphBuilder(seed, init, nodes), 'hidden_states', '', hidden, heads, ffn);
  nodes.push({ name: '/Identity', opType: 'Identity', inputs: [last], outputs: ['last_hidden_state'] });
  return {
    opsetImports: { '': 17 },
    producerName: 'onnx-fp8 examples (torch.onnx style)',
    graph: {
      name: 'bert_layer',
      inputs: bertInputs(hidden),
      outputs: [{ name: 'last_hidden_state', elemType: 'float_type', dims: ['batch', 'sequence', hidden] }],
      nodes,
      initializers: init,
    },
  };
}

/**
 * A BERT-base-shaped encoder (defaults: 12 layers, hidden 768, 12 heads, FFN 3072; ~85M random weights,
 * 340 MB): `bertLayerModel`'s layer repeated, node names prefixed `/encoder/layer.N`. Built in memory by
 * bench/quantize.ts to time FP8 calibration at a realistic size; not written to examples/.
 */
export function bertEncoderModel(layers = 12, hidden = 768, heads = 12, ffn = 3072, seed = 7): ModelSpec {
  const init: Record<string, Tensor> = {};
  const nodes: NodeSpec[] = [];
  const b = graphBuilder(seed, init, nodes);
  let x = 'hidden_states';
  for (let i = 0; i < layers; i++) x = bertLayer(b, x, `/encoder/layer.${i}`, hidden, heads, ffn);
  nodes.push({ name: '/Identity', opType: 'Identity', inputs: [x], outputs: ['last_hidden_state'] });
  return {
    opsetImports: { '': 17 },
    producerName: 'onnx-fp8 examples (torch.onnx style)',
    graph: {
      name: 'bert_encoder',
      inputs: bertInputs(hidden),
      outputs: [{ name: 'last_hidden_state', elemType: 'float_type', dims: ['batch', 'sequence', hidden] }],
      nodes,
      initializers: init,
    },
  };
}

if (process.argv[1]?.endsWith('generate.mjs')) {
  writeFileSync(join(here, 'attention_fp8_test.onnx'), encodeModel(seedAttentionModel()));
  writeFileSync(join(here, 'bert_layer.onnx'), encodeModel(bertLayerModel()));
  console.log('wrote examples/attention_fp8_test.onnx and examples/bert_layer.onnx');
}
