// The runtime's failures are clear errors, not crashes or hangs: no adapter, an op or type the backend
// cannot run, a kernel binding over the device's limits, a kernel that does not compile (its name,
// file:line:col and numbered source), a lost device, a missing parameter; and a process that ran a
// program exits on its own once the device is destroyed.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { Tensor } from '../../src/ir/tensor.js';
import { MINIMUM_CAPABILITIES } from '../../src/codegen/capabilities.js';
import { registerKernelSources } from '../../src/codegen/kernel-source.js';
import { lowerProgram } from '../../src/codegen/lower.js';
import { UnsupportedOnWebGpuError } from '../../src/codegen/unsupported.js';
import type { KernelSpec } from '../../src/codegen/kernel-catalog.js';
import { WebGpuDevice } from '../../src/runtime/device.js';
import { WebGpuError } from '../../src/runtime/errors.js';
import { ExecutableProgram } from '../../src/runtime/executable.js';
import { add, buildProgram } from '../kernels/helpers.js';
import { repoPath } from '../helpers/paths.js';
import { acquireGpu, deviceOptions, releaseGpu, reportSkipped } from './gpu-harness.js';

test('no adapter for the requested backend: a clear error saying how to fix it', async () => {
  // Dawn has no D3D12 on Linux and does not know 'nonexistent': both leave no adapter.
  for (const backend of [process.platform === 'win32' ? 'metal' : 'd3d12', 'nonexistent']) {
    await assert.rejects(WebGpuDevice.create({ backend }), (e: unknown) => {
      assert.ok(e instanceof WebGpuError, String(e));
      assert.match(e.message, new RegExp(`^no WebGPU adapter found for backend '${backend}'`));
      assert.match(e.message, /how to fix: install Mesa 25 lavapipe \(scripts\/install-system-deps\.sh.*\) or use a GPU/);
      assert.doesNotMatch(e.message, /\n/);
      return true;
    });
  }
});

test('an op on a type WGSL cannot compute on is rejected at lowering, naming op, type and node', () => {
  const built = buildProgram({ a: Tensor.fromNumbers('int64_type', [2], [1, 2]), b: Tensor.fromNumbers('int64_type', [2], [3, 4]) }, (m, p) => {
    const d = add(m, 'div', [p['a']!, p['b']!]);
    d.origin = { node: 'Div_7', opType: 'Div', output: 'y', index: 7 };
    return [d];
  });
  assert.throws(() => lowerProgram(built.program, MINIMUM_CAPABILITIES), (e: unknown) => {
    assert.ok(e instanceof UnsupportedOnWebGpuError);
    assert.equal(e.message, "node 'Div_7' (Div): unsupported on webgpu: div with int64_type");
    return true;
  });
});

