// GPU GEMM throughput: our tiled GEMM kernel (kernels/gemm.wgsl, through the real lowering) against a
// textbook 16×16 shared-memory matmul (kernels/bench/matmul-baseline.wgsl) on the same adapter, at
// 1024³ and 4096×768×768, float32 and (ours) half inputs. Kernel times are GPU timestamps (Dawn's
// timestamp quantisation off), median of N passes, or wall clock where the adapter has no timestamps.
//   node scripts/run-ts.mjs bench/gpu.ts [--backend vulkan|opengles] [--iterations N] [--robust]
// The device has ORT's perf toggles (PERF_TOGGLES, as `perf` and the other benchmarks) unless --robust.
// Not part of `npm run bench`; writes .bench-out/gpu.json. On a software adapter (lavapipe) the figures
// are smoke tests: only ratios on one adapter mean anything (reference/webgpu.md).

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import '../src/ops/index.js';
import { Tensor } from '../src/ir/tensor.js';
import type { ElementType } from '../src/ir/types.js';
import { KERNELS } from '../src/codegen/kernel-catalog.js';
import { lowerProgram } from '../src/codegen/lower.js';
import { variantKey } from '../src/codegen/kernel-catalog.js';
import { WebGpuDevice } from '../src/runtime/device.js';
import { ExecutableProgram } from '../src/runtime/executable.js';
import { baselineProgram, gemmProgram, randomMatrix } from './gemm-programs.js';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

interface Row {
  readonly shape: string;
  readonly kernel: string;
  readonly inputs: ElementType;
  readonly iterations: number;
  readonly medianMs: number;
  readonly minMs: number;
  readonly gflops: number;
  readonly timing: 'gpu timestamps' | 'wall clock';
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)]!;
}

/** Largest |x − y| over the largest |y|: agreement of two results of the same product. */
function relativeDifference(x: Tensor, y: Tensor): number {
  const a = x.toFloat32Array();
  const b = y.toFloat32Array();
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

async function measure(gpu: WebGpuDevice, exe: ExecutableProgram, params: Map<string, Tensor>, launch: number, flops: number): Promise<Omit<Row, 'shape' | 'kernel' | 'inputs'>> {
  // A first pass warms up (pipeline compile, lazy clears) and sizes the run to about 2 s.
  const first = await exe.profile(params, 1);
  const estimateMs = first.kernelNs.length > 0 && first.kernelNs[launch]!.length > 0 ? first.kernelNs[launch]![0]! / 1e6 : first.wallMsPerIteration;
  const fixed = option('iterations');
  const iterations = fixed ? Number(fixed) : Math.max(3, Math.min(50, Math.round(2000 / Math.max(estimateMs, 1e-3))));
  const warm = await exe.profile(params, Math.min(iterations, 10));
  void warm;
  const result = await exe.profile(params, iterations);
  const timed = gpu.features.has('timestamp-query');
  const ms = timed ? result.kernelNs[launch]!.map((ns) => ns / 1e6) : [result.wallMsPerIteration];
  const medianMs = median(ms);
  return { iterations, medianMs, minMs: Math.min(...ms), gflops: flops / (medianMs * 1e-3) / 1e9, timing: timed ? 'gpu timestamps' : 'wall clock' };
}

const backend = option('backend');
const gpu = await WebGpuDevice.create({ ...(backend ? { backend } : {}), perfToggles: !process.argv.includes('--robust') });
const machine = `${cpus().length}× ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`;
console.log(`# GPU GEMM — ${new Date().toISOString().slice(0, 10)} — ${machine}\n`);
console.log(`adapter: ${gpu.describe()}`);
const l = gpu.limits;
console.log(`limits: maxStorageBufferBindingSize ${l.maxStorageBufferBindingSize}, maxComputeWorkgroupStorageSize ${l.maxComputeWorkgroupStorageSize}, maxComputeInvocationsPerWorkgroup ${l.maxComputeInvocationsPerWorkgroup}\n`);

const rows: Row[] = [];
const checks: string[] = [];
for (const [m, k, n] of [
  [1024, 1024, 1024],
  [4096, 768, 768],
] as const) {
  const shape = `${m}×${k}×${n}`;
  const flops = 2 * m * k * n;
  const a = randomMatrix('float_type', m, k, 1);
  const b = randomMatrix('float_type', k, n, 2);
  const params = new Map([
    ['a', a],
    ['b', b],
  ]);

  const baseline = await ExecutableProgram.prepare(gpu, baselineProgram(m, k, n));
  const reference = (await baseline.run(params)).outputs[0]!;
  rows.push({ shape, kernel: 'matmul-baseline (16×16 tiles, 1 output per invocation)', inputs: 'float_type', ...(await measure(gpu, baseline, params, 0, flops)) });
  baseline.destroy();

  // Half inputs twice: float32 tiles (the default) and f16 tiles (opt-in, needs shader-f16).
  const variants: { type: 'float_type' | 'half_type'; halfTiles: boolean }[] = [
    { type: 'float_type', halfTiles: false },
    { type: 'half_type', halfTiles: false },
    ...(gpu.features.has('shader-f16') ? [{ type: 'half_type' as const, halfTiles: true }] : []),
  ];
  for (const { type, halfTiles } of variants) {
    const typed = type === 'float_type' ? params : new Map([...params].map(([name, t]) => [name, Tensor.fromNumbers(type, t.shape.lens, t.toFloat32Array())]));
    const lowered = lowerProgram(gemmProgram(type, m, k, n), { ...gpu.capabilities, halfTiles });
    const exe = await ExecutableProgram.prepare(gpu, lowered);
    const out = (await exe.run(typed)).outputs[0]!;
    checks.push(`${shape} ${type}${halfTiles ? ' (f16 tiles)' : ''}: max |ours − baseline| / max |baseline| = ${relativeDifference(out, reference).toExponential(2)}`);
    const gemm = lowered.launches.findIndex((x) => x.variant.spec === KERNELS.gemm);
    rows.push({ shape, kernel: `ours: ${variantKey(lowered.launches[gemm]!.variant)}`, inputs: type, ...(await measure(gpu, exe, typed, gemm, flops)) });
    exe.destroy();
  }
}

console.log('| m×k×n | kernel | inputs | median ms | min ms | GFLOP/s | × baseline | timing |');
console.log('|---|---|---|---:|---:|---:|---:|---|');
for (const r of rows) {
  const base = rows.find((x) => x.shape === r.shape && x.kernel.startsWith('matmul-baseline'))!;
  console.log(`| ${r.shape} | ${r.kernel} | ${r.inputs} | ${r.medianMs.toFixed(3)} | ${r.minMs.toFixed(3)} | ${r.gflops.toFixed(1)} | ${(r.gflops / base.gflops).toFixed(2)} | ${r.timing}, ${r.iterations} runs |`);
}
console.log(`\n${checks.join('\n')}`);

mkdirSync('.bench-out', { recursive: true });
writeFileSync('.bench-out/gpu.json', JSON.stringify({ machine, adapter: gpu.describe(), info: gpu.info, date: new Date().toISOString(), rows, checks }, null, 2));
gpu.destroy();
