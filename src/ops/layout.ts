// Layout ops. Views (transpose, multibroadcast, broadcast, slice, step, squeeze, unsqueeze, identity)
// only change lens/strides and alias their input; reshape, contiguous, concat, gather, reverse produce
// new standard tensors, layout a new tensor in a given memory order. Attributes hold normalized, non-negative values: the importer resolves ONNX's
// negative axes, -1/0 reshape dims and out-of-range slice bounds.

import { defineOp, ShapeError, type Op } from '../ir/op.js';
import { Shape } from '../ir/shape.js';
import { expectInputs, normalizeAxis, standard } from './common.js';

defineOp({
  name: 'identity',
  aliasesInput: 0,
  attrs: [],
  computeShape(_op, inputs) {
    expectInputs(inputs, 1);
    return inputs[0]!;
  },
});

defineOp({
  name: 'contiguous',
  attrs: [],
  computeShape(_op, inputs) {
    expectInputs(inputs, 1);
    return inputs[0]!.asStandard();
  },
});

/** The one input of a layout or transpose and its `permutation`, checked to permute the input's axes. */
function permuted(op: Op, inputs: readonly Shape[]): [Shape, readonly number[]] {
  expectInputs(inputs, 1);
  const s = inputs[0]!;
  const perm = op.ints('permutation');
  const sorted = [...perm].sort((a, b) => a - b);
  if (perm.length !== s.ndim || sorted.some((p, i) => p !== i)) {
    throw new ShapeError(`permutation {${perm.join(', ')}} is not a permutation of rank ${s.ndim}`);
  }
  return [s, perm];
}

// layout[permutation=P]: the same values in memory order P (MIGraphX's `layout`, shape::from_permutation):
// a copy whose result is transpose(…, P)-standard. Only fused ops end with one (layout-attention-output),
// so their kernel writes in that order; a group keeps its result's layout (ops/fused.ts).
defineOp({
  name: 'layout',
  attrs: [{ name: 'permutation', kind: 'ints' }],
  computeShape(op, inputs) {
    const [s, perm] = permuted(op, inputs);
    return Shape.fromPermutation(s.type, s.lens, perm);
  },
});

defineOp({
  name: 'transpose',
  aliasesInput: 0,
  attrs: [{ name: 'permutation', kind: 'ints' }],
  computeShape(op, inputs) {
    const [s, perm] = permuted(op, inputs);
    return new Shape(s.type, perm.map((p) => s.lens[p]!), perm.map((p) => s.strides[p]!));
  },
});

defineOp({
  name: 'multibroadcast',
  aliasesInput: 0,
  attrs: [
    { name: 'out_lens', kind: 'ints' },
    { name: 'out_dyn_dims', kind: 'ints', default: [] },
  ],
  computeShape(op, inputs) {
    expectInputs(inputs, 1);
    const s = inputs[0]!;
    const out = op.ints('out_lens');
    if (s.ndim > out.length) throw new ShapeError(`input rank ${s.ndim} exceeds output rank ${out.length}`);
    const off = out.length - s.ndim;
    const strides = out.map((l, i) => {
      if (i < off) return 0;
      const il = s.lens[i - off]!;
      if (il === l) return s.strides[i - off]!;
      if (il === 1) return 0;
      throw new ShapeError(`input {${s.lens.join(', ')}} cannot broadcast to {${out.join(', ')}}`);
    });
    return new Shape(s.type, out, strides);
  },
});

defineOp({
  name: 'broadcast',
  aliasesInput: 0,
  attrs: [
    { name: 'axis', kind: 'int' },
    { name: 'out_lens', kind: 'ints' },
    { name: 'out_dyn_dims', kind: 'ints', default: [] },
  ],
  computeShape(op, inputs) {
    expectInputs(inputs, 1);
    const s = inputs[0]!;
    const axis = op.int('axis');
    const out = op.ints('out_lens');
    if (axis < 0 || axis + s.ndim > out.length) throw new ShapeError(`axis ${axis} does not fit rank ${s.ndim} into {${out.join(', ')}}`);
    const strides = out.map((l, i) => {
      if (i < axis || i >= axis + s.ndim) return 0;
      const il = s.lens[i - axis]!;
      if (il === l) return s.strides[i - axis]!;
      if (il === 1) return 0;
      throw new ShapeError(`input {${s.lens.join(', ')}} does not match {${out.join(', ')}} at axis ${axis}`);
    });
    return new Shape(s.type, out, strides);
  },
});

defineOp({
  name: 'reshape',
  attrs: [{ name: 'dims', kind: 'ints' }],
  computeShape(op, inputs) {
    expectInputs(inputs, 1);
    const s = inputs[0]!;
    const dims = op.ints('dims');
    if (dims.some((d) => !Number.isInteger(d) || d < 0)) throw new ShapeError(`dims {${dims.join(', ')}} must be resolved, non-negative`);
    const n = dims.reduce((a, b) => a * b, 1);
    if (n !== s.elements()) throw new ShapeError(`cannot reshape ${s.elements()} elements {${s.lens.join(', ')}} to {${dims.join(', ')}} (${n})`);
    return standard(s.type, dims);
  },
});

defineOp({
  name: 'squeeze',
  aliasesInput: 0,
  attrs: [{ name: 'axes', kind: 'ints' }],
  computeShape(op, inputs) {
    expectInputs(inputs, 1);
    const s = inputs[0]!;
    const axes = op.ints('axes').map((a) => normalizeAxis(a, s.ndim));
    const drop = axes.length === 0 ? s.lens.map((l, i) => (l === 1 ? i : -1)).filter((i) => i >= 0) : axes;
    for (const a of drop) if (s.lens[a] !== 1) throw new ShapeError(`axis ${a} has length ${s.lens[a]}, not 1`);
    const keep = s.lens.map((_, i) => i).filter((i) => !drop.includes(i));
    return new Shape(s.type, keep.map((i) => s.lens[i]!), keep.map((i) => s.strides[i]!));
  },
});

