// Exporting a QDQ model never wraps it again (reference/quantization.md §6 item 15): our own exports and
// models shaped like ORT's quantization tool output (Q/DQ around MatMul with float8 zero points) keep
// their QuantizeLinear/DequantizeLinear counts; a weights-only QDQ model gets Q/DQ on its activations once.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileFile } from '../../src/compiler.js';
import { exportQdqFile } from '../../src/export/export-qdq.js';
import { Tensor } from '../../src/ir/tensor.js';
import type { OnnxModel } from '../../src/onnx/model.js';
import type { ModelSpec } from '../../src/onnx/write.js';
import { repoPath } from '../helpers/paths.js';
import { cleanup, countOps, readModel, tempDir, writeModel } from './helpers.js';
import { ortQdqModel, pattern } from './models.js';

const made: string[] = [];
after(() => cleanup(made));
const dir = tempDir(made, 'export-idem');

function qdqCount(m: OnnxModel): { q: number; dq: number } {
  return { q: countOps(m, 'QuantizeLinear'), dq: countOps(m, 'DequantizeLinear') };
}

/** Exports `file`, writes the result next to it, and returns the result's path and model. */
function exportTo(file: string, name: string, options: Parameters<typeof exportQdqFile>[1]): { path: string; model: OnnxModel; decisions: number; codes: string[] } {
  const r = exportQdqFile(file, options);
  const path = join(dir, name);
  writeFileSync(path, r.model);
  return { path, model: readModel(r.model), decisions: r.decisions.length, codes: r.diagnostics.map((d) => d.code) };
}

const DIMS = new Map([
  ['batch', 1],
  ['sequence', 8],
]);

for (const strategy of ['skip', 'keep'] as const) {
  test(`an exported bert_layer (${strategy}) exported again keeps its Q/DQ count and gains no decisions`, () => {
    const first = exportTo(repoPath('examples', 'bert_layer.onnx'), `bert.${strategy}.onnx`, { inputDims: DIMS, fp8: { attentionQdq: strategy } });
    assert.ok(first.decisions > 0);
    const second = exportTo(first.path, `bert.${strategy}.again.onnx`, { inputDims: DIMS, fp8: { attentionQdq: strategy } });
    assert.deepEqual(qdqCount(second.model), qdqCount(first.model));
    assert.equal(second.decisions, 0);
    assert.ok(second.codes.includes('FP8_ALREADY_QUANTIZED'));
    assert.equal(second.model.graph.nodes.length, first.model.graph.nodes.length);
  });
}

test('an ORT-tool-shaped FP8 QDQ model (Q/DQ around MatMul, float8 zero points) is exported without a second wrap', () => {
  const file = writeModel(dir, 'ort-qdq.onnx', ortQdqModel());
  const before = readModel(readFileSync(file));
  const compiled = compileFile(file, { fp8: {}, stage: 'quantized' });
  // The model's own Q/DQ already make the MatMul a quant_dot.
  assert.equal(compiled.program.mainModule().instructions().filter((i) => i.op.name === 'quant_dot').length, 1);
  const out = exportTo(file, 'ort-qdq.exported.onnx', { fp8: {} });
  assert.deepEqual(qdqCount(out.model), qdqCount(before));
  assert.deepEqual(qdqCount(out.model), { q: 1, dq: 2 });
  assert.equal(out.decisions, 0);
  assert.ok(out.codes.includes('FP8_ALREADY_QUANTIZED'));
  // The importer keeps the weight's own DequantizeLinear (it does not fold Q/DQ of constants), so the
  // compiler never quantizes that weight a second time: the export has nothing to guard against.
  assert.ok(!out.codes.includes('EXPORT_ALREADY_QUANTIZED'));
  const dequantized = compiled.program.mainModule().instructions().filter((i) => i.op.name === 'quantizelinear' && i.meta.quantization);
  assert.equal(dequantized.length, 0, 'no Q/DQ inserted by quantize-fp8 around the already-quantized weight');
});

test('a weights-only QDQ model gets one Q→DQ pair on its activation, once', () => {
  const spec: ModelSpec = {
    opsetImports: { '': 19 },
    graph: {
      name: 'weights_only',
      inputs: [{ name: 'x', elemType: 'float_type', dims: [4, 16] }],
      outputs: [{ name: 'y', elemType: 'float_type', dims: [4, 8] }],
      nodes: [
        { name: 'w_DequantizeLinear', opType: 'DequantizeLinear', inputs: ['w_q', 'w_s', 'w_z'], outputs: ['w_dq'] },
        { name: 'mm', opType: 'MatMul', inputs: ['x', 'w_dq'], outputs: ['y'] },
      ],
      initializers: {
        w_q: Tensor.fromNumbers('fp8e4m3fn_type', [16, 8], pattern([16, 8], 3).toNumbers().map((v) => v * 64)),
        w_s: Tensor.scalar('float_type', 1 / 64),
        w_z: Tensor.scalar('fp8e4m3fn_type', 0),
      },
    },
  };
  const file = writeModel(dir, 'weights-only.onnx', spec);
  const once = exportTo(file, 'weights-only.once.onnx', { fp8: {} });
  assert.deepEqual(qdqCount(once.model), { q: 1, dq: 2 });
  assert.equal(once.decisions, 1);
  const mm = once.model.graph.nodes.find((n) => n.name === 'mm')!;
  assert.deepEqual(mm.inputs, ['x_DequantizeLinear_Output', 'w_dq']);
  const twice = exportTo(once.path, 'weights-only.twice.onnx', { fp8: {} });
  assert.deepEqual(qdqCount(twice.model), { q: 1, dq: 2 });
  assert.equal(twice.decisions, 0);
});
