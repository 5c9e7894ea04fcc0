// Registers every reference compute (one file per op family, mirroring src/ops/). evaluate.ts imports
// this, so users of the interpreter only import evaluate.ts.
import '../ops/index.js';
import './ops/pointwise.js';
import './ops/layout.js';
import './ops/gemm.js';
import './ops/reduce.js';
import './ops/quant.js';
import './ops/capture.js';
import './ops/memory.js';
import './ops/fused.js';
import './ops/kernel.js';
