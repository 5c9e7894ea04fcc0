// Every kernel variant (kernel-catalog.ts kernelVariants) compiles on the device: its shader module
// inside a validation error scope with no compiler errors, then compute pipelines with sample override
// constants (pipeline creation is where override expressions are evaluated) and, for kernels whose
// codes can come from uniforms, with those overrides left dynamic. Variants that need shader-f16 are
// skipped, and counted, on devices without it (the GLES backend).

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { typeId } from '../../src/ir/types.js';
import { kernelVariants, variantKey, variantNeedsF16, type KernelVariant } from '../../src/codegen/kernel-catalog.js';
import { POINTWISE_OPS, WIDE_CONVERT_OP } from '../../src/codegen/pointwise-ops.js';
import { acquireGpu, releaseGpu, reportSkipped } from '../runtime/gpu-harness.js';

const T = {
  float: typeId('float_type'),
  half: typeId('half_type'),
  bool: typeId('bool_type'),
  int8: typeId('int8_type'),
  int32: typeId('int32_type'),
  int64: typeId('int64_type'),
  uint32: typeId('uint32_type'),
  fp8: typeId('fp8e4m3fn_type'),
};

/** Override constants for each kernel's sample pipelines (every required override given). */
function sampleConstants(v: KernelVariant): Record<string, number>[] {
  switch (v.spec.name) {
    case 'elementwise-float':
      return [
        { OP: POINTWISE_OPS.add, A_TYPE: T.float, B_TYPE: T.float, Y_TYPE: T.float },
        { OP: POINTWISE_OPS.isnan, A_TYPE: T.half, Y_TYPE: T.bool },
      ];
    case 'elementwise-int':
      return v.slots.domain === 'u32'
        ? [{ OP: POINTWISE_OPS.div, A_TYPE: T.uint32, B_TYPE: T.uint32, Y_TYPE: T.uint32 }]
        : [{ OP: POINTWISE_OPS.pow, A_TYPE: T.int8, B_TYPE: T.int8, Y_TYPE: T.int8 }];
    case 'elementwise-wide':
      return [
        { OP: POINTWISE_OPS.mul, A_TYPE: T.int64, B_TYPE: T.int64, Y_TYPE: T.int64 },
        { OP: WIDE_CONVERT_OP, A_TYPE: T.float, Y_TYPE: T.int64 },
      ];
    case 'convert':
      return [{ A_TYPE: T.float, Y_TYPE: T.fp8, SATURATE: 0 }];
    case 'quantize-linear':
      return [{ A_TYPE: T.float, B_TYPE: T.float, C_TYPE: T.int8, HAS_ZERO_POINT: 1, Y_TYPE: T.int8 }];
    case 'dequantize-linear':
      return [{ A_TYPE: T.fp8, B_TYPE: T.float, Y_TYPE: T.half }];
    case 'where':
      return [{ Y_TYPE: T.int64 }, { Y_TYPE: T.half }];
    case 'copy':
      return [{ ELEM_BYTES: 1 }, { ELEM_BYTES: 8 }];
    case 'gather':
      return [{ ELEM_BYTES: 2, INDEX_TYPE: T.int64 }];
    case 'reduce':
      return [{ OP: 1, X_TYPE: v.slots.domain === 'f32' ? T.half : v.slots.domain === 'u32' ? T.uint32 : T.int8, LANES: 16 }];
    case 'softmax':
      return [{ X_TYPE: T.float, LOG: 1, LANES: 4 }];
    case 'gemm':
      // llvmpipe takes 1–5 s per GEMM pipeline (about twice that with FUSION, its prologue and
      // epilogue): every variant compiles with dynamic codes (below), one also specialised and fused.
      return v.slots.tile === 'f32' && v.slots.block === '4x4' ? [{ A_TYPE: T.fp8, B_TYPE: T.fp8, WG_Y: 8, FUSION: 1 }] : [];
    case 'matmul-baseline':
      return [{}];
    default:
      throw new Error(`no sample constants for kernel ${v.spec.name}: add them here`);
  }
}

const variants = kernelVariants();

test('every kernel variant compiles into a shader module and pipelines', async (t) => {
  const acquired = await acquireGpu();
  if (!acquired.gpu) {
    t.skip(reportSkipped('compile-all.test.ts', variants.length, acquired.skip));
    return;
  }
  const gpu = acquired.gpu;
  const skipped: string[] = [];
  for (const v of variants) {
    if (variantNeedsF16(v) && !gpu.features.has('shader-f16')) {
      skipped.push(variantKey(v));
      continue;
    }
    await t.test(variantKey(v), async () => {
      // PipelineCache.module compiles inside a validation scope and throws with the numbered source.
      const { module } = await gpu.pipelines.module(v);
      const info = await module.getCompilationInfo();
      assert.deepEqual(info.messages.filter((m) => m.type === 'error').map((m) => m.message), []);
      for (const constants of sampleConstants(v)) await gpu.pipelines.pipeline(v, constants);
      if (v.spec.codes) await gpu.pipelines.pipeline(v, {});
    });
  }
  if (skipped.length > 0) reportSkipped('compile-all.test.ts', skipped.length, `the device has no shader-f16 (${skipped.join(', ')})`, true);
  assert.ok(variants.length - skipped.length >= 14, `only ${variants.length - skipped.length} variants compiled`);
});

after(releaseGpu);
