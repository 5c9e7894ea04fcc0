// Lowering without a device: which launches an instruction becomes, what they bind, and where the
// op and type codes go (override constants when the device specialises, uniforms when not).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tensor } from '../../src/ir/tensor.js';
import { typeId } from '../../src/ir/types.js';
import { MINIMUM_CAPABILITIES, SPECIALIZE_ELEMENTS, type DeviceCapabilities } from '../../src/codegen/capabilities.js';
import { reduceWorkgroupSize } from '../../src/codegen/fused-reduce.js';
import { grid1d } from '../../src/codegen/grid.js';
import { variantKey } from '../../src/codegen/kernel-catalog.js';
import { DUMMY_BUFFER } from '../../src/codegen/launch.js';
import { lowerProgram } from '../../src/codegen/lower.js';
import { POINTWISE_OPS } from '../../src/codegen/pointwise-ops.js';
import { compileModel } from '../../src/compiler.js';
import { seedModel } from '../helpers/seed-model.js';
import { add, buildProgram } from './helpers.js';
import { fuseGemm } from '../../src/passes/fuse-gemm.js';
import { moduleToString } from '../../src/ir/printer.js';
import { DiagnosticSink } from '../../src/diagnostics.js';
import { KERNELS } from '../../src/codegen/kernel-catalog.js';
import { unpackUniforms } from '../../src/codegen/uniforms.js';
import { eliminateDeadCode } from '../../src/passes/eliminate-dead-code.js';
import { gemmThenGelu } from '../helpers/gemm-then-gelu.js';

const SPECIALISED: DeviceCapabilities = { ...MINIMUM_CAPABILITIES, specializeCodes: true };
const DYNAMIC_CODES: DeviceCapabilities = { ...MINIMUM_CAPABILITIES, specializeCodes: false };

const x = Tensor.fromNumbers('float_type', [2, 3], [1, 2, 3, 4, 5, 6]);

test('views launch nothing: a transpose feeding exp is read through its strides', () => {
  const built = buildProgram({ x }, (m, p) => [add(m, 'exp', [add(m, 'transpose', [p['x']!], { permutation: [1, 0] })])]);
  const lowered = lowerProgram(built.program, SPECIALISED);
  assert.deepEqual(lowered.launches.map((l) => variantKey(l.variant)), ['elementwise-float']);
  const l = lowered.launches[0]!;
  assert.deepEqual(l.bindings, [0, DUMMY_BUFFER, DUMMY_BUFFER, 1]);
  const words = new Uint32Array(l.uniforms);
  assert.deepEqual([...words.slice(0, 3)], [6, 2, 0], 'count 6, rank 2, not contiguous');
  assert.deepEqual(lowered.outputs.map((o) => o.buffer), [1]);
});

test('codes are override constants on a specialising device and uniforms otherwise', () => {
  const built = buildProgram({ x }, (m, p) => [add(m, 'convert', [add(m, 'mul', [p['x']!, p['x']!])], { target_type: 'half_type' })]);
  const specialised = lowerProgram(built.program, SPECIALISED).launches;
  assert.deepEqual(specialised[0]!.constants, { OP: POINTWISE_OPS.mul, A_TYPE: typeId('float_type'), B_TYPE: typeId('float_type'), C_TYPE: 0, Y_TYPE: typeId('float_type'), SATURATE: 1, HAS_ZERO_POINT: 0 });
  assert.equal(specialised[1]!.constants['Y_TYPE'], typeId('half_type'));
  const dynamic = lowerProgram(built.program, DYNAMIC_CODES).launches;
  assert.deepEqual(dynamic[0]!.constants, {});
  const words = new Uint32Array(dynamic[1]!.uniforms);
  assert.deepEqual([...words.slice(3, 8)], [0, typeId('float_type'), 0, 0, typeId('half_type')], 'op, then types a, b, c, y');
});

