// The attention kernel's contract and compilation: its descriptor (ATTENTION_KERNEL) against the
// WGSL text (struct Params, bindings, overrides and their defaults, codes read from uniforms), and
// every variant compiled on the device inside a validation error scope, then as pipelines for the
// tilings attentionLaunch picks (head sizes 64, 128, 256; half and float) and the compatibility
// tiling, with codes left dynamic and specialised. f16-tile variants are skipped, and counted, on
// devices without shader-f16 (the GLES backend).

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { typeId } from '../../src/ir/types.js';
import { ATTENTION_KERNEL, DYNAMIC, variantKey, variantNeedsF16 } from '../../src/codegen/kernel-catalog.js';
import { composeKernel } from '../../src/codegen/kernel-source.js';
import { WGSL_UNIFORM_TYPES } from '../../src/codegen/uniforms.js';
import { attentionVariants, attentionWorkgroupBytes, attentionWorkgroupSize, chooseTiling, tilingProblem, type AttentionTiling } from '../../src/codegen/attention-kernel.js';
import { MINIMUM_CAPABILITIES } from '../../src/codegen/capabilities.js';
import { acquireGpu, releaseGpu, reportSkipped } from '../runtime/gpu-harness.js';

/** Fields of `struct Params { … }` as [name, type] in order (comments dropped). */
function paramsStruct(text: string): [string, string][] {
  const body = /struct Params \{([\s\S]*?)\n\}/.exec(text);
  if (!body) return [];
  return body[1]!
    .split('\n')
    .map((l) => l.replace(/\/\/.*$/, '').trim())
    .filter((l) => l.length > 0)
    .map((l) => {
      const m = /^(\w+): (.+),$/.exec(l);
      if (!m) throw new Error(`cannot parse struct field '${l}'`);
      return [m[1]!, m[2]!];
    });
}

test('ATTENTION_KERNEL matches kernels/attention.wgsl', () => {
  const spec = ATTENTION_KERNEL;
  const text = composeKernel({ spec, slots: { tile: 'f32' } }).text;
  assert.deepEqual(
    paramsStruct(text),
    Object.entries(spec.uniforms).map(([name, kind]) => [name, WGSL_UNIFORM_TYPES[kind]]),
    'struct Params',
  );
  const bindings = [...text.matchAll(/@group\(0\) @binding\((\d+)\) var<(\w+)(?:, (\w+))?> (\w+)/g)].map((m) => [Number(m[1]), m[2] === 'uniform' ? 'uniform' : m[3]!]);
  assert.deepEqual(bindings, [[0, 'uniform'], ...spec.bindings.map((access, i) => [i + 1, access])], 'bindings');
  const overrides = [...text.matchAll(/^override (\w+): u32(?: = (0x[0-9a-f]+|\d+)u)?;/gm)].map((m) => [m[1]!, m[2] === undefined ? null : Number(m[2])]);
  assert.deepEqual(Object.fromEntries(overrides), spec.overrides, 'overrides (name and default)');
  for (const [name, [field]] of Object.entries(spec.codes ?? {})) {
    assert.equal(spec.overrides[name as keyof typeof spec.overrides], DYNAMIC, `${name} reads uniform '${field}' only when left DYNAMIC`);
    assert.ok(field in spec.uniforms, `${name} maps to uniform '${field}', which struct Params lacks`);
  }
  assert.deepEqual(attentionVariants().map(variantKey), ['attention[tile=f32]', 'attention[tile=f16]']);
});

