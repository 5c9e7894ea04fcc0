// Importer mechanics, checked on the printed IR: MIGraphX's instruction order, MatMul / Gemm / Softmax /
// Reshape lowerings, folding of shape plumbing, symbolic dims, error messages, functions, origins.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importModel } from '../../src/onnx/import.js';
import { ModelError } from '../../src/errors.js';
import { Tensor } from '../../src/ir/tensor.js';
import { attr, buildModel, f32, i64, localFunction, tensorInfo } from './helpers/model-builder.js';
import { importAndRun, values } from './helpers/run.js';

const text = (model: Parameters<typeof importModel>[0], options?: Parameters<typeof importModel>[1]) => importModel(model, options).program.toString();
const lines = (...l: string[]) => ['module: "main"', ...l, '', ''].join('\n');

test('initializers become literals and inputs parameters, both at the front in MIGraphX order', () => {
  const model = buildModel({
    inputs: [tensorInfo('x', 'float_type', [2, 3]), tensorInfo('y', 'float_type', [2, 3])],
    outputs: ['out'],
    initializers: { w1: f32([2, 3]), w2: f32([3]) },
    nodes: [
      { op: 'Add', inputs: ['x', 'w1'], outputs: ['a'] },
      { op: 'Add', inputs: ['a', 'w2'], outputs: ['b'] },
      { op: 'Mul', inputs: ['b', 'y'], outputs: ['out'] },
    ],
  });
  assert.equal(
    text(model),
    lines(
      'y = @param:y -> float_type, {2, 3}, {3, 1}',
      'x = @param:x -> float_type, {2, 3}, {3, 1}',
      '@2 = @literal{0, 1, 2} -> float_type, {3}, {1}',
      '@3 = @literal{0, 1, 2, 3, 4, 5} -> float_type, {2, 3}, {3, 1}',
      '@4 = add(x,@3) -> float_type, {2, 3}, {3, 1}',
      '@5 = multibroadcast[out_lens={2, 3},out_dyn_dims={}](@2) -> float_type, {2, 3}, {0, 1}',
      '@6 = add(@4,@5) -> float_type, {2, 3}, {3, 1}',
      '@7 = mul(@6,y) -> float_type, {2, 3}, {3, 1}',
      '@8 = @return(@7)',
    ),
  );
});

test('MatMul broadcasts batch dims and unsqueezes / squeezes a 1-D operand', () => {
  const model = buildModel({
    inputs: [tensorInfo('a', 'float_type', [2, 1, 3, 4]), tensorInfo('b', 'float_type', [5, 4, 6]), tensorInfo('v', 'float_type', [6])],
    outputs: ['y', 'z'],
    nodes: [
      { op: 'MatMul', inputs: ['a', 'b'], outputs: ['y'] },
      { op: 'MatMul', inputs: ['y', 'v'], outputs: ['z'] },
    ],
  });
  assert.equal(
    text(model),
    lines(
      'v = @param:v -> float_type, {6}, {1}',
      'b = @param:b -> float_type, {5, 4, 6}, {24, 6, 1}',
      'a = @param:a -> float_type, {2, 1, 3, 4}, {12, 12, 4, 1}',
      '@3 = multibroadcast[out_lens={2, 5, 3, 4},out_dyn_dims={}](a) -> float_type, {2, 5, 3, 4}, {12, 0, 4, 1}',
      '@4 = multibroadcast[out_lens={2, 5, 4, 6},out_dyn_dims={}](b) -> float_type, {2, 5, 4, 6}, {0, 24, 6, 1}',
      '@5 = dot(@3,@4) -> float_type, {2, 5, 3, 6}, {90, 18, 6, 1}',
      '@6 = unsqueeze[axes={1},steps={}](v) -> float_type, {6, 1}, {1, 1}',
      '@7 = multibroadcast[out_lens={2, 5, 6, 1},out_dyn_dims={}](@6) -> float_type, {2, 5, 6, 1}, {0, 0, 1, 1}',
      '@8 = dot(@5,@7) -> float_type, {2, 5, 3, 1}, {15, 3, 1, 1}',
      '@9 = squeeze[axes={3}](@8) -> float_type, {2, 5, 3}, {15, 3, 1}',
      '@10 = @return(@5,@9)',
    ),
  );
});