test('concat is one copy per input; a half dot writes half when its rows fill whole words, else float32 and a convert', () => {
  const h = Tensor.fromNumbers('half_type', [2, 2], [1, 2, 3, 4]);
  const h3 = Tensor.fromNumbers('half_type', [3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const built = buildProgram({ x, h, h3 }, (m, p) => [add(m, 'concat', [p['x']!, p['x']!, p['x']!], { axis: 1 }), add(m, 'dot', [p['h']!, p['h']!]), add(m, 'dot', [p['h3']!, p['h3']!])]);
  const lowered = lowerProgram(built.program, SPECIALISED);
  assert.deepEqual(lowered.launches.map((l) => variantKey(l.variant)), ['copy', 'copy', 'copy', 'gemm[tile=f32,block=4x4]', 'gemm[tile=f32,block=4x4]', 'convert']);
  // dot(h, h) binds h once: b reads a's binding.
  assert.deepEqual(lowered.launches[3]!.bindings.slice(0, 3), [1, DUMMY_BUFFER, DUMMY_BUFFER]);
});

test('int64 arithmetic is emulated; int64 division and double arithmetic are rejected', () => {
  const l = Tensor.fromNumbers('int64_type', [2], [1, 2]);
  const d = Tensor.fromNumbers('double_type', [2], [1, 2]);
  const ok = buildProgram({ l }, (m, p) => [add(m, 'less', [p['l']!, add(m, 'sub', [p['l']!, p['l']!])])]);
  assert.deepEqual(lowerProgram(ok.program, SPECIALISED).launches.map((x) => variantKey(x.variant)), ['elementwise-wide', 'elementwise-wide']);
  assert.throws(() => lowerProgram(buildProgram({ l }, (m, p) => [add(m, 'div', [p['l']!, p['l']!])]).program, SPECIALISED), /unsupported on webgpu: div with int64_type/);
  assert.throws(() => lowerProgram(buildProgram({ d }, (m, p) => [add(m, 'add', [p['d']!, p['d']!])]).program, SPECIALISED), /unsupported on webgpu: add with double_type/);
});

test('large launches spread over two grid dimensions', () => {
  assert.deepEqual(grid1d(10), [10, 1, 1]);
  const [gx, gy] = grid1d(200000);
  assert.ok(gx <= 65535 && gx * gy >= 200000 && gx * (gy - 1) < 200000, `${gx}×${gy}`);
});

test('GEMMs on a software adapter: types and prologues specialised, direct loads only where no prologue runs', () => {
  const SOFTWARE: DeviceCapabilities = { ...MINIMUM_CAPABILITIES, specializeCodes: false, directLoads: true };
  const h = Tensor.fromNumbers('half_type', [4, 4], new Array(16).fill(1));
  const built = buildProgram({ x, h }, (m, p) => [add(m, 'dot', [p['x']!, add(m, 'transpose', [p['x']!], { permutation: [1, 0] })]), add(m, 'dot', [p['h']!, p['h']!])]);
  const [xx, hh] = lowerProgram(built.program, SOFTWARE).launches.filter((l) => l.variant.spec.name === 'gemm');
  assert.deepEqual(xx!.constants, { WG_X: 16, WG_Y: 8, FUSION: 0, DIRECT: 1, A_TYPE: typeId('float_type'), B_TYPE: typeId('float_type'), B_FROM_A: 1, A_PROLOGUE: 0, B_PROLOGUE: 0 });
  assert.equal(hh!.constants['A_TYPE'], typeId('half_type'));
  // A GPU that keeps codes in uniforms: workgroup tiles, nothing specialised.
  const gpu = lowerProgram(built.program, DYNAMIC_CODES).launches.find((l) => l.variant.spec.name === 'gemm')!;
  assert.deepEqual(gpu.constants, { WG_X: 16, WG_Y: 8, FUSION: 0, DIRECT: 0 });

  // The seed block's fused GEMMs (fp8 keep): quantize prologues are constants and keep workgroup tiles.
  const keep = compileModel(seedModel(32), { fp8: { attentionQdq: 'keep' } });
  const gemms = lowerProgram(keep.program, SOFTWARE).launches.filter((l) => l.variant.spec.name === 'gemm');
  assert.ok(gemms.length >= 3, `${gemms.length} GEMM launches`);
  let withPrologue = 0;
  for (const g of gemms) {
    const prologues = [g.constants['A_PROLOGUE'], g.constants['B_PROLOGUE']];
    assert.ok(prologues.every((c) => typeof c === 'number'), `${g.label}: prologues are constants`);
    if (prologues.some((c) => c !== 0)) {
      withPrologue++;
      assert.equal(g.constants['DIRECT'], 0, `${g.label} has a prologue: workgroup tiles`);
      for (const c of prologues.filter((c) => c !== 0)) assert.equal(c! & 0xff, 61, `${g.label}: the prologue is a quantize (STEP_QUANTIZE)`);
    } else {
      assert.equal(g.constants['DIRECT'], 1, `${g.label} has no prologue: direct loads`);
    }
  }
  assert.ok(withPrologue >= 1, 'some GEMM quantizes an operand as it loads');
});

test('a device that keeps codes in uniforms specialises launches of a million elements or more', () => {
  const codeConstants = (l: { variant: { spec: { codes?: Readonly<Record<string, unknown>> } }; constants: Readonly<Record<string, number>> }) => Object.keys(l.variant.spec.codes ?? {}).filter((k) => k in l.constants);
  const at = (rows: number) => {
    const big = Tensor.fromNumbers('float_type', [rows, 1024], new Array(rows * 1024).fill(0.5));
    const built = buildProgram({ big }, (m, p) => [add(m, 'exp', [p['big']!]), add(m, 'reduce_sum', [p['big']!], { axes: [1] })]);
    return lowerProgram(built.program, DYNAMIC_CODES).launches;
  };
  assert.equal(SPECIALIZE_ELEMENTS, 1024 * 1024);
  const [expSmall, sumSmall] = at(1023);
  assert.deepEqual([codeConstants(expSmall!), codeConstants(sumSmall!)], [[], []], 'under the threshold: codes in uniforms');
  const [expBig, sumBig] = at(1024);
  assert.deepEqual(codeConstants(expBig!).sort(), Object.keys(expBig!.variant.spec.codes!).sort(), 'exp: every code a constant');
  assert.equal(expBig!.constants['OP'], POINTWISE_OPS.exp, 'the op code is the constant');
  assert.deepEqual(codeConstants(sumBig!).sort(), Object.keys(sumBig!.variant.spec.codes!).sort(), 'reduce_sum: every code a constant');
  // The uniforms still hold the codes (the kernel reads them where a constant is left DYNAMIC).
  assert.deepEqual(new Uint32Array(expBig!.uniforms)[3], POINTWISE_OPS.exp);
});

test('fused reductions take 16 invocations a row where shaders run on the CPU, up to 256 on a GPU', () => {
  assert.equal(reduceWorkgroupSize({ ...MINIMUM_CAPABILITIES, shadersOnCpu: true }, 4096), 16);
  assert.equal(reduceWorkgroupSize({ ...MINIMUM_CAPABILITIES, maxComputeInvocationsPerWorkgroup: 256 }, 1024), 256);
  assert.equal(reduceWorkgroupSize({ ...MINIMUM_CAPABILITIES, maxComputeInvocationsPerWorkgroup: 256 }, 1023), 64);
  assert.equal(reduceWorkgroupSize(MINIMUM_CAPABILITIES, 4096), 64, '128 invocations allowed: 64');
  // The seed's keep program: its dq → softmax → q kernel on each kind of device.
  const keep = compileModel(seedModel(32), { fp8: { attentionQdq: 'keep' } });
  const wgOf = (caps: DeviceCapabilities) => lowerProgram(keep.program, caps).launches.find((l) => l.variant.spec.name.startsWith('fused-reduce'))?.constants['WG'];
  assert.equal(wgOf({ ...DYNAMIC_CODES, shadersOnCpu: true, directLoads: true }), 16);
  assert.equal(wgOf(SPECIALISED), 64);
});

test('a fused GEMM the kernel cannot take runs as its ops and is named with the reason', () => {
  // quant_dot then a per-channel dequantize: fuse-gemm takes the dequantize as the epilogue, the GEMM
  // kernel applies scalar scales only.
  const x8 = Tensor.fromNumbers('fp8e4m3fn_type', [2, 4], [1, 2, 3, 4, 5, 6, 7, 8]);
  const w8 = Tensor.fromNumbers('fp8e4m3fn_type', [4, 3], new Array(12).fill(1));
  const built = buildProgram({ x8, w8 }, (m, p) => {
    const g = add(m, 'quant_dot', [p['x8']!, p['w8']!]);
    const scale = add(m, 'multibroadcast', [m.addLiteral(Tensor.fromNumbers('float_type', [3], [0.5, 0.25, 0.125]))], { out_lens: [2, 3] });
    return [add(m, 'dequantizelinear', [g, scale])];
  });
  fuseGemm.apply(built.program, { diagnostics: new DiagnosticSink() });
  assert.match(moduleToString(built.program.mainModule()), /= group\[tag=gemm\]\(x8,w8,@\d+\), \[gemm0\]/, 'the per-channel scale is an input of the group');
  const lowered = lowerProgram(built.program, SPECIALISED);
  assert.deepEqual(lowered.fallbacks, [{ instruction: 'group[tag=gemm]', reason: 'not one GEMM kernel: epilogue dequantizelinear with a per-channel scale or a zero point' }]);
  assert.deepEqual(lowered.launches.map((l) => variantKey(l.variant)), ['gemm[tile=f32,block=4x4]', 'dequantize-linear']);
});

test('GELU after a GEMM is one launch: the epilogue keeps x for the product that reads it again', () => {
  const p = gemmThenGelu(false);
  const ctx = { diagnostics: new DiagnosticSink() };
  fuseGemm.apply(p, ctx);
  eliminateDeadCode.apply(p, ctx);
  const lowered = lowerProgram(p, SPECIALISED);
  assert.deepEqual(lowered.fallbacks, []);
  assert.deepEqual(lowered.launches.map((l) => variantKey(l.variant)), ['gemm[tile=f32,block=4x4]']);
  const u = unpackUniforms(KERNELS.gemm.uniforms, lowered.launches[0]!.uniforms);
  assert.equal(u['epilogue_steps'], 6);
  assert.deepEqual((u['epi_kinds'] as number[]).slice(0, 6), (['add', 'div', 'erf', 'add', 'mul', 'mul'] as const).map((o) => POINTWISE_OPS[o]));
  // Flags: 2 saturate, 4 the operand is c (the bias), 8 keep the value received (x), 16 the operand is the kept x.
  assert.deepEqual(u['epi_flags'], [2 | 4, 2 | 8, 2, 2, 2 | 16, 2, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual((u['epi_scalars'] as number[]).slice(0, 6), [0, Math.fround(Math.SQRT2), 0, 1, 0, 0.5]);
});
