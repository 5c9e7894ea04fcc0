// The synthetic attention corpus: small ONNX models built in code, each one way real exporters write an
// attention block (scale placement, mask kinds, causal masks, casts, layout ops, softcap, K layouts, Gemm
// projections, GQA, KV cache, decomposed softmax, the ONNX and onnxruntime attention ops). Each variant
// states, from the model alone, the pattern string and the role of each ONNX node inside the region.

import { Tensor } from '../../../src/ir/tensor.js';
import type { ElementType } from '../../../src/ir/types.js';
import type { Role } from '../../../src/attention/region.js';
import type { OnnxModel } from '../../../src/onnx/model.js';
import { OnnxDataType } from '../../../src/onnx/model.js';
import { attr, buildModel, type ModelSpec, type NodeSpec, tensorInfo } from '../../onnx/helpers/model-builder.js';

export interface Variant {
  readonly name: string;
  readonly model: OnnxModel;
  readonly pattern: string;
  /** Every ONNX node with instructions in the region, and the roles those instructions have. */
  readonly roles: Readonly<Record<string, Role | readonly Role[]>>;
}

/** q, k, v: [batch 1, heads 2, sequence 4, head size 8]; scores [1, 2, 4, 4]. */
const HEADS = [1, 2, 4, 8];
const SCORES = [1, 2, 4, 4];

const scalar = (v: number, type: ElementType = 'float_type') => Tensor.fromNumbers(type, [], [v]);
const ints = (...v: number[]) => Tensor.fromNumbers('int64_type', [v.length], v);
const lowerTriangle = (n: number, type: ElementType = 'float_type') =>
  Tensor.fromNumbers(
    type,
    [1, 1, n, n],
    Array.from({ length: n * n }, (_, e) => (e % n <= Math.floor(e / n) ? 1 : 0)),
  );

/** A node named after its output. */
function n(name: string, op: string, inputs: readonly string[], attrs: NodeSpec['attrs'] = []): NodeSpec {
  return { name, op, inputs, outputs: [name], attrs };
}

const qkvInputs = (type: ElementType = 'float_type', lens = HEADS) => ['q', 'k', 'v'].map((x) => tensorInfo(x, type, lens));
const transposeK = (from = 'k') => n('kt', 'Transpose', [from], [attr.ints('perm', [0, 1, 3, 2])]);
const scores = (q = 'q', k = 'kt') => n('qk', 'MatMul', [q, k]);
const softmax = (x: string, axis = -1) => n('sm', 'Softmax', [x], [attr.int('axis', axis)]);
const weighted = (p = 'sm', v = 'v') => n('pv', 'MatMul', [p, v]);

/** The plain block around `middle`: kt = kᵀ, qk = q·kt, middle(qk) → sm → pv. */
function block(middle: readonly NodeSpec[], last: string, extra: Partial<ModelSpec> = {}): OnnxModel {
  return buildModel({
    inputs: qkvInputs(),
    outputs: ['pv'],
    nodes: [transposeK(), scores(), ...middle, softmax(last), weighted()],
    ...extra,
    initializers: { c: scalar(0.35), ...extra.initializers },
  });
}

const BASE_ROLES = { qk: 'gemm1', sm: 'softmax', pv: 'gemm2' } as const;