test('MatMul of two vectors is a rank-0 dot product', () => {
  const model = buildModel({
    inputs: [tensorInfo('a', 'float_type', [3]), tensorInfo('b', 'float_type', [3])],
    outputs: ['y'],
    nodes: [{ op: 'MatMul', inputs: ['a', 'b'], outputs: ['y'] }],
  });
  const { outputs } = importAndRun(model, { a: f32([3], [1, 2, 3]), b: f32([3], [4, 5, 6]) });
  assert.deepEqual(outputs[0]!.shape.lens, []);
  assert.deepEqual(values(outputs[0]!), [32]);
});

test('Gemm scales A by alpha before transposing, and C by beta after broadcasting it', () => {
  const model = buildModel({
    inputs: [tensorInfo('a', 'float_type', [3, 4]), tensorInfo('b', 'float_type', [5, 4]), tensorInfo('c', 'float_type', [5])],
    outputs: ['y'],
    nodes: [{ op: 'Gemm', inputs: ['a', 'b', 'c'], outputs: ['y'], attrs: [attr.float('alpha', 0.5), attr.float('beta', 2), attr.int('transB', 1)] }],
  });
  assert.equal(
    text(model),
    lines(
      '@0 = @literal{2} -> float_type, {1}, {0}',
      '@1 = @literal{0.5} -> float_type, {1}, {0}',
      'c = @param:c -> float_type, {5}, {1}',
      'b = @param:b -> float_type, {5, 4}, {4, 1}',
      'a = @param:a -> float_type, {3, 4}, {4, 1}',
      '@5 = multibroadcast[out_lens={3, 4},out_dyn_dims={}](@1) -> float_type, {3, 4}, {0, 0}',
      '@6 = mul(@5,a) -> float_type, {3, 4}, {4, 1}',
      '@7 = transpose[permutation={1, 0}](b) -> float_type, {4, 5}, {1, 4}',
      '@8 = dot(@6,@7) -> float_type, {3, 5}, {5, 1}',
      '@9 = multibroadcast[out_lens={3, 5},out_dyn_dims={}](c) -> float_type, {3, 5}, {0, 1}',
      '@10 = multibroadcast[out_lens={3, 5},out_dyn_dims={}](@0) -> float_type, {3, 5}, {0, 0}',
      '@11 = mul(@9,@10) -> float_type, {3, 5}, {5, 1}',
      '@12 = add(@8,@11) -> float_type, {3, 5}, {5, 1}',
      '@13 = @return(@12)',
    ),
  );
});

test('Gemm with defaults is a bare dot, and beta = 0 drops C', () => {
  const model = buildModel({
    inputs: [tensorInfo('a', 'float_type', [2, 3]), tensorInfo('b', 'float_type', [3, 4]), tensorInfo('c', 'float_type', [2, 4])],
    outputs: ['y'],
    nodes: [{ op: 'Gemm', inputs: ['a', 'b', 'c'], outputs: ['y'], attrs: [attr.float('beta', 0)] }],
  });
  assert.match(text(model), /@3 = dot\(a,b\) -> float_type, \{2, 4\}, \{4, 1\}\n@4 = @return\(@3\)/);
});

test('Softmax before opset 13 flattens to 2-D at axis; from 13 it normalizes one axis (default -1)', () => {
  const spec = (opset: number, axis?: number) =>
    buildModel({
      opset,
      inputs: [tensorInfo('x', 'float_type', [2, 3, 4])],
      outputs: ['y'],
      nodes: [{ op: 'Softmax', inputs: ['x'], outputs: ['y'], attrs: axis === undefined ? [] : [attr.int('axis', axis)] }],
    });
  assert.equal(
    text(spec(11)),
    lines(
      'x = @param:x -> float_type, {2, 3, 4}, {12, 4, 1}',
      '@1 = reshape[dims={2, 12}](x) -> float_type, {2, 12}, {12, 1}',
      '@2 = softmax[axis=1](@1) -> float_type, {2, 12}, {12, 1}',
      '@3 = reshape[dims={2, 3, 4}](@2) -> float_type, {2, 3, 4}, {12, 4, 1}',
      '@4 = @return(@3)',
    ),
  );
  assert.match(text(spec(11, -1)), /@1 = softmax\[axis=2\]\(x\)/);
  assert.match(text(spec(13)), /@1 = softmax\[axis=2\]\(x\)/);
  assert.match(text(spec(13, -2)), /@1 = softmax\[axis=1\]\(x\)/);

  // Numerically: opset 11, axis 1 normalizes each batch row's 12 values together.
  const x = f32([2, 3, 4]).toNumbers().map((v) => v / 10);
  const { outputs } = importAndRun(spec(11), { x: f32([2, 3, 4], x) });
  const expected: number[] = [];
  for (let b = 0; b < 2; b++) {
    const row = x.slice(12 * b, 12 * b + 12);
    const sum = row.reduce((s, v) => s + Math.exp(v), 0);
    expected.push(...row.map((v) => Number((Math.exp(v) / sum).toFixed(5)) + 0));
  }
  assert.deepEqual(values(outputs[0]!), expected);
});

