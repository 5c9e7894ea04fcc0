// Fused attention (kernels/attention.wgsl through attentionLaunch) on the seed block — q, k, v half
// [1, 16, S, 128], scale 1/√128, softmax, · v, quantizelinear to fp8e4m3fn — at S = 1024 and 256,
// against the same block run unfused with the per-op kernels (dot, mul, softmax, dot, quantizelinear
// through lowerProgram): GPU time (timestamps, Dawn's quantisation off, median of N), GFLOP/s
// (4·B·H·S²·D), launches and the scratch the unfused block needs for its S×S scores.
//   node scripts/run-ts.mjs bench/attention.ts [--backend vulkan|opengles] [--iterations N] [--sizes 1024,256]
//                                              [--sweep] [--robust] [--check]
// --sweep also times other tilings at the first size; --check compares S = 256 with the reference
// interpreter; --robust keeps Dawn's robustness and validation (default: PERF_TOGGLES, as ORT and `perf` run). Writes
// .bench-out/attention.json. On a software adapter (lavapipe) only ratios on one adapter mean anything.

import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import '../src/ops/index.js';
import { makeOp, type AttrValue } from '../src/ir/op.js';
import { Program } from '../src/ir/program.js';
import type { Instruction } from '../src/ir/instruction.js';
import type { Module } from '../src/ir/module.js';
import { Shape } from '../src/ir/shape.js';
import { Tensor } from '../src/ir/tensor.js';
import type { ElementType } from '../src/ir/types.js';
import { attentionWorkgroupBytes, chooseTiling, tilingProblem, type AttentionTiling } from '../src/codegen/attention-kernel.js';
import { standaloneAttentionProgram } from '../src/perf/attention-block.js';
import { variantKey } from '../src/codegen/kernel-catalog.js';
import type { LoweredProgram } from '../src/codegen/launch.js';
import { lowerProgram } from '../src/codegen/lower.js';
import { evaluateProgram } from '../src/ref/evaluate.js';
import { WebGpuDevice } from '../src/runtime/device.js';
import { ExecutableProgram } from '../src/runtime/executable.js';
import { seededRandom } from '../src/inputs/random-inputs.js';

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

const B = 1;
const H = 16;
const D = 128;
const SCALE = 1 / Math.sqrt(D);
/** quantizelinear's y_scale: O lies in [−1, 1] (v does), so codes up to 256 (max 448). */
const Y_SCALE = 1 / 256;
const IN: ElementType = 'half_type';
const OUT: ElementType = 'fp8e4m3fn_type';

const backend = option('backend');
const robust = flag('robust');
const sizes = (option('sizes') ?? '1024,256').split(',').map(Number);
const fixedIterations = option('iterations');

/** A device with ORT's perf toggles (PERF_TOGGLES: what `perf` measures with too), or Dawn's defaults with --robust. */
async function device(): Promise<{ gpu: WebGpuDevice; toggles: string }> {
  const gpu = await WebGpuDevice.create({ ...(backend ? { backend } : {}), perfToggles: !robust });
  return { gpu, toggles: `${gpu.toggles.enabled.join(', ')}; off: ${gpu.toggles.disabled.join(', ')}` };
}

function randomTensor(lens: number[], seed: number, lo: number, hi: number): Tensor {
  const next = seededRandom(seed);
  const n = lens.reduce((a, x) => a * x, 1);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = lo + (hi - lo) * next();
  return Tensor.fromNumbers(IN, lens, values);
}

function inputs(S: number): Map<string, Tensor> {
  return new Map([
    ['q', randomTensor([B, H, S, D], 1, -2, 2)],
    ['k', randomTensor([B, H, S, D], 2, -2, 2)],
    ['v', randomTensor([B, H, S, D], 3, -1, 1)],
  ]);
}

const add = (m: Module, op: string, ins: Instruction[], attrs: Readonly<Record<string, AttrValue>> = {}) => m.addInstruction(makeOp(op, attrs), ins);
const scalar = (m: Module, type: ElementType, value: number, lens: number[]) => add(m, 'multibroadcast', [m.addLiteral(Tensor.fromNumbers(type, [1], [value]))], { out_lens: lens });

/**
 * The block as IR: dot → mul(scale) → softmax → dot → quantizelinear. `work` half is the model as
 * exported (the per-op kernels' input); float converts first (the reference's precision).
 */
function blockProgram(S: number, work: ElementType): Program {
  const p = new Program();
  const m = p.mainModule();
  const [q, k, v] = ['q', 'k', 'v'].map((n) => m.addParameter(n, new Shape(IN, [B, H, S, D])));
  const cast = (x: Instruction) => (work === IN ? x : add(m, 'convert', [x], { target_type: work }));
  const kt = add(m, 'transpose', [k!], { permutation: [0, 1, 3, 2] });
  const scores = add(m, 'dot', [cast(q!), cast(kt)]);
  const scaled = add(m, 'mul', [scores, scalar(m, work, SCALE, [B, H, S, S])]);
  const probs = add(m, 'softmax', [scaled], { axis: 3 });
  const out = add(m, 'dot', [probs, cast(v!)]);
  m.addReturn([add(m, 'quantizelinear', [out, scalar(m, 'float_type', Y_SCALE, [B, H, S, D])], { out_type: OUT })]);
  return p;
}

