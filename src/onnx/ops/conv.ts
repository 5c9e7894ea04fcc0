// Conv → `convolution[padding,stride,dilation,group,padding_mode=0]` with every attribute spelled out
// for the input's spatial rank; auto_pad SAME_UPPER/SAME_LOWER/VALID is resolved to explicit pads here
// (shapes are static). Bias: `broadcast[axis=1]` then `add`, as MIGraphX's parse_convolution.

import { ModelError } from '../../errors.js';
import { defineOnnxOp } from '../registry.js';

/** Pads [begins…, ends…] for auto_pad SAME_*: output = ceil(input / stride). */
export function samePads(input: readonly number[], kernel: readonly number[], strides: readonly number[], dilations: readonly number[], upper: boolean): number[] {
  const begins: number[] = [];
  const ends: number[] = [];
  input.forEach((n, i) => {
    const span = (kernel[i]! - 1) * dilations[i]! + 1;
    const out = Math.ceil(n / strides[i]!);
    const total = Math.max(0, (out - 1) * strides[i]! + span - n);
    const small = Math.floor(total / 2);
    begins.push(upper ? small : total - small);
    ends.push(upper ? total - small : small);
  });
  return [...begins, ...ends];
}

defineOnnxOp('Conv', (ctx) => {
  const x = ctx.input(0);
  const w = ctx.input(1);
  const k = x.shape.ndim - 2;
  if (k < 1) throw new ModelError(`input must have rank >= 3, got ${x.shape.ndim}`);
  const spatial = x.shape.lens.slice(2);
  const kernel = ctx.ints('kernel_shape', w.shape.lens.slice(2));
  const strides = ctx.ints('strides', new Array<number>(k).fill(1));
  const dilations = ctx.ints('dilations', new Array<number>(k).fill(1));
  const autoPad = ctx.string('auto_pad', 'NOTSET');
  let padding: number[];
  switch (autoPad) {
    case 'NOTSET':
      padding = ctx.ints('pads', new Array<number>(2 * k).fill(0));
      break;
    case 'VALID':
      padding = new Array<number>(2 * k).fill(0);
      break;
    case 'SAME_UPPER':
    case 'SAME_LOWER':
      padding = samePads(spatial, kernel, strides, dilations, autoPad === 'SAME_UPPER');
      break;
    default:
      throw new ModelError(`auto_pad '${autoPad}' is not supported`);
  }
  const conv = ctx.add('convolution', [x, w], { padding, stride: strides, dilation: dilations, group: ctx.int('group', 1), padding_mode: 0 });
  const bias = ctx.optionalInput(2);
  if (!bias) return conv;
  return ctx.add('add', [conv, ctx.add('broadcast', [bias], { axis: 1, out_lens: [...conv.shape.lens] })]);
});
