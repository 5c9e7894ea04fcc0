// The seed block's attention kernel as a compiled program launches it and as the benchmarks launch it
// on its own (src/perf/attention-block.ts) are the same launch on the same capabilities: same variant,
// tiling, workgroups, strides (K arrives as transpose(k), read as [.., D, S] strides that are K's own),
// output view, specialisation and fp8 epilogue. So a benchmark figure of the kernel stands for the
// program's. Also: the runtime lowers for the device's capabilities, not the portable ones that the
// printed `gpu::code_object` describes. No device needed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../../src/ops/index.js';
import { chooseTiling } from '../../src/codegen/attention-kernel.js';
import { MINIMUM_CAPABILITIES, PORTABLE_CAPABILITIES, type DeviceCapabilities } from '../../src/codegen/capabilities.js';
import { lowerProgram } from '../../src/codegen/lower.js';
import { unpackUniforms } from '../../src/codegen/uniforms.js';
import { ATTENTION_KERNEL } from '../../src/codegen/kernel-catalog.js';
import { compileModel } from '../../src/compiler.js';
import { attentionLaunches, attentionScales, launchDifferences, standaloneAttentionProgram } from '../../src/perf/attention-block.js';
import { seedModel } from '../helpers/seed-model.js';

const SEQ = 64;
const compiled = compileModel(seedModel(SEQ), { fp8: { attentionQdq: 'skip', seed: 0 } });

/** Capabilities as the runtime reads them from the adapters this project runs on. */
const CAPS: Readonly<Record<string, DeviceCapabilities>> = {
  'portable (compile-time printing)': PORTABLE_CAPABILITIES,
  'WebGPU compatibility minimum': MINIMUM_CAPABILITIES,
  'lavapipe (32 KiB, shader-f16, codes in uniforms)': { ...PORTABLE_CAPABILITIES, shaderF16: true, specializeCodes: false, maxComputeInvocationsPerWorkgroup: 1024, maxComputeWorkgroupStorageSize: 32768 },
  'NVIDIA H100 / H200 on Vulkan (48 KiB, shader-f16, specialised)': { ...PORTABLE_CAPABILITIES, shaderF16: true, specializeCodes: true, maxComputeInvocationsPerWorkgroup: 1024, maxComputeWorkgroupStorageSize: 49152 },
};

for (const [name, caps] of Object.entries(CAPS)) {
  test(`the program's attention launch is the standalone bench's launch: ${name}`, () => {
    const launches = attentionLaunches(lowerProgram(compiled.program, caps));
    assert.equal(launches.length, 1, 'the seed block is one fused attention launch');
    const inProgram = launches[0]!;
    const { scale, yScale } = attentionScales(inProgram);
    assert.ok(Math.abs(scale - 1) < 1e-7, `the seed model does not scale its scores (${scale})`);
    const standalone = standaloneAttentionProgram({ seq: SEQ, scale, yScale }, caps).launches[0]!;
    assert.deepEqual(launchDifferences(standalone, inProgram), []);

    // The tiling is the device's choice, and K is read along d (4 halves a word), as for a plain K.
    const t = chooseTiling(128, 'half_type', caps)!;
    assert.equal(inProgram.variant.slots['tile'], t.tile);
    assert.deepEqual([inProgram.constants['BQ'], inProgram.constants['BK'], inProgram.constants['RQ'], inProgram.constants['TD']], [t.bq, t.bk, t.rq, t.td]);
    const u = unpackUniforms(ATTENTION_KERNEL.uniforms, inProgram.uniforms);
    assert.deepEqual(u['k_strides'], [0, SEQ * 128, 128, 1], 'batch (broadcast: 1), head, key, d');
    assert.equal(u['packed'], 1 | 2 | 8, 'q, k and v all read four elements at a time along d');
    assert.deepEqual(u['flags'], [0, 0, 0, 1], 'no mask, not causal, no softcap, the quantize epilogue');
    // The attention kernel is specialised on every device (its codes are constants even where the
    // per-op kernels read them from uniforms).
    assert.equal(inProgram.constants['QUANTIZE'], 1, 'the quantize epilogue is a constant');
    assert.equal(inProgram.constants['MASK_KIND'], 0, 'no mask, as a constant');
  });
}

test("the printed kernel describes the portable tiling; a device with more memory runs its own", () => {
  const text = compiled.program.toString();
  const printed = /gpu::code_object\[[^\]]*symbol_name=wgsl_transpose_dot[^\]]*global=(\d+),local=(\d+)/.exec(text);
  assert.ok(printed, text);
  const portable = attentionLaunches(lowerProgram(compiled.program, PORTABLE_CAPABILITIES))[0]!;
  assert.equal(Number(printed[2]), portable.constants['WG'], 'local = the portable launch’s workgroup size');
  const gpu = attentionLaunches(lowerProgram(compiled.program, CAPS['NVIDIA H100 / H200 on Vulkan (48 KiB, shader-f16, specialised)']!))[0]!;
  assert.deepEqual([gpu.variant.slots['tile'], gpu.constants['BQ'], gpu.constants['TD']], ['f16', 64, 16]);
  assert.notEqual(gpu.constants['WG'], portable.constants['WG']);
});

test('launchDifferences names what differs', () => {
  const caps = CAPS['lavapipe (32 KiB, shader-f16, codes in uniforms)']!;
  const a = standaloneAttentionProgram({ seq: SEQ, scale: 1, yScale: 0.5 }, caps).launches[0]!;
  const b = standaloneAttentionProgram({ seq: SEQ, scale: 0.25, yScale: 0.5, tiling: { tile: 'f32', bq: 16, bk: 8, rq: 4, td: 8 } }, caps).launches[0]!;
  const diff = launchDifferences(a, b);
  assert.ok(diff.includes('variant: "attention[tile=f16]" ≠ "attention[tile=f32]"'), diff.join('\n'));
  assert.ok(diff.some((d) => d.startsWith('constants.BQ: 32 ≠ 16')), diff.join('\n'));
  assert.ok(diff.some((d) => d.startsWith('uniforms.scale_log2: ')), diff.join('\n'));
  assert.ok(!diff.some((d) => d.startsWith('uniforms.out_scale')), diff.join('\n'));
  assert.deepEqual(launchDifferences(a, a), []);
});
