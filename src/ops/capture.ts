// capture[ins_index=k]: the calibration probe FP8 quantization puts on every tensor it will measure
// (MIGraphX op::capture). Its output is its input, unchanged; quantize-fp8 reads the values it sees while
// calibrating and then replaces it by a Q/DQ pair. Not a kernel: no capture survives the pipeline.

import { defineOp } from '../ir/op.js';
import { expectInputs } from './common.js';

defineOp({
  name: 'capture',
  aliasesInput: 0,
  attrs: [{ name: 'ins_index', kind: 'int' }],
  computeShape(_op, inputs) {
    expectInputs(inputs, 1);
    return inputs[0]!;
  },
});