export function corpus(): Variant[] {
  return [
    {
      name: 'Mul scale on the scores, K transposed by (0,1,3,2)',
      model: block([n('scale', 'Mul', ['qk', 'c'])], 'scale'),
      pattern: 'dot → mul(scale) → softmax → dot',
      roles: { ...BASE_ROLES, scale: 'scores' },
    },
    {
      name: 'Div scale on the scores',
      model: block([n('scale', 'Div', ['qk', 'd'])], 'scale', { initializers: { d: scalar(2.828) } }),
      pattern: 'dot → div(scale) → softmax → dot',
      roles: { ...BASE_ROLES, scale: 'scores' },
    },
    {
      name: 'no scale, no mask',
      model: block([], 'qk'),
      pattern: 'dot → softmax → dot',
      roles: BASE_ROLES,
    },
    {
      name: 'scale on Q before the first dot',
      model: buildModel({
        inputs: qkvInputs(),
        outputs: ['pv'],
        initializers: { c: scalar(0.35) },
        nodes: [n('sq', 'Mul', ['q', 'c']), transposeK(), scores('sq'), softmax('qk'), weighted()],
      }),
      pattern: 'mul(scale on q) → dot → softmax → dot',
      roles: BASE_ROLES,
    },
    {
      name: 'scale on K (before its transpose)',
      model: buildModel({
        inputs: qkvInputs(),
        outputs: ['pv'],
        initializers: { d: scalar(2.828) },
        nodes: [n('sk', 'Div', ['k', 'd']), transposeK('sk'), scores(), softmax('qk'), weighted()],
      }),
      pattern: 'div(scale on k) → dot → softmax → dot',
      roles: BASE_ROLES,
    },
    {
      name: 'scale on both Q and K (√scale each)',
      model: buildModel({
        inputs: qkvInputs(),
        outputs: ['pv'],
        initializers: { r: scalar(0.595) },
        nodes: [n('sq', 'Mul', ['q', 'r']), transposeK(), n('sk', 'Mul', ['kt', 'r']), scores('sq', 'sk'), softmax('qk'), weighted()],
      }),
      pattern: 'mul(scale on q, k) → dot → softmax → dot',
      roles: BASE_ROLES,
    },
    {
      name: 'Div by Sqrt of the head size computed in the graph (Shape → Gather → Cast → Sqrt)',
      model: block(
        [
          n('shape', 'Shape', ['q']),
          n('dim', 'Gather', ['shape', 'three'], [attr.int('axis', 0)]),
          n('dimf', 'Cast', ['dim'], [attr.int('to', OnnxDataType.FLOAT)]),
          n('sqrt', 'Sqrt', ['dimf']),
          n('scale', 'Div', ['qk', 'sqrt']),
        ],
        'scale',
        { initializers: { three: Tensor.fromNumbers('int64_type', [], [3]) } },
      ),
      pattern: 'dot → div(scale) → softmax → dot',
      roles: { ...BASE_ROLES, scale: 'scores' },
    },
    {
      name: 'Add mask, scores first',
      model: block([n('scale', 'Mul', ['qk', 'c']), n('mask', 'Add', ['scale', 'm'])], 'mask', {
        inputs: [...qkvInputs(), tensorInfo('m', 'float_type', [1, 1, 4, 4])],
      }),
      pattern: 'dot → mul(scale) → add(mask) → softmax → dot',
      roles: { ...BASE_ROLES, scale: 'scores', mask: 'scores' },
    },
    {
      name: 'Add mask, mask first',
      model: block([n('scale', 'Mul', ['qk', 'c']), n('mask', 'Add', ['m', 'scale'])], 'mask', {
        inputs: [...qkvInputs(), tensorInfo('m', 'float_type', [1, 1, 1, 4])],
      }),
      pattern: 'dot → mul(scale) → add(mask) → softmax → dot',
      roles: { ...BASE_ROLES, scale: 'scores', mask: 'scores' },
    },
    {
      name: 'Where mask: where(cond, scores, −inf)',
      model: block([n('scale', 'Mul', ['qk', 'c']), n('mask', 'Where', ['cond', 'scale', 'ninf'])], 'mask', {
        inputs: [...qkvInputs(), tensorInfo('cond', 'bool_type', [1, 1, 4, 4])],
        initializers: { ninf: scalar(-Infinity) },
      }),
      pattern: 'dot → mul(scale) → where(mask) → softmax → dot',
      roles: { ...BASE_ROLES, scale: 'scores', mask: 'scores' },
    },
    {
      name: 'Where mask: where(cond, −inf, scores)',
      model: block([n('scale', 'Mul', ['qk', 'c']), n('mask', 'Where', ['cond', 'ninf', 'scale'])], 'mask', {
        inputs: [...qkvInputs(), tensorInfo('cond', 'bool_type', [1, 1, 4, 4])],
        initializers: { ninf: scalar(-3.4028234663852886e38) },
      }),
      pattern: 'dot → mul(scale) → where(mask) → softmax → dot',
      roles: { ...BASE_ROLES, scale: 'scores', mask: 'scores' },
    },
    {
      name: 'bool padding mask turned additive: (1 − float(mask)) · −10000',
      model: block(
        [
          n('mf', 'Cast', ['m'], [attr.int('to', OnnxDataType.FLOAT)]),
          n('inv', 'Sub', ['one', 'mf']),
          n('big', 'Mul', ['inv', 'neg']),
          n('scale', 'Mul', ['qk', 'c']),
          n('mask', 'Add', ['scale', 'big']),
        ],
        'mask',
        { inputs: [...qkvInputs(), tensorInfo('m', 'bool_type', [1, 1, 1, 4])], initializers: { one: scalar(1), neg: scalar(-10000) } },
      ),
      pattern: 'dot → mul(scale) → add(mask) → softmax → dot',
      roles: { ...BASE_ROLES, scale: 'scores', mask: 'scores' },
    },
    {
      name: 'causal mask from Trilu: where(trilu(ones) == 0, −inf, scores)',
      model: block(
        [
          n('tri', 'Trilu', ['ones'], [attr.int('upper', 0)]),
          n('eq', 'Equal', ['tri', 'zero']),
          n('scale', 'Mul', ['qk', 'c']),
          n('mask', 'Where', ['eq', 'ninf', 'scale']),
        ],
        'mask',
        { initializers: { ones: Tensor.fromNumbers('float_type', [4, 4], new Array<number>(16).fill(1)), zero: scalar(0), ninf: scalar(-Infinity) } },
      ),
      pattern: 'dot → mul(scale) → where(causal mask) → softmax → dot [causal mask]',
      roles: { ...BASE_ROLES, scale: 'scores', mask: 'scores' },
    },
    {
      name: 'causal mask from Range + Less: where(row < col, −inf, scores)',
      model: block(
        [
          n('pos', 'Range', ['start', 'limit', 'delta']),
          n('rows', 'Unsqueeze', ['pos', 'axis1']),
          n('cols', 'Unsqueeze', ['pos', 'axis0']),
          n('future', 'Less', ['rows', 'cols']),
          n('scale', 'Mul', ['qk', 'c']),
          n('mask', 'Where', ['future', 'ninf', 'scale']),
        ],
        'mask',
        {
          initializers: {
            start: Tensor.fromNumbers('int64_type', [], [0]),
            limit: Tensor.fromNumbers('int64_type', [], [4]),
            delta: Tensor.fromNumbers('int64_type', [], [1]),
            axis0: ints(0),
            axis1: ints(1),
            ninf: scalar(-Infinity),
          },
        },
      ),
      pattern: 'dot → mul(scale) → where(causal mask) → softmax → dot [causal mask]',
      roles: { ...BASE_ROLES, scale: 'scores', mask: 'scores' },
    },
    {
      name: 'causal mask sliced from a bias buffer, GPT-2 style: w·b − 1e4·(1 − b)',
      model: block(
        [
          n('b', 'Slice', ['buf', 'starts', 'ends', 'axes']),
          n('scale', 'Div', ['qk', 'd']),
          n('masked', 'Mul', ['scale', 'b']),
          n('inv', 'Sub', ['one', 'b']),
          n('fill', 'Mul', ['big', 'inv']),
          n('mask', 'Sub', ['masked', 'fill']),
        ],
        'mask',
        { initializers: { buf: lowerTriangle(8), starts: ints(0, 0), ends: ints(4, 4), axes: ints(2, 3), d: scalar(2.828), one: scalar(1), big: scalar(10000) } },
      ),
      pattern: 'dot → div(scale) → mul(causal mask) → sub(causal mask) → softmax → dot [causal mask]',
      roles: { ...BASE_ROLES, scale: 'scores', masked: 'scores', mask: 'scores' },
    },
    {
      name: 'arithmetic mask from a model input: s·m − 1e4·(1 − m)',
      model: block(
        [
          n('scale', 'Mul', ['qk', 'c']),
          n('masked', 'Mul', ['scale', 'm']),
          n('inv', 'Sub', ['one', 'm']),
          n('fill', 'Mul', ['inv', 'big']),
          n('mask', 'Sub', ['masked', 'fill']),
        ],
        'mask',
        { inputs: [...qkvInputs(), tensorInfo('m', 'float_type', [1, 1, 4, 4])], initializers: { one: scalar(1), big: scalar(10000) } },
      ),
      pattern: 'dot → mul(scale) → mul(mask) → sub(mask) → softmax → dot',
      roles: { ...BASE_ROLES, scale: 'scores', masked: 'scores', mask: 'scores' },
    },
    {
      name: 'fp16 model with an fp32 softmax (Cast around Softmax)',
      model: buildModel({
        inputs: qkvInputs('half_type'),
        outputs: ['pv'],
        initializers: { c: scalar(0.35, 'half_type') },
        nodes: [
          transposeK(),
          scores(),
          n('scale', 'Mul', ['qk', 'c']),
          n('up', 'Cast', ['scale'], [attr.int('to', OnnxDataType.FLOAT)]),
          softmax('up'),
          n('down', 'Cast', ['sm'], [attr.int('to', OnnxDataType.FLOAT16)]),
          weighted('down'),
        ],
      }),
      pattern: 'dot → mul(scale) → convert(float) → softmax → convert(half) → dot [cast island]',
      roles: { ...BASE_ROLES, scale: 'scores', up: 'scores', down: 'probs' },
    },
    {
      name: 'Reshape to 3-D around the softmax',
      model: buildModel({
        inputs: qkvInputs(),
        outputs: ['pv'],
        initializers: { c: scalar(0.35), flat3: ints(2, 4, 4), full4: ints(...SCORES) },
        nodes: [transposeK(), scores(), n('scale', 'Mul', ['qk', 'c']), n('flat', 'Reshape', ['scale', 'flat3']), softmax('flat'), n('back', 'Reshape', ['sm', 'full4']), weighted('back')],
      }),
      pattern: 'dot → mul(scale) → reshape → softmax → reshape → dot',
      roles: { ...BASE_ROLES, scale: 'scores', flat: 'scores', back: 'probs' },
    },
    {
      name: 'Transpose around the softmax (keys on axis 2 while normalising)',
      model: buildModel({
        inputs: qkvInputs(),
        outputs: ['pv'],
        initializers: { c: scalar(0.35) },
        nodes: [
          transposeK(),
          scores(),
          n('scale', 'Mul', ['qk', 'c']),
          n('tr', 'Transpose', ['scale'], [attr.ints('perm', [0, 1, 3, 2])]),
          softmax('tr', 2),
          n('back', 'Transpose', ['sm'], [attr.ints('perm', [0, 1, 3, 2])]),
          weighted('back'),
        ],
      }),
      pattern: 'dot → mul(scale) → transpose → softmax → transpose → dot',
      roles: { ...BASE_ROLES, scale: 'scores', tr: 'scores', back: 'probs' },
    },
    {
      name: 'softcap: cap · tanh(scores / cap)',
      model: block([n('scale', 'Mul', ['qk', 'c']), n('capdiv', 'Div', ['scale', 'cap']), n('tanh', 'Tanh', ['capdiv']), n('capmul', 'Mul', ['tanh', 'cap'])], 'capmul', {
        initializers: { cap: scalar(30) },
      }),
      pattern: 'dot → mul(scale) → softcap → softmax → dot [softcap]',
      roles: { ...BASE_ROLES, scale: 'scores', capdiv: 'scores', tanh: 'scores', capmul: 'scores' },
    },
    {
      name: 'K transposed by (0,2,3,1) from [batch, seq, heads, size]',
      model: buildModel({
        inputs: ['q', 'k', 'v'].map((x) => tensorInfo(x, 'float_type', [1, 4, 2, 8])),
        outputs: ['pv'],
        initializers: { d: scalar(2.828) },
        nodes: [
          n('qh', 'Transpose', ['q'], [attr.ints('perm', [0, 2, 1, 3])]),
          n('kt', 'Transpose', ['k'], [attr.ints('perm', [0, 2, 3, 1])]),
          n('vh', 'Transpose', ['v'], [attr.ints('perm', [0, 2, 1, 3])]),
          scores('qh'),
          n('scale', 'Div', ['qk', 'd']),
          softmax('scale'),
          weighted('sm', 'vh'),
        ],
      }),
      pattern: 'dot → div(scale) → softmax → dot',
      roles: { ...BASE_ROLES, scale: 'scores' },
    },
    {
      name: 'Gemm projections with transB (opset 11), scores by Gemm transB with alpha',
      model: buildModel({
        opset: 11,
        inputs: [tensorInfo('x', 'float_type', [4, 8])],
        outputs: ['pv'],
        initializers: { wq: weights(8, 8, 1), wk: weights(8, 8, 2), wv: weights(8, 8, 3), bq: Tensor.fromNumbers('float_type', [8], new Array<number>(8).fill(0.5)) },
        nodes: [
          n('q', 'Gemm', ['x', 'wq', 'bq'], [attr.int('transB', 1)]),
          n('k', 'Gemm', ['x', 'wk'], [attr.int('transB', 1)]),
          n('v', 'Gemm', ['x', 'wv'], [attr.int('transB', 1)]),
          n('qk', 'Gemm', ['q', 'k'], [attr.int('transB', 1), attr.float('alpha', 0.35)]),
          softmax('qk', 1),
          n('pv', 'Gemm', ['sm', 'v']),
        ],
      }),
      pattern: 'mul(scale on q) → dot → softmax → dot',
      roles: BASE_ROLES,
    },
    {
      name: 'GQA: K/V heads repeated by Unsqueeze → Expand → Reshape',
      model: gqa((x) => [
        n(`${x}u`, 'Unsqueeze', [x, 'axis2']),
        n(`${x}e`, 'Expand', [`${x}u`, 'spread']),
        n(`${x}r`, 'Reshape', [`${x}e`, 'merged']),
      ]),
      pattern: 'dot → mul(scale) → softmax → dot [GQA expansion]',
      roles: { ...BASE_ROLES, scale: 'scores' },
    },
    {
      name: 'GQA: K/V heads repeated by Unsqueeze → Tile → Reshape',
      model: gqa((x) => [n(`${x}u`, 'Unsqueeze', [x, 'axis2']), n(`${x}e`, 'Tile', [`${x}u`, 'repeats']), n(`${x}r`, 'Reshape', [`${x}e`, 'merged'])]),
      pattern: 'dot → mul(scale) → softmax → dot [GQA expansion]',
      roles: { ...BASE_ROLES, scale: 'scores' },
    },
    {
      name: 'KV cache: past K and V concatenated on the sequence axis',
      model: buildModel({
        inputs: [...qkvInputs(), tensorInfo('past_k', 'float_type', [1, 2, 3, 8]), tensorInfo('past_v', 'float_type', [1, 2, 3, 8])],
        outputs: ['pv', 'kc', 'vc'],
        initializers: { c: scalar(0.35) },
        nodes: [
          n('kc', 'Concat', ['past_k', 'k'], [attr.int('axis', 2)]),
          n('vc', 'Concat', ['past_v', 'v'], [attr.int('axis', 2)]),
          transposeK('kc'),
          scores(),
          n('scale', 'Mul', ['qk', 'c']),
          softmax('scale'),
          weighted('sm', 'vc'),
        ],
      }),
      pattern: 'dot → mul(scale) → softmax → dot [KV-cache concat]',
      roles: { ...BASE_ROLES, scale: 'scores' },
    },
    {
      name: 'softmax decomposed into ReduceMax / Sub / Exp / ReduceSum / Div',
      model: buildModel({
        inputs: qkvInputs(),
        outputs: ['pv'],
        initializers: { c: scalar(0.35), last: ints(-1) },
        nodes: [
          transposeK(),
          scores(),
          n('scale', 'Mul', ['qk', 'c']),
          n('rmax', 'ReduceMax', ['scale'], [attr.ints('axes', [-1]), attr.int('keepdims', 1)]),
          n('shift', 'Sub', ['scale', 'rmax']),
          n('exp', 'Exp', ['shift']),
          n('rsum', 'ReduceSum', ['exp', 'last'], [attr.int('keepdims', 1)]),
          n('sm', 'Div', ['exp', 'rsum']),
          weighted(),
        ],
      }),
      pattern: 'dot → mul(scale) → softmax → dot [decomposed softmax]',
      roles: { ...BASE_ROLES, scale: 'scores', rmax: 'softmax', shift: 'softmax', exp: 'softmax', rsum: 'softmax' },
    },
    {
      name: 'ONNX Attention (opset 23): causal, GQA',
      model: buildModel({
        opset: 23,
        inputs: [tensorInfo('q', 'float_type', [1, 4, 3, 8]), tensorInfo('k', 'float_type', [1, 2, 3, 8]), tensorInfo('v', 'float_type', [1, 2, 3, 8])],
        outputs: ['y'],
        nodes: [{ name: 'attn', op: 'Attention', inputs: ['q', 'k', 'v'], outputs: ['y'], attrs: [attr.int('is_causal', 1)] }],
      }),
      pattern: 'mul(scale on q, k) → dot → add(causal mask) → softmax → dot [ONNX Attention, causal mask, GQA expansion]',
      roles: { attn: ['gemm1', 'scores', 'softmax', 'gemm2'] },
    },
    {
      name: 'com.microsoft Attention: packed QKV projection, unidirectional, past state',
      model: buildModel({
        opsets: { 'com.microsoft': 1 },
        inputs: [tensorInfo('x', 'float_type', [1, 3, 8]), tensorInfo('past', 'float_type', [2, 1, 2, 2, 4])],
        initializers: { w: weights(8, 24, 4), b: Tensor.fromNumbers('float_type', [24], new Array<number>(24).fill(0.1)) },
        outputs: ['y', 'present'],
        nodes: [
          {
            name: 'attn',
            op: 'Attention',
            domain: 'com.microsoft',
            inputs: ['x', 'w', 'b', '', 'past'],
            outputs: ['y', 'present'],
            attrs: [attr.int('num_heads', 2), attr.int('unidirectional', 1)],
          },
        ],
      }),
      pattern: 'dot → mul(scale) → add(causal mask) → softmax → dot [com.microsoft Attention, causal mask, KV-cache concat]',
      roles: { attn: ['gemm1', 'scores', 'softmax', 'gemm2'] },
    },
    {
      name: 'com.microsoft MultiHeadAttention: past key and value',
      model: buildModel({
        opsets: { 'com.microsoft': 1 },
        inputs: [
          ...['q', 'k', 'v'].map((x) => tensorInfo(x, 'float_type', [1, 3, 8])),
          tensorInfo('pk', 'float_type', [1, 2, 2, 4]),
          tensorInfo('pv', 'float_type', [1, 2, 2, 4]),
        ],
        outputs: ['y', 'present_k', 'present_v'],
        nodes: [
          {
            name: 'mha',
            op: 'MultiHeadAttention',
            domain: 'com.microsoft',
            inputs: ['q', 'k', 'v', '', '', '', 'pk', 'pv'],
            outputs: ['y', 'present_k', 'present_v'],
            attrs: [attr.int('num_heads', 2)],
          },
        ],
      }),
      pattern: 'dot → mul(scale) → softmax → dot [com.microsoft MultiHeadAttention, KV-cache concat]',
      roles: { mha: ['gemm1', 'scores', 'softmax', 'gemm2'] },
    },
    {
      name: 'com.microsoft GroupQueryAttention: past cache, seqlens_k, shared KV heads',
      model: buildModel({
        opsets: { 'com.microsoft': 1 },
        inputs: [
          tensorInfo('q', 'float_type', [1, 2, 8]),
          tensorInfo('k', 'float_type', [1, 2, 4]),
          tensorInfo('v', 'float_type', [1, 2, 4]),
          tensorInfo('pk', 'float_type', [1, 2, 3, 2]),
          tensorInfo('pv', 'float_type', [1, 2, 3, 2]),
          tensorInfo('seqlens', 'int32_type', [1]),
          tensorInfo('total', 'int32_type', []),
        ],
        outputs: ['y', 'present_k', 'present_v'],
        nodes: [
          {
            name: 'gqa',
            op: 'GroupQueryAttention',
            domain: 'com.microsoft',
            inputs: ['q', 'k', 'v', 'pk', 'pv', 'seqlens', 'total'],
            outputs: ['y', 'present_k', 'present_v'],
            attrs: [attr.int('num_heads', 4), attr.int('kv_num_heads', 2)],
          },
        ],
      }),
      pattern: 'dot → mul(scale) → add(mask) → softmax → where(zero rows) → dot [com.microsoft GroupQueryAttention, KV-cache concat, GQA expansion]',
      roles: { gqa: ['gemm1', 'scores', 'softmax', 'probs', 'gemm2'] },
    },
  ];
}

/** Deterministic small weights. */
function weights(rows: number, cols: number, seed: number): Tensor {
  return Tensor.fromNumbers(
    'float_type',
    [rows, cols],
    Array.from({ length: rows * cols }, (_, i) => (((i * 7 + seed * 13) % 17) - 8) / 16),
  );
}

/** 4 query heads over 2 KV heads; `repeat(x)` turns x ∈ {k, v} into `${x}r` with 4 heads. */
function gqa(repeat: (x: string) => NodeSpec[]): OnnxModel {
  return buildModel({
    inputs: [tensorInfo('q', 'float_type', [1, 4, 4, 8]), tensorInfo('k', 'float_type', [1, 2, 4, 8]), tensorInfo('v', 'float_type', [1, 2, 4, 8])],
    outputs: ['pv'],
    initializers: { c: scalar(0.35), axis2: ints(2), spread: ints(1, 2, 2, 4, 8), repeats: ints(1, 1, 2, 1, 1), merged: ints(1, 4, 4, 8) },
    nodes: [...repeat('k'), ...repeat('v'), transposeK('kr'), scores(), n('scale', 'Mul', ['qk', 'c']), softmax('scale'), weighted('sm', 'vr')],
  });
}