test('Reshape resolves 0 (copy) and -1 (infer); allowzero keeps a literal 0', () => {
  const model = (shape: number[], allowzero: number, lens: number[]) =>
    buildModel({
      inputs: [tensorInfo('x', 'float_type', lens)],
      outputs: ['y'],
      initializers: { shape: i64(shape) },
      nodes: [{ op: 'Reshape', inputs: ['x', 'shape'], outputs: ['y'], attrs: [attr.int('allowzero', allowzero)] }],
    });
  assert.match(text(model([0, -1], 0, [2, 3, 4])), /reshape\[dims=\{2, 12\}\]\(x\) -> float_type, \{2, 12\}, \{12, 1\}/);
  assert.match(text(model([-1, 0, 2], 0, [2, 3, 4])), /reshape\[dims=\{4, 3, 2\}\]\(x\)/);
  assert.match(text(model([3, 0], 1, [0, 3])), /reshape\[dims=\{3, 0\}\]\(x\) -> float_type, \{3, 0\}/);
  assert.throws(() => importModel(model([5, -1], 0, [2, 3, 4])), /node 'Reshape_0' \(Reshape\): cannot infer -1 in \{5, -1\} for 24 elements/);
});

test('Shape -> Gather -> Concat -> Reshape folds to literal dims; the folded values are dropped', () => {
  const model = buildModel({
    inputs: [tensorInfo('x', 'float_type', [2, 3, 4])],
    outputs: ['y'],
    nodes: [
      { op: 'Shape', inputs: ['x'], outputs: ['s'] },
      { op: 'Constant', inputs: [], outputs: ['idx'], attrs: [attr.tensor('value', i64([0]))] },
      { op: 'Gather', inputs: ['s', 'idx'], outputs: ['batch'], attrs: [attr.int('axis', 0)] },
      { op: 'Constant', inputs: [], outputs: ['rest'], attrs: [attr.tensor('value', i64([-1]))] },
      { op: 'Concat', inputs: ['batch', 'rest'], outputs: ['shape'], attrs: [attr.int('axis', 0)] },
      { op: 'Reshape', inputs: ['x', 'shape'], outputs: ['y'] },
    ],
  });
  assert.equal(
    text(model),
    lines('x = @param:x -> float_type, {2, 3, 4}, {12, 4, 1}', '@1 = reshape[dims={2, 12}](x) -> float_type, {2, 12}, {12, 1}', '@2 = @return(@1)'),
  );
});

test('a folded value that is also a graph output stays, as a literal', () => {
  const model = buildModel({
    inputs: [tensorInfo('x', 'float_type', [2, 3])],
    outputs: ['s', 'n'],
    nodes: [
      { op: 'Shape', inputs: ['x'], outputs: ['s'] },
      { op: 'ReduceProd', inputs: ['s'], outputs: ['n'], attrs: [attr.int('keepdims', 0)] },
    ],
  });
  assert.equal(
    text(model),
    lines('@0 = @literal{6} -> int64_type, {}, {}', '@1 = @literal{2, 3} -> int64_type, {2}, {1}', 'x = @param:x -> float_type, {2, 3}, {3, 1}', '@3 = @return(@1,@0)'),
  );
});