test('the tiling fits the limits it is chosen for', () => {
  // WebGPU's compatibility minimums: 16 KiB, 128 invocations, no f16.
  for (const d of [16, 32, 64, 80, 96, 128]) {
    const t = chooseTiling(d, 'half_type', MINIMUM_CAPABILITIES);
    assert.ok(t, `a tiling for head size ${d} within the compatibility limits`);
    assert.equal(tilingProblem(t, d, MINIMUM_CAPABILITIES), undefined);
    assert.ok(attentionWorkgroupBytes(t, d) <= 16384 && attentionWorkgroupSize(t) <= 128, JSON.stringify(t));
  }
  // Head size 256 needs more than 16 KiB (its O staging alone is 4 KiB per row group row).
  assert.equal(chooseTiling(256, 'float_type', MINIMUM_CAPABILITIES), undefined);
  assert.ok(chooseTiling(256, 'float_type', { ...MINIMUM_CAPABILITIES, maxComputeWorkgroupStorageSize: 32768 }));
  const h100 = { ...MINIMUM_CAPABILITIES, shaderF16: true, maxComputeInvocationsPerWorkgroup: 1024, maxComputeWorkgroupStorageSize: 49152 };
  assert.deepEqual(chooseTiling(128, 'half_type', h100), { bq: 64, bk: 32, rq: 4, td: 16, tile: 'f16' });
  assert.deepEqual(chooseTiling(128, 'float_type', h100), { bq: 32, bk: 32, rq: 2, td: 8, tile: 'f32' });
  assert.deepEqual(chooseTiling(128, 'half_type', { ...h100, shaderF16: false }), { bq: 32, bk: 32, rq: 2, td: 8, tile: 'f32' });
  assert.match(tilingProblem({ bq: 64, bk: 32, rq: 4, td: 8, tile: 'f32' }, 128, h100) ?? '', /bytes of workgroup memory/);
  assert.match(tilingProblem({ bq: 64, bk: 32, rq: 4, td: 8, tile: 'f32' }, 100, h100) ?? '', /multiple of td/);
});

test('every attention variant compiles into a shader module and pipelines', async (t) => {
  const variants = attentionVariants();
  const acquired = await acquireGpu();
  if (!acquired.gpu) {
    t.skip(reportSkipped('attention-contract.test.ts', variants.length, acquired.skip));
    return;
  }
  const gpu = acquired.gpu;
  const caps = gpu.capabilities;
  const skipped: string[] = [];
  for (const v of variants) {
    if (variantNeedsF16(v) && !caps.shaderF16) {
      skipped.push(variantKey(v));
      continue;
    }
    await t.test(variantKey(v), async () => {
      // PipelineCache.module compiles inside a validation scope and throws with the numbered source.
      const { module } = await gpu.pipelines.module(v);
      const info = await module.getCompilationInfo();
      assert.deepEqual(info.messages.filter((m) => m.type === 'error').map((m) => m.message), []);
      const samples: { tiling: AttentionTiling; headDim: number; headDimV: number }[] = [];
      // Equal head sizes, and MLA's (DeepSeek: Q / K 192, V 128) and the reverse.
      for (const [headDim, headDimV] of [[64, 64], [128, 128], [256, 256], [192, 128], [64, 128]] as const) {
        for (const type of ['half_type', 'float_type'] as const) {
          const tiling = chooseTiling(headDim, type, caps, headDimV);
          if (tiling && tiling.tile === v.slots.tile) samples.push({ tiling, headDim, headDimV });
        }
      }
      if (v.slots.tile === 'f32') samples.push({ tiling: { bq: 8, bk: 8, rq: 2, td: 4, tile: 'f32' }, headDim: 128, headDimV: 128 });
      assert.ok(samples.length > 0, 'some tiling uses this variant');
      for (const { tiling, headDim, headDimV } of samples) {
        const shape = { HEAD_DIM: headDim, HEAD_DIM_V: headDimV, BQ: tiling.bq, BK: tiling.bk, RQ: tiling.rq, TD: tiling.td, WG: attentionWorkgroupSize(tiling) };
        await gpu.pipelines.pipeline(v, shape);
        // One specialised set too (hardware builds these): half in, additive half mask, causal, fp8 out.
        const codes = { IN_TYPE: typeId('half_type'), MASK_KIND: 1, MASK_TYPE: typeId('half_type'), CAUSAL: 1, SOFTCAP: 0, OUT_TYPE: typeId('fp8e4m3fn_type'), SATURATE: 1, QUANTIZE: 1 };
        await gpu.pipelines.pipeline(v, { ...shape, ...codes });
      }
    });
  }
  if (skipped.length > 0) reportSkipped('attention-contract.test.ts', skipped.length, `the device has no shader-f16 (${skipped.join(', ')})`, true);
});

after(releaseGpu);
