// Reference compute of capture (src/ops/capture.ts): the identity. Calibration observes the value through
// the interpreter's `observe` hook (src/ref/evaluate.ts), so the op itself needs no callback.

import { defineCompute } from '../registry.js';

defineCompute('capture', (_op, args) => args[0]!);