/** The fused kernel as a one-launch program over q, k, v and the fp8 output (the launch a compiled program makes: test/kernels/attention-program-launch.test.ts). */
function fusedProgram(S: number, gpu: WebGpuDevice, tiling?: AttentionTiling): LoweredProgram {
  return standaloneAttentionProgram({ batch: B, heads: H, seq: S, headDim: D, scale: SCALE, yScale: Y_SCALE, inType: IN, outType: OUT, ...(tiling ? { tiling } : {}) }, gpu.capabilities);
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

interface Timed {
  readonly medianMs: number;
  readonly minMs: number;
  readonly iterations: number;
  readonly timing: 'gpu timestamps' | 'wall clock';
}

/** Median GPU time of one run of every launch (summed per iteration). */
async function measure(gpu: WebGpuDevice, exe: ExecutableProgram, params: Map<string, Tensor>): Promise<Timed> {
  const launches = exe.launchLabels.length;
  const first = await exe.profile(params, 1);
  const firstMs = first.kernelNs.length > 0 ? first.kernelNs.reduce((a, ns) => a + ns[0]!, 0) / 1e6 : first.wallMsPerIteration;
  const cap = Math.floor(4096 / (2 * launches));
  const iterations = Math.min(cap, fixedIterations ? Number(fixedIterations) : Math.max(3, Math.min(50, Math.round(1500 / Math.max(firstMs, 1e-3)))));
  await exe.profile(params, Math.min(iterations, 10));
  const r = await exe.profile(params, iterations);
  if (!gpu.features.has('timestamp-query')) return { medianMs: r.wallMsPerIteration, minMs: r.wallMsPerIteration, iterations, timing: 'wall clock' };
  const perIteration = Array.from({ length: iterations }, (_, it) => r.kernelNs.reduce((a, ns) => a + ns[it]!, 0) / 1e6);
  return { medianMs: median(perIteration), minMs: Math.min(...perIteration), iterations, timing: 'gpu timestamps' };
}

/** Codes that differ, and by how many steps at most (sign-magnitude fp8 → ordinal). */
function codeAgreement(a: Tensor, b: Tensor): { differ: number; worst: number; n: number } {
  const n = a.shape.elements();
  const ord = (c: number) => (c & 0x80 ? -(c & 0x7f) : c & 0x7f);
  let differ = 0;
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const d = Math.abs(ord(Number(a.rawAt(i))) - ord(Number(b.rawAt(i))));
    if (d > 0) differ++;
    worst = Math.max(worst, d);
  }
  return { differ, worst, n };
}

const SWEEP: AttentionTiling[] = [
  { bq: 64, bk: 32, rq: 4, td: 8, tile: 'f16' },
  { bq: 64, bk: 32, rq: 4, td: 16, tile: 'f16' },
  { bq: 32, bk: 32, rq: 4, td: 8, tile: 'f32' },
  { bq: 32, bk: 32, rq: 2, td: 8, tile: 'f32' },
  { bq: 64, bk: 16, rq: 4, td: 8, tile: 'f32' },
  { bq: 32, bk: 16, rq: 4, td: 8, tile: 'f32' },
  { bq: 32, bk: 32, rq: 4, td: 8, tile: 'f16' },
  { bq: 16, bk: 8, rq: 4, td: 8, tile: 'f32' },
  // Fewer invocations per row group (more work per invocation, fewer workgroups' barriers): for CPU
  // adapters (llvmpipe runs a workgroup as 8-wide SIMD with barriers as coroutine switches).
  { bq: 32, bk: 32, rq: 4, td: 4, tile: 'f16' },
  { bq: 64, bk: 32, rq: 4, td: 4, tile: 'f16' },
  { bq: 64, bk: 32, rq: 4, td: 4, tile: 'f32' },
  { bq: 32, bk: 32, rq: 4, td: 4, tile: 'f32' },
  { bq: 16, bk: 32, rq: 4, td: 4, tile: 'f32' },
  { bq: 128, bk: 32, rq: 4, td: 4, tile: 'f16' },
];

const { gpu, toggles } = await device();
const machine = `${cpus().length}× ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`;
console.log(`# Fused attention — ${new Date().toISOString().slice(0, 10)} — ${machine}\n`);
console.log(`adapter: ${gpu.describe()}`);
const l = gpu.limits;
console.log(`limits: maxComputeWorkgroupStorageSize ${l.maxComputeWorkgroupStorageSize}, maxComputeInvocationsPerWorkgroup ${l.maxComputeInvocationsPerWorkgroup}; toggles: ${toggles}\n`);