defineOp({
  name: 'unsqueeze',
  aliasesInput: 0,
  attrs: [
    { name: 'axes', kind: 'ints' },
    { name: 'steps', kind: 'ints', default: [] },
  ],
  computeShape(op, inputs) {
    expectInputs(inputs, 1);
    const s = inputs[0]!;
    const rank = s.ndim + op.ints('axes').length;
    const axes = op.ints('axes').map((a) => normalizeAxis(a, rank));
    if (new Set(axes).size !== axes.length) throw new ShapeError(`repeated axis in {${axes.join(', ')}}`);
    const lens: number[] = [];
    const strides: number[] = [];
    let k = 0;
    for (let i = 0; i < rank; i++) {
      if (axes.includes(i)) {
        lens.push(1);
        strides.push(-1);
      } else {
        lens.push(s.lens[k]!);
        strides.push(s.strides[k]!);
        k++;
      }
    }
    // An inserted axis gets the stride that keeps a standard input standard.
    for (let i = rank - 1; i >= 0; i--) {
      if (strides[i] !== -1) continue;
      strides[i] = i === rank - 1 ? 1 : strides[i + 1]! * lens[i + 1]!;
    }
    return new Shape(s.type, lens, strides);
  },
});

defineOp({
  name: 'slice',
  aliasesInput: 0,
  attrs: [
    { name: 'axes', kind: 'ints' },
    { name: 'starts', kind: 'ints' },
    { name: 'ends', kind: 'ints' },
  ],
  computeShape(op, inputs) {
    expectInputs(inputs, 1);
    const s = inputs[0]!;
    const axes = op.ints('axes');
    const starts = op.ints('starts');
    const ends = op.ints('ends');
    if (starts.length !== axes.length || ends.length !== axes.length) throw new ShapeError('axes, starts and ends differ in length');
    const lens = [...s.lens];
    axes.forEach((a, i) => {
      const ax = normalizeAxis(a, s.ndim);
      const st = starts[i]!;
      const en = ends[i]!;
      if (st < 0 || en < st || en > s.lens[ax]!) throw new ShapeError(`slice [${st}, ${en}) is outside axis ${ax} of length ${s.lens[ax]}`);
      lens[ax] = en - st;
    });
    return new Shape(s.type, lens, s.strides);
  },
});

/** Storage offset (in elements) of a slice's first element within its input. */
export function sliceOffset(axes: readonly number[], starts: readonly number[], input: Shape): number {
  return axes.reduce((acc, a, i) => acc + starts[i]! * input.strides[a]!, 0);
}

defineOp({
  name: 'step',
  aliasesInput: 0,
  attrs: [
    { name: 'axes', kind: 'ints' },
    { name: 'steps', kind: 'ints' },
  ],
  computeShape(op, inputs) {
    expectInputs(inputs, 1);
    const s = inputs[0]!;
    const lens = [...s.lens];
    const strides = [...s.strides];
    op.ints('axes').forEach((a, i) => {
      const ax = normalizeAxis(a, s.ndim);
      const st = op.ints('steps')[i]!;
      if (!(st >= 1)) throw new ShapeError(`step ${st} must be positive`);
      lens[ax] = Math.ceil(lens[ax]! / st);
      strides[ax] = strides[ax]! * st;
    });
    return new Shape(s.type, lens, strides);
  },
});

defineOp({
  name: 'reverse',
  attrs: [{ name: 'axes', kind: 'ints' }],
  computeShape(op, inputs) {
    expectInputs(inputs, 1);
    for (const a of op.ints('axes')) normalizeAxis(a, inputs[0]!.ndim);
    return inputs[0]!.asStandard();
  },
});

defineOp({
  name: 'concat',
  attrs: [{ name: 'axis', kind: 'int' }],
  computeShape(op, inputs) {
    if (inputs.length === 0) throw new ShapeError('expects at least one input');
    const first = inputs[0]!;
    const axis = normalizeAxis(op.int('axis'), first.ndim);
    let total = 0;
    inputs.forEach((s, i) => {
      if (s.type !== first.type) throw new ShapeError(`input ${i} is ${s.type} but input 0 is ${first.type}`);
      if (s.ndim !== first.ndim || s.lens.some((l, d) => d !== axis && l !== first.lens[d])) {
        throw new ShapeError(`input ${i} {${s.lens.join(', ')}} does not match input 0 {${first.lens.join(', ')}} off axis ${axis}`);
      }
      total += s.lens[axis]!;
    });
    const lens = [...first.lens];
    lens[axis] = total;
    return standard(first.type, lens);
  },
});

defineOp({
  name: 'gather',
  attrs: [{ name: 'axis', kind: 'int' }],
  computeShape(op, inputs) {
    expectInputs(inputs, 2);
    const [data, idx] = inputs as [Shape, Shape];
    const axis = normalizeAxis(op.int('axis'), data.ndim);
    if (idx.type !== 'int32_type' && idx.type !== 'int64_type') throw new ShapeError(`indices are ${idx.type}, expected int32 or int64`);
    return standard(data.type, [...data.lens.slice(0, axis), ...idx.lens, ...data.lens.slice(axis + 1)]);
  },
});
