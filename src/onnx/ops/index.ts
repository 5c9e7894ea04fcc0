// Registers every ONNX operator lowering (import for its side effects; import.ts does).
import './elementwise.js';
import './cast.js';
import './matmul.js';
import './softmax.js';
import './layout.js';
import './slice.js';
import './pad.js';
import './constants.js';
import './reduce.js';
import './normalization.js';
import './activation.js';
import './conv.js';
import './quantize.js';
import './attention.js';
import './contrib-attention.js';
import './contrib-layers.js';
