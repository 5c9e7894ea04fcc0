// FP8 calibration + quantization time (issue 3 targets, on the 2-core CI machine kind): the seed block
// (examples/attention_fp8_test.onnx, S=1024) ≤ 2 s, and a 12-layer BERT-base-shaped encoder (hidden 768,
// 12 heads, sequence 128, random weights, generated in memory) ≤ 10 s. Each run imports afresh and times
// every pass of the --fp8 pipeline; calibration is the bulk of quantize-fp8.

import { bertEncoderModel } from '../examples/generate.js';
import { DiagnosticSink } from '../src/diagnostics.js';
import { importModel } from '../src/onnx/import.js';
import { decodeModel, loadModelFile } from '../src/onnx/load.js';
import type { OnnxModel } from '../src/onnx/model.js';
import { encodeModel } from '../src/onnx/write.js';
import type { AttentionQdq } from '../src/passes/capture-arguments.js';
import { buildPipeline } from '../src/passes/pipeline.js';
import { ms } from './stats.js';

/** The passes whose time counts as "calibration + quantization". */
const FP8_PASSES = ['find-attention', 'capture-arguments', 'quantize-fp8', 'simplify-qdq', 'strip-attention-qdq'];

export interface QuantizeBench {
  readonly model: string;
  readonly strategy: AttentionQdq;
  readonly runs: number;
  /** Median ms per pass (FP8 passes only) and of their sum. */
  readonly passMs: Readonly<Record<string, number>>;
  readonly medianMs: number;
  readonly minMs: number;
  readonly quantDots: number;
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

function benchModel(label: string, model: OnnxModel, inputDims: Map<string, number>, strategy: AttentionQdq, runs: number): QuantizeBench {
  const perPass = new Map<string, number[]>();
  const totals: number[] = [];
  let quantDots = 0;
  for (let r = 0; r < runs; r++) {
    const { program } = importModel(model, { inputDims });
    const ctx = { diagnostics: new DiagnosticSink() };
    let total = 0;
    // The quantized stage: what is timed here, and its quant_dots (fusion takes them into kernels).
    for (const pass of buildPipeline({ fp8: { attentionQdq: strategy }, stage: 'quantized' })) {
      const t0 = performance.now();
      pass.apply(program, ctx);
      const dt = performance.now() - t0;
      if (!FP8_PASSES.includes(pass.name)) continue;
      total += dt;
      perPass.set(pass.name, [...(perPass.get(pass.name) ?? []), dt]);
    }
    totals.push(total);
    quantDots = program.mainModule().instructions().filter((i) => i.op.name === 'quant_dot').length;
  }
  const passMs = Object.fromEntries([...perPass].map(([k, v]) => [k, median(v)]));
  return { model: label, strategy, runs, passMs, medianMs: median(totals), minMs: Math.min(...totals), quantDots };
}

export function benchQuantize(): { rows: QuantizeBench[]; encoderBuildMs: number } {
  const seed = loadModelFile('examples/attention_fp8_test.onnx');
  const rows = [benchModel('examples/attention_fp8_test.onnx (S=1024)', seed, new Map(), 'skip', 5), benchModel('examples/attention_fp8_test.onnx (S=1024)', seed, new Map(), 'keep', 3)];
  const t0 = performance.now();
  const encoder = decodeModel(encodeModel(bertEncoderModel()), 'bert_encoder (generated)');
  const encoderBuildMs = performance.now() - t0;
  rows.push(benchModel('BERT-base encoder, 12 layers (seq 128)', encoder, new Map([['batch', 1], ['sequence', 128]]), 'skip', 3));
  return { rows, encoderBuildMs };
}

export function quantizeTable(rows: readonly QuantizeBench[]): string {
  const lines = [
    '| model | --attention-qdq | runs | find-attention | capture | quantize-fp8 (calibrate + Q/DQ) | simplify-qdq | total median ms | total min ms | quant_dots |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const p = (name: string) => ms(r.passMs[name] ?? 0);
    lines.push(`| ${r.model} | ${r.strategy} | ${r.runs} | ${p('find-attention')} | ${p('capture-arguments')} | ${p('quantize-fp8')} | ${p('simplify-qdq')} | ${ms(r.medianMs)} | ${ms(r.minMs)} | ${r.quantDots} |`);
  }
  return lines.join('\n');
}

// Run on its own: node scripts/run-ts.mjs bench/quantize.ts
if (process.argv[1]?.endsWith('quantize.mjs')) {
  const { rows, encoderBuildMs } = benchQuantize();
  console.log(quantizeTable(rows));
  console.log(`\n(generating the encoder's 85M weights and decoding it took ${ms(encoderBuildMs)} ms, not counted)`);
}
