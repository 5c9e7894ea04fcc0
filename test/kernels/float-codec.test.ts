// The WGSL float codecs (kernels/lib/float-codec.wgsl) through the convert kernel, bit for bit against
// src/numerics: every code of the four fp8 formats, fp4 and e8m0 decoded; all 65,536 half values
// encoded to each fp8 format with and without saturation; 2^20 random float32 bit patterns plus
// special values and each format's ties encoded to fp8, half, bf16, fp4 and e8m0. NaN results must be
// NaN codes; everything else must be the exact code.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor } from '../../src/ir/tensor.js';
import type { ElementType } from '../../src/ir/types.js';
import { fp8FromF32Bits, fp8ToFloat, type Fp8Format } from '../../src/numerics/float8.js';
import { e8m0FromF32Bits, e8m0ToFloat, fp4FromF32Bits, fp4ToFloat } from '../../src/numerics/float4.js';
import { bf16FromF32Bits, float32Bits, halfFromF32Bits, halfToFloat } from '../../src/numerics/float16.js';
import { TABLES } from '../numerics/reference.js';
import { gridF32Bits, specialF32Bits, uniformF32Bits } from '../numerics/samples.js';
import { acquireGpu, releaseGpu, reportSkipped } from '../runtime/gpu-harness.js';
import { add, buildProgram, firstRawMismatch, rawTensor, runGpu } from './helpers.js';

const FP8: readonly [ElementType, Fp8Format][] = [
  ['fp8e4m3fn_type', 'e4m3fn'],
  ['fp8e4m3fnuz_type', 'e4m3fnuz'],
  ['fp8e5m2_type', 'e5m2'],
  ['fp8e5m2fnuz_type', 'e5m2fnuz'],
];

const TESTS = 3;
let skipped = false;

async function device() {
  const acquired = await acquireGpu();
  if (!acquired.gpu && !skipped) {
    skipped = true;
    reportSkipped('float-codec.test.ts', TESTS, acquired.skip);
  }
  return acquired.gpu;
}

const isNanBits = (bits: number) => (bits & 0x7fffffff) > 0x7f800000;

/** Float32 bits of a decoded value: a NaN matches any NaN, anything else must be exact. */
function checkDecoded(actual: Tensor, expected: (i: number) => number, what: string): void {
  const got = new Uint32Array((actual.data as Float32Array).buffer, (actual.data as Float32Array).byteOffset, actual.shape.elements());
  for (let i = 0; i < got.length; i++) {
    const want = expected(i);
    if (Number.isNaN(want)) assert.ok(isNanBits(got[i]!), `${what}: code ${i} should decode to NaN, got 0x${got[i]!.toString(16)}`);
    else assert.equal(got[i], float32Bits(want), `${what}: code ${i} decodes to 0x${got[i]!.toString(16)}, expected ${want}`);
  }
}

test('decode: every fp8 (four formats), fp4 and e8m0 code converts to float32 exactly', async (t) => {
  const gpu = await device();
  if (!gpu) return t.skip('no WebGPU device');
  const codes = Uint8Array.from({ length: 256 }, (_, i) => i);
  const formats: [ElementType, number, (c: number) => number][] = [
    ...FP8.map(([type, fmt]): [ElementType, number, (c: number) => number] => [type, 256, (c) => fp8ToFloat(c, fmt)]),
    ['fp4e2m1_type', 16, fp4ToFloat],
    ['fp8e8m0_type', 256, e8m0ToFloat],
  ];
  const inputs = Object.fromEntries(formats.map(([type, n]) => [type, rawTensor(type, [n], codes.slice(0, n))]));
  const built = buildProgram(inputs, (m, p) => formats.map(([type]) => add(m, 'convert', [p[type]!], { target_type: 'float_type' })));
  const outputs = await runGpu(gpu, built);
  formats.forEach(([type, , decode], k) => checkDecoded(outputs[k]!, decode, type));
});

