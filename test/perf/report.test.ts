// The perf report's arithmetic and layout, checked against migraphx-driver's own output: the seed's
// "after" log gives every per-instruction average, and its Summary lines must come out identical.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commonAverage, formatReport, median, percentile, summarize, type TimedInstruction } from '../../src/perf/report.js';

// From the seed's "after" perf log (reference/000_7ceb00d607be5daf.txt): name, group, average ms.
const SEED_AFTER: [string, string, number][] = [
  ['@0', 'check_context::migraphx::gpu::context', 0.0003777],
  ['@1', 'hip::hip_allocate_memory', 0.00040294],
  ['@2', 'load', 0.00045],
  ['v', '@param', 0.0003138],
  ['k', '@param', 0.00029554],
  ['q', '@param', 0.00031052],
  ['@6', 'gpu::code_object::mlir_transpose_dot_convert_reshape_reduce_max_reshape_sub_exp_reshape_reduce_sum_reshape_div_convert_dot_quantizelinear', 0.0427579],
  ['main:#output_0', '@param', 0.0003567],
  ['w_o', '@param', 0.00030078],
  ['@9', 'gpu::code_object::mlir_quantizelinear_quant_dot_dequantizelinear', 0.015936],
];

const seedInstructions = (): TimedInstruction[] => [
  ...SEED_AFTER.map(([name, group, ms]) => ({ name, group, text: `${name} = …`, samples: [ms] })),
  { name: '@10', group: '@return', text: '@10 = @return(@9)' },
];

test('the Summary reproduces migraphx-driver\'s lines for the seed\'s "after" run', () => {
  const text = formatReport({ instructions: seedInstructions(), totals: [0.049], overheads: [0.001], batch: 1 });
  const summary = text.split('Summary:\n')[1]!.split('\n\n')[0]!.split('\n');
  assert.deepEqual(summary, [
    'gpu::code_object::mlir_transpose_dot_convert_reshape_reduce_max_reshape_sub_exp_reshape_reduce_sum_reshape_div_convert_dot_quantizelinear: 0.0427579ms / 1 = 0.0427579ms, 70%',
    'gpu::code_object::mlir_quantizelinear_quant_dot_dequantizelinear: 0.015936ms / 1 = 0.015936ms, 26%',
    '@param: 0.00157734ms / 5 = 0.000315468ms, 3%',
    'load: 0.00045ms / 1 = 0.00045ms, 1%',
    'hip::hip_allocate_memory: 0.00040294ms / 1 = 0.00040294ms, 1%',
    'check_context::migraphx::gpu::context: 0.0003777ms / 1 = 0.0003777ms, 1%',
  ]);
  assert.match(text, /^@6 = …: 0\.0427579ms, 70%$/m);
  assert.match(text, /^@10 = @return\(@9\)$/m);
  assert.match(text, /^Total instructions time: 0\.0615019ms$/m);
});

test('Total time is the interquartile mean; Rate, Min/Max/Mean/Median and percentiles follow MIGraphX', () => {
  const totals = [5, 1, 2, 3, 4, 100, 2, 3]; // sorted: 1 2 2 3 3 4 5 100; drop 2 each end → 2 3 3 4
  assert.equal(commonAverage(totals), 3);
  assert.equal(median(totals), 3);
  assert.equal(percentile(totals, 0.9), 5); // floor(0.9·7) = 6 → 5
  const s = summarize({ instructions: [], totals, overheads: [0.5], batch: 2 });
  assert.equal(s.rate, (1000 / 3) * 2);
  const text = formatReport({ instructions: [], totals, overheads: [0.5], batch: 2 });
  assert.match(text, /^Batch size: 2$/m);
  assert.match(text, /^Rate: 666\.667 inferences\/sec$/m);
  assert.match(text, /^Total time: 3ms \(Min: 1ms, Max: 100ms, Mean: 15ms, Median: 3ms\)$/m);
  assert.match(text, /^Percentiles \(90%, 95%, 99%\): \(5ms, 5ms, 5ms\)$/m);
  assert.match(text, /^Overhead time: 0\.5ms, 3ms$/m);
  assert.match(text, /^Overhead: 17%, 100%$/m);
});

test('the second overhead is negative when per-instruction syncs inflate the instruction sum (as in the seed)', () => {
  const text = formatReport({
    instructions: [{ name: '@1', group: 'k', text: '@1 = k', samples: [0.2] }],
    totals: [0.1],
    overheads: [0.001],
    batch: 1,
  });
  assert.match(text, /^Overhead time: 0\.001ms, -0\.1ms$/m);
  assert.match(text, /^Overhead: 1%, -100%$/m);
});