interface Row {
  readonly S: number;
  readonly kernel: string;
  readonly launches: number;
  readonly scratchMiB: number;
  readonly medianMs: number;
  readonly minMs: number;
  readonly gflops: number;
  readonly iterations: number;
  readonly timing: string;
}
const rows: Row[] = [];
const notes: string[] = [];
const describeTiling = (t: AttentionTiling) => `${t.tile} tiles, ${t.bq} rows × ${t.bk} keys, ${t.rq} rows × ${t.td} invocations per row group, ${attentionWorkgroupBytes(t, D)} B`;

for (const [index, S] of sizes.entries()) {
  const flops = 4 * B * H * S * S * D;
  const params = inputs(S);
  const tilings: (AttentionTiling | undefined)[] = [undefined];
  if (flag('sweep') && index === 0) {
    const chosen = chooseTiling(D, IN, gpu.capabilities);
    for (const t of SWEEP) {
      const problem = tilingProblem(t, D, gpu.capabilities);
      if (problem) notes.push(`sweep: skipped ${describeTiling(t)}: ${problem}`);
      else if (JSON.stringify(t) !== JSON.stringify(chosen)) tilings.push(t);
    }
  }
  let fusedOut: Tensor | undefined;
  for (const tiling of tilings) {
    const lowered = fusedProgram(S, gpu, tiling);
    const exe = await ExecutableProgram.prepare(gpu, lowered);
    const out = (await exe.run(params)).outputs[0]!;
    fusedOut ??= out;
    const t = await measure(gpu, exe, params);
    exe.destroy();
    const used = tiling ?? chooseTiling(D, IN, gpu.capabilities)!;
    const name = `${variantKey(lowered.launches[0]!.variant)}${tiling ? ' (sweep)' : ''}: ${describeTiling(used)}`;
    rows.push({ S, kernel: name, launches: 1, scratchMiB: 0, ...t, gflops: flops / (t.medianMs * 1e-3) / 1e9 });
  }

  const unfused = lowerProgram(blockProgram(S, IN), gpu.capabilities);
  const outputBuffer = unfused.outputs[0]!.buffer;
  const scratch = unfused.buffers.filter((b) => b.kind !== 'param' && b.kind !== 'literal' && b.id !== outputBuffer).reduce((a, b) => a + b.bytes, 0);
  const exe = await ExecutableProgram.prepare(gpu, unfused);
  const unfusedOut = (await exe.run(params)).outputs[0]!;
  const t = await measure(gpu, exe, params);
  const kernels = exe.launchLabels.map((x) => x.split(' for ')[0]).join(', ');
  exe.destroy();
  rows.push({ S, kernel: `unfused per-op kernels: ${kernels}`, launches: unfused.launches.length, scratchMiB: scratch / 2 ** 20, ...t, gflops: flops / (t.medianMs * 1e-3) / 1e9 });
  const agree = codeAgreement(fusedOut!, unfusedOut);
  notes.push(`S=${S}: fused vs unfused fp8 codes: ${agree.differ} of ${agree.n} differ (${((100 * agree.differ) / agree.n).toFixed(2)}%), at most ${agree.worst} code(s) apart (the unfused block rounds scores and probabilities to half)`);

  if (flag('check') && S <= 256) {
    const reference = evaluateProgram(blockProgram(S, 'float_type'), params)[0]!;
    const r = codeAgreement(fusedOut!, reference);
    notes.push(`S=${S}: fused vs the reference interpreter (float internals): ${r.differ} of ${r.n} fp8 codes differ, at most ${r.worst} code(s) apart`);
  }
}

console.log('| S | kernel | launches | S×S scratch MiB | median ms | min ms | GFLOP/s | × unfused | timing |');
console.log('|---:|---|---:|---:|---:|---:|---:|---:|---|');
for (const r of rows) {
  const base = rows.find((x) => x.S === r.S && x.kernel.startsWith('unfused'))!;
  console.log(`| ${r.S} | ${r.kernel} | ${r.launches} | ${r.scratchMiB.toFixed(1)} | ${r.medianMs.toFixed(3)} | ${r.minMs.toFixed(3)} | ${r.gflops.toFixed(1)} | ${(base.medianMs / r.medianMs).toFixed(2)} | ${r.timing}, ${r.iterations} runs |`);
}
console.log(`\n${notes.join('\n')}`);

mkdirSync('.bench-out', { recursive: true });
writeFileSync('.bench-out/attention.json', JSON.stringify({ machine, adapter: gpu.describe(), info: gpu.info, toggles, date: new Date().toISOString(), rows, notes }, null, 2));
gpu.destroy();
