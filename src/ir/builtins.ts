// The builtin instructions every module uses: `@param`, `@literal`, `@return`.
// Their shapes are set when they are created (a parameter's declared shape, a literal's value shape).

import { defineOp, ShapeError } from './op.js';
import { Shape } from './shape.js';

defineOp({
  name: '@param',
  builtin: true,
  attrs: [{ name: 'parameter', kind: 'string' }],
  computeShape() {
    throw new ShapeError('a parameter has no computed shape');
  },
  print: (op) => `@param:${op.str('parameter')}`,
});

defineOp({
  name: '@literal',
  builtin: true,
  attrs: [],
  computeShape() {
    throw new ShapeError('a literal has no computed shape');
  },
});

defineOp({
  name: '@return',
  builtin: true,
  sideEffects: true,
  attrs: [],
  computeShape: (_op, inputs) => Shape.tuple(inputs),
});
