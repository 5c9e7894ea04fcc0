// Parse + compile time (read the file, decode, import, run the pipeline) of the examples and of the
// largest ONNX node-test model. Issue 2 tracks these; later issues add fp8 quantization and fusion here.

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { compileFile } from '../src/compiler.js';
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