test('a shape input that is not constant is a ModelError naming the input', () => {
  const model = buildModel({
    inputs: [tensorInfo('x', 'float_type', [2, 3]), tensorInfo('shape', 'int64_type', [2])],
    outputs: ['y'],
    nodes: [{ op: 'Reshape', inputs: ['x', 'shape'], outputs: ['y'], name: 'reshape1' }],
  });
  assert.throws(() => importModel(model), {
    name: 'ModelError',
    message: "node 'reshape1' (Reshape): input 1 ('shape', the target shape) must be a constant (shapes are static)",
  });
  // Bound at compile time, the same input is a literal.
  assert.match(text(model, { constantInputs: new Map([['shape', i64([3, 2])]]) }), /reshape\[dims=\{3, 2\}\]\(x\)/);
});

test('symbolic dims take --input-dim values, else the default with a warning; one name, one value', () => {
  const model = buildModel({
    inputs: [tensorInfo('x', 'float_type', ['batch', 'seq', 8]), tensorInfo('y', 'float_type', ['batch', 'seq', 8]), tensorInfo('z', 'float_type', [undefined, 4])],
    outputs: ['x'],
    nodes: [],
  });
  const bound = importModel(model, { inputDims: new Map([['batch', 3]]), defaultDimValue: 2 });
  assert.deepEqual(
    bound.inputs.map((i) => [i.name, [...i.shape.lens]]),
    [
      ['x', [3, 2, 8]],
      ['y', [3, 2, 8]],
      ['z', [2, 4]],
    ],
  );
  assert.deepEqual(
    bound.diagnostics.map((d) => [d.severity, d.code, d.message]),
    [
      ['warning', 'ONNX_SYMBOLIC_DIM_DEFAULTED', "input 'x' dim 1: symbolic dim 'seq' set to 2 (bind it with --input-dim seq=N)"],
      ['warning', 'ONNX_SYMBOLIC_DIM_DEFAULTED', "input 'y' dim 1: symbolic dim 'seq' set to 2 (bind it with --input-dim seq=N)"],
      ['warning', 'ONNX_SYMBOLIC_DIM_DEFAULTED', "input 'z' dim 0: unknown dim set to 2"],
    ],
  );
  const all = importModel(model, { inputDims: new Map([['batch', 4], ['seq', 16]]) });
  assert.deepEqual([...all.inputs[1]!.shape.lens], [4, 16, 8]);
  assert.equal(all.diagnostics.length, 1, 'only the unknown dim of z is defaulted (to 1)');
  assert.deepEqual([...all.inputs[2]!.shape.lens], [1, 4]);
});

test('an --input-dim name no input has is a ModelError listing the symbolic dims the model has', () => {
  const model = buildModel({
    inputs: [tensorInfo('x', 'float_type', ['batch', 'sequence', 8])],
    outputs: ['x'],
    nodes: [],
  });
  assert.throws(() => importModel(model, { inputDims: new Map([['batch', 2], ['seq', 16]]) }), {
    name: 'ModelError',
    message: "--input-dim 'seq': no graph input has a symbolic dim of that name (its symbolic dims are 'batch', 'sequence')",
  });
  const fixed = buildModel({ inputs: [tensorInfo('x', 'float_type', [2, 8])], outputs: ['x'], nodes: [] });
  assert.throws(() => importModel(fixed, { inputDims: new Map([['n', 1], ['m', 2]]) }), {
    name: 'ModelError',
    message: "--input-dim 'n', 'm': no graph input has symbolic dims of those names (its inputs have no symbolic dims)",
  });
});

test('an unsupported operator is a located ModelError with domain and opset', () => {
  const model = buildModel({
    inputs: [tensorInfo('x', 'float_type', [2])],
    outputs: ['y', 'z'],
    opsets: { 'com.example': 3 },
    nodes: [
      { op: 'Relu', inputs: ['x'], outputs: ['y'] },
      { op: 'Frobnicate', inputs: ['y'], outputs: ['z'] },
    ],
  });
  assert.throws(() => importModel(model), (e: unknown) => {
    assert.ok(e instanceof ModelError);
    assert.equal(e.message, "node 'Frobnicate_1' (Frobnicate): unsupported operator Frobnicate (domain '', opset 17)");
    assert.deepEqual(e.location, { node: 'Frobnicate_1', opType: 'Frobnicate' });
    return true;
  });
  const custom = buildModel({
    inputs: [tensorInfo('x', 'float_type', [2])],
    outputs: ['y'],
    opsets: { 'com.example': 3 },
    nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'], domain: 'com.example' }],
  });
  assert.throws(() => importModel(custom), { message: "node 'Relu_0' (Relu): unsupported operator Relu (domain 'com.example', opset 3)" });
});

