// Parse + compile time (read the file, decode, import, run the pipeline) of the examples and of the
// largest ONNX node-test model (issue 2), and the whole --fp8 compile to kernels with calibration
// excluded, of the seed and a 12-layer BERT-base encoder (issue 4).

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { bertEncoderModel } from '../examples/generate.js';
import { scratchBytes } from '../src/compact-ir.js';
import { compileFile } from '../src/compiler.js';
import { DiagnosticSink } from '../src/diagnostics.js';
import { importModel } from '../src/onnx/import.js';
import { decodeModel, loadModelFile } from '../src/onnx/load.js';
import type { OnnxModel } from '../src/onnx/model.js';
import { encodeModel } from '../src/onnx/write.js';
import { buildPipeline } from '../src/passes/pipeline.js';
import { ms, time, type Timing } from './stats.js';

export interface CompileBench {
  readonly model: string;
  readonly bytes: number;
  readonly instructions: number;
  readonly timing: Timing;
}

function largestNodeTest(): string {
  const root = 'test/data/onnx-node-tests';
  const files = readdirSync(root)
    .filter((c) => c.startsWith('test_'))
    .map((c) => join(root, c, 'model.onnx'));
  return files.sort((a, b) => statSync(b).size - statSync(a).size || a.localeCompare(b))[0]!;
}

export function benchCompile(): CompileBench[] {
  const targets: [string, Record<string, number>][] = [
    ['examples/attention_fp8_test.onnx', {}],
    ['examples/bert_layer.onnx', { batch: 1, sequence: 128 }],
    [largestNodeTest(), {}],
  ];
  return targets.map(([model, dims]) => {
    const inputDims = new Map(Object.entries(dims));
    let instructions = 0;
    const timing = time(() => {
      instructions = compileFile(model, { inputDims }).program.mainModule().size;
    }, 20, 3);
    return { model, bytes: statSync(model).size, instructions, timing };
  });
}

export function compileTable(rows: readonly CompileBench[]): string {
  const lines = ['| model | file bytes | instructions | min ms | median ms | max ms |', '|---|---:|---:|---:|---:|---:|'];
  for (const r of rows) lines.push(`| ${r.model} | ${r.bytes} | ${r.instructions} | ${ms(r.timing.minMs)} | ${ms(r.timing.medianMs)} | ${ms(r.timing.maxMs)} |`);
  return lines.join('\n');
}

/**
 * The whole compile (import and every pass to the lowered program: quantize, fuse, lower, plan memory)
 * with calibration excluded: `quantize-fp8` (calibrating on the reference interpreter, then inserting
 * the Q/DQ pairs) is timed apart. Issue 4's targets on the 2-core CI kind: the seed ≤ 200 ms and a
 * 12-layer BERT-base-shaped encoder ≤ 1 s.
 */
export interface LoweredCompileBench {
  readonly model: string;
  readonly runs: number;
  /** Import + every pass but quantize-fp8, median and min of the runs. */
  readonly medianMs: number;
  readonly minMs: number;
  readonly calibrationMs: number;
  /** The slowest passes of the median run (ms). */
  readonly passMs: Readonly<Record<string, number>>;
  readonly kernels: number;
  readonly scratchBytes: number;
}

function benchLowered(label: string, model: OnnxModel, inputDims: Map<string, number>, runs: number, warmups: number): LoweredCompileBench {
  const totals: { total: number; calibration: number; passes: Record<string, number> }[] = [];
  let kernels = 0;
  let scratch = 0;
  for (let r = 0; r < warmups + runs; r++) {
    const t0 = performance.now();
    const { program } = importModel(model, { inputDims });
    let total = performance.now() - t0;
    let calibration = 0;
    const passes: Record<string, number> = { import: total };
    const ctx = { diagnostics: new DiagnosticSink() };
    for (const pass of buildPipeline({ fp8: { attentionQdq: 'skip' } })) {
      const a = performance.now();
      pass.apply(program, ctx);
      const dt = performance.now() - a;
      if (pass.name === 'quantize-fp8') calibration += dt;
      else {
        total += dt;
        passes[pass.name] = (passes[pass.name] ?? 0) + dt;
      }
    }
    if (r >= warmups) totals.push({ total, calibration, passes });
    const main = program.mainModule();
    kernels = main.instructions().filter((i) => i.op.name === 'gpu::code_object').length;
    scratch = scratchBytes(main);
  }
  totals.sort((a, b) => a.total - b.total);
  const median = totals[Math.floor(totals.length / 2)]!;
  const top = Object.entries(median.passes).sort((a, b) => b[1] - a[1]).slice(0, 4);
  return { model: label, runs, medianMs: median.total, minMs: totals[0]!.total, calibrationMs: median.calibration, passMs: Object.fromEntries(top), kernels, scratchBytes: scratch };
}

export function benchLoweredCompile(): LoweredCompileBench[] {
  const seed = loadModelFile('examples/attention_fp8_test.onnx');
  const encoder = decodeModel(encodeModel(bertEncoderModel()), 'bert_encoder (generated)');
  return [
    benchLowered('examples/attention_fp8_test.onnx (S=1024), --fp8', seed, new Map(), 5, 2),
    benchLowered('BERT-base encoder, 12 layers (seq 128), --fp8', encoder, new Map([['batch', 1], ['sequence', 128]]), 3, 1),
  ];
}

export function loweredCompileTable(rows: readonly LoweredCompileBench[]): string {
  const lines = ['| model | runs | compile median ms | min ms | calibration ms (excluded) | slowest passes (median run, ms) | kernels | scratch bytes |', '|---|---:|---:|---:|---:|---|---:|---:|'];
  for (const r of rows) {
    const slow = Object.entries(r.passMs).map(([k, v]) => `${k} ${ms(v)}`).join(', ');
    lines.push(`| ${r.model} | ${r.runs} | ${ms(r.medianMs)} | ${ms(r.minMs)} | ${ms(r.calibrationMs)} | ${slow} | ${r.kernels} | ${r.scratchBytes.toLocaleString('en-US')} |`);
  }
  return lines.join('\n');
}

// Run on its own: node scripts/run-ts.mjs bench/compile.ts
if (process.argv[1]?.endsWith('compile.mjs')) {
  console.log(loweredCompileTable(benchLoweredCompile()));
}
