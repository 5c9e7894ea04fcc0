// Reductions keep the reduced axes as length 1 (the importer squeezes for keepdims=0); softmax and
// logsoftmax normalize along one axis.

import { defineOp } from '../ir/op.js';
import { expectInputs, normalizeAxis, standard } from './common.js';

for (const name of ['reduce_max', 'reduce_min', 'reduce_sum', 'reduce_mean', 'reduce_prod']) {
  defineOp({
    name,
    reduce: true,
    attrs: [{ name: 'axes', kind: 'ints' }],
    computeShape(op, inputs) {
      expectInputs(inputs, 1);
      const s = inputs[0]!;
      const lens = [...s.lens];
      for (const a of op.ints('axes')) lens[normalizeAxis(a, s.ndim)] = 1;
      return standard(s.type, lens);
    },
  });
}

for (const name of ['softmax', 'logsoftmax']) {
  defineOp({
    name,
    attrs: [{ name: 'axis', kind: 'int', default: 1 }],
    computeShape(op, inputs) {
      expectInputs(inputs, 1);
      const s = inputs[0]!;
      normalizeAxis(op.int('axis'), s.ndim);
      return standard(s.type, s.lens);
    },
  });
}