test('nodes are sorted by data dependencies; a cycle is a ModelError naming the loop', () => {
  const unsorted = buildModel({
    inputs: [tensorInfo('x', 'float_type', [2])],
    outputs: ['b'],
    nodes: [
      { op: 'Relu', inputs: ['a'], outputs: ['b'] },
      { op: 'Exp', inputs: ['x'], outputs: ['a'] },
    ],
  });
  assert.equal(
    text(unsorted),
    lines('x = @param:x -> float_type, {2}, {1}', '@1 = exp(x) -> float_type, {2}, {1}', '@2 = relu(@1) -> float_type, {2}, {1}', '@3 = @return(@2)'),
  );

  const cyclic = buildModel({
    inputs: [tensorInfo('x', 'float_type', [2])],
    outputs: ['a'],
    nodes: [
      { op: 'Add', inputs: ['x', 'b'], outputs: ['a'] },
      { op: 'Relu', inputs: ['a'], outputs: ['b'] },
      { op: 'Exp', inputs: ['x'], outputs: ['c'] },
    ],
  });
  assert.throws(() => importModel(cyclic), { name: 'ModelError', message: "node 'Relu_1' (Relu): cyclic graph: 'Relu_1' -> 'Add_0' -> 'Relu_1'" });
});

test('an unknown input name is a ModelError naming node and input', () => {
  const model = buildModel({
    inputs: [tensorInfo('x', 'float_type', [2])],
    outputs: ['y'],
    nodes: [{ op: 'Add', inputs: ['x', 'nope'], outputs: ['y'], name: 'add1' }],
  });
  assert.throws(() => importModel(model), { message: "node 'add1' (Add): input 'nope' is not produced by any node, input or initializer" });
});

test('a failing lowering becomes a ModelError located at its node', () => {
  const model = buildModel({
    inputs: [tensorInfo('x', 'float_type', [2, 3]), tensorInfo('y', 'float_type', [4])],
    outputs: ['z'],
    nodes: [{ op: 'Add', inputs: ['x', 'y'], outputs: ['z'], name: 'bad_add' }],
  });
  assert.throws(() => importModel(model), { name: 'ModelError', message: /^node 'bad_add' \(Add\): cannot broadcast \{2, 3\} with \{4\}$/ });
});

test('non-tensor graph inputs and element types are unsupported-type ModelErrors', () => {
  const sequence = buildModel({
    inputs: [{ name: 's', type: { kind: 'sequence', elemType: undefined, dims: undefined } }],
    outputs: ['s'],
    nodes: [],
  });
  assert.throws(() => importModel(sequence), { name: 'ModelError', message: "graph input 's' has unsupported type sequence (only tensors are supported)" });
  const strings = buildModel({ inputs: [{ name: 't', type: { kind: 'tensor', elemType: 8, dims: [2] } }], outputs: ['t'], nodes: [] });
  assert.throws(() => importModel(strings), { name: 'ModelError', message: /string/i });
});

test('graph outputs may be graph inputs or initializers', () => {
  const model = buildModel({
    inputs: [tensorInfo('x', 'float_type', [2])],
    outputs: ['x', 'w', 'x'],
    initializers: { w: f32([1], [7]) },
    nodes: [],
  });
  const result = importModel(model);
  assert.equal(result.program.toString(), lines('x = @param:x -> float_type, {2}, {1}', '@1 = @literal{7} -> float_type, {1}, {1}', '@2 = @return(x,@1,x)'));
  assert.deepEqual(
    result.outputs.map((o) => o.name),
    ['x', 'w', 'x'],
  );
});

