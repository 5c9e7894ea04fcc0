// The shared pass test: every pass of the full pipeline (quantize, fuse, lower, plan memory), applied a
// second time right after the first, changes nothing, on several models and options: the seed block
// (skip and keep), the BERT layer (fp8 and float), fp16, and every variant of the attention corpus.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModelFile } from '../../src/onnx/load.js';
import { importModel } from '../../src/onnx/import.js';
import type { OnnxModel } from '../../src/onnx/model.js';
import { buildPipeline, type PipelineOptions } from '../../src/passes/pipeline.js';
import { DiagnosticSink } from '../../src/diagnostics.js';
import { seedModel } from '../helpers/seed-model.js';
import { corpus } from '../attention/helpers/corpus.js';
import { repoPath } from '../helpers/paths.js';

const seed = seedModel(32);
const bert = loadModelFile(repoPath('examples', 'bert_layer.onnx'));
const bertDims = new Map([['batch', 1], ['sequence', 8]]);

function twice(name: string, model: OnnxModel, options: PipelineOptions, inputDims = new Map<string, number>()): void {
  const { program } = importModel(model, { inputDims });
  const ctx = { diagnostics: new DiagnosticSink() };
  for (const pass of buildPipeline(options)) {
    pass.apply(program, ctx);
    const once = program.toString();
    pass.apply(program, ctx);
    assert.equal(program.toString(), once, `${name}: ${pass.name} changed the program when run again`);
  }
  assert.ok(program.mainModule().instructions().some((i) => i.op.name === 'gpu::code_object'), `${name}: not lowered`);
}

test('every pass of the pipeline, run twice, changes nothing the second time', () => {
  twice('seed skip', seed, { fp8: { attentionQdq: 'skip' } });
  twice('seed keep', seed, { fp8: { attentionQdq: 'keep' } });
  twice('seed fp16', seed, { fp16: true });
  twice('bert fp8', bert, { fp8: { attentionQdq: 'skip' } }, bertDims);
  twice('bert float', bert, {}, bertDims);
  for (const v of corpus()) {
    twice(`${v.name} fp8`, v.model, { fp8: { attentionQdq: 'skip' } });
    twice(`${v.name} float`, v.model, {});
  }
});