test('device failures', async (t) => {
  const acquired = await acquireGpu();
  if (!acquired.gpu) {
    t.skip(reportSkipped('errors.test.ts', 5, acquired.skip));
    return;
  }
  const gpu = acquired.gpu;

  await t.test('a binding over maxStorageBufferBindingSize names the kernel and the limit before allocating', async () => {
    const limit = gpu.limits.maxStorageBufferBindingSize;
    const n = Math.floor(limit / 4) + 1; // one float past the limit
    const built = buildProgram({ s: Tensor.fromNumbers('float_type', [1], [1]) }, (m, p) => [add(m, 'contiguous', [add(m, 'multibroadcast', [p['s']!], { out_lens: [n] })])]);
    await assert.rejects(ExecutableProgram.prepare(gpu, lowerProgram(built.program, gpu.capabilities)), (e: unknown) => {
      assert.ok(e instanceof WebGpuError, String(e));
      assert.match(e.message, /^kernel copy for contiguous: binding 2 \(contiguous\) is \d+ bytes \([\d.]+ MiB\), over this device's maxStorageBufferBindingSize of \d+ bytes/);
      assert.ok(e.message.includes(String(limit)));
      return true;
    });
  });

  await t.test('a kernel that does not compile: its name, file:line:col and the numbered source', async () => {
    registerKernelSources({ 'test/broken.wgsl': '// A kernel with a mistake.\n\n@compute @workgroup_size(1)\nfn main() {\n  let x: u32 = undefined_value;\n}\n' });
    const spec: KernelSpec = { name: 'broken', file: 'test/broken.wgsl', libs: [], slots: [], overrides: {}, uniforms: {}, bindings: [] };
    await assert.rejects(gpu.pipelines.pipeline({ spec, slots: {} }, {}), (e: unknown) => {
      assert.ok(e instanceof WebGpuError, String(e));
      const lines = e.message.split('\n');
      assert.equal(lines[0], 'kernel broken: WGSL compilation failed');
      assert.match(lines[1]!, /^ {2}kernels\/test\/broken\.wgsl:5:16 \(module 5:16\) error: .*undefined_value/);
      assert.ok(lines.includes('numbered source of broken:'));
      assert.ok(lines.includes('>> 5 |   let x: u32 = undefined_value;'), lines.join('\n'));
      return true;
    });
  });

  await t.test('a missing or mis-shaped parameter is named', async () => {
    const built = buildProgram({ x: Tensor.fromNumbers('float_type', [3], [1, 2, 3]) }, (m, p) => [add(m, 'exp', [p['x']!])]);
    const exe = await ExecutableProgram.prepare(gpu, lowerProgram(built.program, gpu.capabilities));
    try {
      await assert.rejects(exe.run(new Map()), /missing parameter 'x': expected float_type, \{3\}, \{1\}/);
      await assert.rejects(exe.run(new Map([['x', Tensor.fromNumbers('float_type', [4], [1, 2, 3, 4])]])), /parameter 'x': expected float_type, \{3\}/);
    } finally {
      exe.destroy();
    }
  });

  await t.test('a lost device fails the next run with its reason instead of hanging', async () => {
    const own = await WebGpuDevice.create(deviceOptions());
    const built = buildProgram({ x: Tensor.fromNumbers('float_type', [3], [1, 2, 3]) }, (m, p) => [add(m, 'neg', [p['x']!])]);
    const exe = await ExecutableProgram.prepare(own, lowerProgram(built.program, own.capabilities));
    own.device.destroy(); // as a driver reset would: behind the runtime's back
    await new Promise((r) => setTimeout(r, 50));
    await assert.rejects(exe.run(built.params), (e: unknown) => e instanceof WebGpuError && /the WebGPU device was lost \(destroyed/.test(e.message));
    own.destroy();
  });

  await t.test('a process that ran a program exits on its own (no process.exit)', () => {
    const run = pathToFileURL(repoPath('build/src/runtime/run.js')).href;
    const script = `
      import '${pathToFileURL(repoPath('build/src/ops/index.js')).href}';
      import { Program } from '${pathToFileURL(repoPath('build/src/ir/program.js')).href}';
      import { Shape } from '${pathToFileURL(repoPath('build/src/ir/shape.js')).href}';
      import { Tensor } from '${pathToFileURL(repoPath('build/src/ir/tensor.js')).href}';
      import { makeOp } from '${pathToFileURL(repoPath('build/src/ir/op.js')).href}';
      import { runOnWebGpu } from '${run}';
      const p = new Program();
      const m = p.mainModule();
      const x = m.addParameter('x', new Shape('float_type', [4]));
      m.addReturn([m.addInstruction(makeOp('add'), [x, x])]);
      const [y] = await runOnWebGpu(p, new Map([['x', Tensor.fromNumbers('float_type', [4], [1, 2, 3, 4])]]), ${JSON.stringify(deviceOptions())});
      console.log('result ' + y.toNumbers().join(','));
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(child.signal, null, `killed by ${child.signal} (the process did not exit on its own)`);
    assert.equal(child.status, 0, child.stderr);
    assert.match(child.stdout, /^result 2,4,6,8$/m);
  });

});

after(releaseGpu);
