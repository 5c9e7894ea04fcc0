// Registers every op family. Import this (or anything that builds ops) before calling makeOp.
import '../ir/builtins.js';
import './pointwise.js';
import './layout.js';
import './gemm.js';
import './reduce.js';
import './quant.js';
import './capture.js';
import './memory.js';
import './fused.js';
import './kernel.js';

export { makeOp } from '../ir/op.js';
