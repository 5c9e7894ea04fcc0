// The exported QDQ model against a second runtime: onnxruntime-node (CPU EP) runs it, our reference
// interpreter runs our FP8 program of the same model on the same inputs, and the two agree within ORT's
// own quantization-test tolerance (rtol 1e-2, atol 0.05; reference/quantization.md §5.1, §6 item 12).
// Also: our importer reads the exported model back and, without --fp8, computes the same values.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFile } from '../../src/compiler.js';
import { exportQdqFile, type ExportOptions } from '../../src/export/export-qdq.js';
import { randomInputs } from '../../src/inputs/random-inputs.js';
import type { AttentionQdq } from '../../src/passes/capture-arguments.js';
import { evaluateProgram } from '../../src/ref/evaluate.js';
import { OnnxDataType } from '../../src/onnx/model.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { corpus } from '../attention/helpers/corpus.js';
import { repoPath } from '../helpers/paths.js';
import { cleanup, closeness, countOps, readModel, runOrt, specOf, tempDir, writeModel } from './helpers.js';
import { gemmModel, oldOpsetModel } from './models.js';

const made: string[] = [];
after(() => cleanup(made));
const dir = tempDir(made, 'export-ort');

interface Case {
  readonly name: string;
  readonly file: string;
  readonly options?: Omit<ExportOptions, 'fp8'>;
  /** At least this many QuantizeLinear + DequantizeLinear nodes in the export (so something was quantized). */
  readonly minQdq: Record<AttentionQdq, number>;
  /**
   * Strategies where some quantized GEMMs have no ONNX tensors to put Q/DQ on (the core GEMMs inside a
   * fused com.microsoft Attention, a Gemm whose A is scaled by alpha): the export leaves those GEMMs
   * float and says so; ORT is then held to our interpreter running the exported model.
   */
  readonly partial?: readonly AttentionQdq[];
}

function corpusFile(name: string, file: string): string {
  const v = corpus().find((c) => c.name === name);
  assert.ok(v, `corpus variant '${name}'`);
  return writeModel(dir, file, specOf(v.model));
}

const BERT_DIMS = new Map([
  ['batch', 1],
  ['sequence', 16],
]);

const CASES: Case[] = [
  { name: 'examples/bert_layer.onnx (batch 1, sequence 16)', file: repoPath('examples', 'bert_layer.onnx'), options: { inputDims: BERT_DIMS }, minQdq: { skip: 14, keep: 18, remove: 14 } },
  { name: 'corpus: Gemm projections with transB (opset 11)', file: corpusFile('Gemm projections with transB (opset 11), scores by Gemm transB with alpha', 'gemm-attention.onnx'), minQdq: { skip: 5, keep: 7, remove: 5 }, partial: ['keep'] },
  { name: 'corpus: Add mask, scores first', file: corpusFile('Add mask, scores first', 'add-mask.onnx'), minQdq: { skip: 0, keep: 6, remove: 0 } },
  { name: 'corpus: com.microsoft Attention with packed QKV projection', file: corpusFile('com.microsoft Attention: packed QKV projection, unidirectional, past state', 'ms-attention.onnx'), minQdq: { skip: 3, keep: 3, remove: 3 }, partial: ['keep'] },
  { name: 'Gemm MLP (opset 13)', file: writeModel(dir, 'gemm.onnx', gemmModel()), minQdq: { skip: 6, keep: 6, remove: 6 } },
  { name: 'opset-9 model (every conversion)', file: writeModel(dir, 'old-opset.onnx', oldOpsetModel()), minQdq: { skip: 6, keep: 6, remove: 6 } },
];

for (const c of CASES) {
  for (const strategy of ['skip', 'keep'] as const) {
    test(`ORT runs the export of ${c.name} (${strategy}) within rtol 1e-2 / atol 0.05 of our FP8 program`, async () => {
      const result = exportQdqFile(c.file, { ...c.options, fp8: { attentionQdq: strategy } });
      const out = join(dir, `${c.file.split('/').pop()}.${strategy}.qdq.onnx`);
      writeFileSync(out, result.model);
      const exported = readModel(result.model);
      const qdq = countOps(exported, 'QuantizeLinear') + countOps(exported, 'DequantizeLinear');
      assert.ok(qdq >= c.minQdq[strategy], `${qdq} Q/DQ nodes, expected at least ${c.minQdq[strategy]}`);
      assert.ok((exported.opsetImports.get('') ?? 0) >= 19);

      const params = randomInputs(result.compiled.program.mainModule(), 11);
      const ours = evaluateProgram(result.compiled.program, params);
      const theirs = await runOrt(out, params);
      // Read back by our importer, without --fp8, the QDQ model computes what the export holds.
      const reread = evaluateProgram(compileFile(out, c.options ?? {}).program, params);
      const unrepresentable = result.diagnostics.filter((d) => d.code === 'EXPORT_NOT_REPRESENTABLE');
      if (c.partial?.includes(strategy)) {
        assert.ok(unrepresentable.length > 0, 'the export says which quantized GEMMs it left float');
        result.compiled.outputs.forEach((o, k) => {
          const { outside, maxAbs } = closeness(theirs.get(o.name)!, reread[k]!.toFloat32Array());
          assert.equal(outside, 0, `${o.name}: ${outside} elements outside the tolerance (max |ORT - ours| ${maxAbs})`);
        });
        return;
      }
      assert.deepEqual(unrepresentable, []);
      result.compiled.outputs.forEach((o, k) => {
        const expected = ours[k]!.toFloat32Array();
        const { outside, maxAbs } = closeness(theirs.get(o.name)!, expected);
        assert.equal(outside, 0, `${o.name}: ${outside} elements outside the tolerance (max |ORT - ours| ${maxAbs})`);
        const again = closeness(reread[k]!.toFloat32Array(), expected, 1e-4, 1e-5);
        assert.equal(again.outside, 0, `${o.name}: the re-imported export differs from the FP8 program (max ${again.maxAbs})`);
      });
    });
  }
}

for (const format of ['e4m3fnuz', 'e5m2', 'e5m2fnuz'] as const) {
  test(`--fp8-format ${format}: zero points and weights of that type, and ORT agrees`, async () => {
    const file = writeModel(dir, `gemm-${format}.onnx`, gemmModel());
    const result = exportQdqFile(file, { fp8: { format } });
    const out = join(dir, `gemm.${format}.qdq.onnx`);
    writeFileSync(out, result.model);
    const exported = readModel(result.model);
    const type = { e4m3fnuz: OnnxDataType.FLOAT8E4M3FNUZ, e5m2: OnnxDataType.FLOAT8E5M2, e5m2fnuz: OnnxDataType.FLOAT8E5M2FNUZ }[format];
    for (const n of exported.graph.nodes.filter((x) => x.opType === 'DequantizeLinear')) {
      assert.equal(exported.graph.initializers.get(n.inputs[2]!)!.dataType, type);
      const stored = exported.graph.initializers.get(n.inputs[0]!);
      if (stored) assert.equal(stored.dataType, type);
    }
    const params = randomInputs(result.compiled.program.mainModule(), 11);
    const ours = evaluateProgram(result.compiled.program, params)[0]!.toFloat32Array();
    const { outside, maxAbs } = closeness((await runOrt(out, params)).get('y')!, ours);
    assert.equal(outside, 0, `max |ORT - ours| ${maxAbs}`);
  });
}