test('encode: all 65,536 half values to each fp8 format, saturating and not, and back to float32', async (t) => {
  const gpu = await device();
  if (!gpu) return t.skip('no WebGPU device');
  const halves = Uint16Array.from({ length: 65536 }, (_, i) => i);
  // Exact float32 bits of each half; NaN halves as quiet NaNs of their sign (only NaN-ness and sign
  // matter to the encoders).
  const asF32 = Uint32Array.from(halves, (h) => ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0 ? ((h & 0x8000) << 16) | 0x7fc00000 : float32Bits(halfToFloat(h))) >>> 0);
  const cases = FP8.flatMap(([type, fmt]) => [true, false].map((saturate) => ({ type, fmt, saturate })));
  const built = buildProgram({ h: rawTensor('half_type', [65536], halves) }, (m, p) => [
    ...cases.map((c) => add(m, 'convert', [p['h']!], { target_type: c.type, saturate: c.saturate })),
    add(m, 'convert', [p['h']!], { target_type: 'float_type' }),
  ]);
  const outputs = await runGpu(gpu, built);
  cases.forEach((c, k) => {
    const expected = Array.from(asF32, (bits) => fp8FromF32Bits(bits, c.fmt, c.saturate));
    const why = firstRawMismatch(outputs[k]!, expected, (i) => `half 0x${i.toString(16)}`);
    assert.equal(why, undefined, `${c.fmt} saturate=${c.saturate}: ${why}`);
  });
  checkDecoded(outputs[cases.length]!, (h) => halfToFloat(h), 'half → float');
});

test('encode: 2^20 random float32 patterns, specials and every format\'s ties to fp8, half, bf16, fp4 and e8m0', async (t) => {
  const gpu = await device();
  if (!gpu) return t.skip('no WebGPU device');
  const parts = [
    uniformF32Bits(1 << 20, 11),
    Uint32Array.from(specialF32Bits(12)),
    gridF32Bits(TABLES.e4m3fn, 20000, 13),
    gridF32Bits(TABLES.e4m3fnuz, 5000, 14),
    gridF32Bits(TABLES.e5m2, 20000, 15),
    gridF32Bits(TABLES.e5m2fnuz, 5000, 16),
    gridF32Bits(TABLES.e2m1, 5000, 17),
    gridF32Bits(TABLES.half, 20000, 18),
  ];
  const bits = new Uint32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    bits.set(p, at);
    at += p.length;
  }
  const encoders: { type: ElementType; saturate: boolean; expect: (b: number) => number }[] = [
    ...FP8.flatMap(([type, fmt]) => [true, false].map((saturate) => ({ type, saturate, expect: (b: number) => fp8FromF32Bits(b, fmt, saturate) }))),
    { type: 'half_type', saturate: true, expect: halfFromF32Bits },
    { type: 'bf16_type', saturate: true, expect: bf16FromF32Bits },
    { type: 'fp4e2m1_type', saturate: true, expect: (b) => fp4FromF32Bits(b) },
    { type: 'fp8e8m0_type', saturate: true, expect: (b) => e8m0FromF32Bits(b, true) },
    { type: 'fp8e8m0_type', saturate: false, expect: (b) => e8m0FromF32Bits(b, false) },
  ];
  const built = buildProgram({ x: rawTensor('float_type', [bits.length], new Float32Array(bits.buffer)) }, (m, p) =>
    encoders.map((e) => add(m, 'convert', [p['x']!], { target_type: e.type, saturate: e.saturate })),
  );
  const outputs = await runGpu(gpu, built);
  encoders.forEach((e, k) => {
    const why = firstRawMismatch(outputs[k]!, Array.from(bits, e.expect), (i) => `float32 0x${bits[i]!.toString(16)}`);
    assert.equal(why, undefined, `${e.type} saturate=${e.saturate}: ${why}`);
  });
});

after(releaseGpu);
