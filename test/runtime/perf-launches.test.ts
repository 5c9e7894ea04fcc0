// What `perf` times on a real device is what the benchmarks time: measurePerf lowers the program for
// the device's own capabilities, on a device with ORT's perf toggles (as bench/attention.ts and
// bench/webgpu-suite.ts create theirs), and the seed block's attention launch it runs equals the
// standalone launch (src/perf/attention-block.ts) on that device. Without an adapter it skips.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import '../../src/ops/index.js';
import { compileModel } from '../../src/compiler.js';
import { randomInputs } from '../../src/inputs/random-inputs.js';
import { attentionScales, launchDifferences, standaloneAttentionProgram } from '../../src/perf/attention-block.js';
import { measurePerf } from '../../src/perf/measure.js';
import { ATTENTION_KERNEL } from '../../src/codegen/kernel-catalog.js';
import { seedModel } from '../helpers/seed-model.js';
import { acquireGpu, deviceOptions, releaseGpu } from './gpu-harness.js';

after(releaseGpu);

test('perf runs the seed attention launch the standalone bench runs, on a device with the perf toggles', async (t) => {
  const env = await acquireGpu();
  if (!env.gpu) return t.skip(`SKIPPED 1 WebGPU test in perf-launches.test.ts: ${env.skip}`);
  const compiled = compileModel(seedModel(64), { fp8: { attentionQdq: 'skip', seed: 0 } });
  const params = randomInputs(compiled.program.mainModule(), 0);
  // No device given: measurePerf makes its own, as `onnx-fp8 perf` does.
  const m = await measurePerf(compiled.program, params, { ...deviceOptions(), iterations: 2 });
  assert.match(m.adapter, /perf toggles/);
  const attention = m.launches.filter((l) => l.launch.variant.spec === ATTENTION_KERNEL);
  assert.equal(attention.length, 1);
  const { scale, yScale } = attentionScales(attention[0]!.launch);
  // The test's own device has the same adapter, hence the same capabilities.
  const standalone = standaloneAttentionProgram({ seq: 64, scale, yScale }, env.gpu.capabilities).launches[0]!;
  assert.deepEqual(launchDifferences(standalone, attention[0]!.launch), []);
  if (m.perKernelTimes) assert.equal(attention[0]!.samples.length, 2);
});