test('every instruction made for a node records its origin; the last one names the output', () => {
  const model = buildModel({
    inputs: [tensorInfo('a', 'float_type', [2, 3]), tensorInfo('b', 'float_type', [3])],
    outputs: ['y'],
    nodes: [{ op: 'Gemm', inputs: ['a', 'b2', 'b'], outputs: ['y'], name: 'fc', attrs: [attr.float('alpha', 2)] }],
    initializers: { b2: f32([3, 3]) },
  });
  const m = importModel(model).program.mainModule();
  const made = m.instructions().filter((i) => !i.isParam() && !i.isReturn() && !(i.isLiteral() && i.shape.elements() === 9));
  assert.ok(made.length >= 5);
  for (const ins of made) {
    assert.equal(ins.origin?.node, 'fc', `${ins.op} has no origin`);
    assert.equal(ins.origin?.opType, 'Gemm');
    assert.equal(ins.origin?.index, 0);
  }
  assert.equal(m.returnInstruction()!.inputs[0]!.origin?.output, 'y');
});

test('local functions are inlined with attribute references, defaults and nested calls; recursion is an error', () => {
  const addScaled = localFunction({
    name: 'AddScaled',
    domain: 'local',
    inputs: ['X', 'B'],
    outputs: ['Y'],
    attributes: ['alpha'],
    defaults: [attr.float('alpha', 2)],
    nodes: [
      { op: 'Constant', inputs: [], outputs: ['C'], attrs: [attr.ref('value_float', 'alpha')] },
      { op: 'Mul', inputs: ['X', 'C'], outputs: ['M'] },
      { op: 'Add', inputs: ['M', 'B'], outputs: ['Y'] },
    ],
  });
  const twice = localFunction({
    name: 'Twice',
    domain: 'local',
    inputs: ['X'],
    outputs: ['Y'],
    nodes: [{ op: 'AddScaled', domain: 'local', inputs: ['X', 'X'], outputs: ['Y'] }],
  });
  const model = buildModel({
    inputs: [tensorInfo('x', 'float_type', [2]), tensorInfo('b', 'float_type', [2])],
    outputs: ['y1', 'y2'],
    opsets: { local: 1 },
    functions: [addScaled, twice],
    nodes: [
      { op: 'AddScaled', domain: 'local', inputs: ['x', 'b'], outputs: ['y1'], name: 'call1', attrs: [attr.float('alpha', 3)] },
      { op: 'Twice', domain: 'local', inputs: ['y1'], outputs: ['y2'], name: 'call2' },
    ],
  });
  const { result, outputs } = importAndRun(model, { x: f32([2], [1, 2]), b: f32([2], [10, 20]) });
  assert.deepEqual(values(outputs[0]!), [13, 26]); // 3·x + b
  assert.deepEqual(values(outputs[1]!), [39, 78]); // 2·y1 + y1 (default alpha)
  const m = result.program.mainModule();
  const mul = m.instructions().filter((i) => i.name === 'mul');
  assert.deepEqual(
    mul.map((i) => [i.origin?.node, i.origin?.caller, i.origin?.index]),
    [
      ['Mul_1', 'call1', 0],
      ['Mul_1', 'call2', 1],
    ],
  );

  const recursive = localFunction({ name: 'R', domain: 'local', inputs: ['X'], outputs: ['Y'], nodes: [{ op: 'R', domain: 'local', inputs: ['X'], outputs: ['Y'] }] });
  const loop = buildModel({
    inputs: [tensorInfo('x', 'float_type', [2])],
    outputs: ['y'],
    opsets: { local: 1 },
    functions: [recursive],
    nodes: [{ op: 'R', domain: 'local', inputs: ['x'], outputs: ['y'], name: 'r' }],
  });
  assert.throws(() => importModel(loop), { name: 'ModelError', message: /^node 'r' \(R\): in function local\.R, .*recursive function call: local\.R -> local\.R$/ });
});

test('a rank-0 ONNX tensor stays rank 0', () => {
  const model = buildModel({
    inputs: [tensorInfo('x', 'float_type', [])],
    outputs: ['y'],
    initializers: { c: Tensor.fromNumbers('float_type', [], [2]) },
    nodes: [{ op: 'Mul', inputs: ['x', 'c'], outputs: ['y'] }],
  });
  assert.equal(
    text(model),
    lines('x = @param:x -> float_type, {}, {}', '@1 = @literal{2} -> float_type, {}, {}', '@2 = mul(x,@1) -> float_type, {}, {}', '@3 = @return(@2)'),
  );
});
