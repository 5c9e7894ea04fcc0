// The GPU benchmark suite (issue 5): every comparison side by side, in one run, on one adapter.
//   npm run bench:gpu [-- --quick] [--backend vulkan] [--iterations N] [--rounds N] [--no-ort]
//                     [--only attention,seed,ort,gemm,fraction,bert] [--sizes 1024,256] [--out FILE]
// 1. The fused attention kernel inside the compiled seed program and launched on its own (the
//    standalone bench's launch), each on a device with ORT's perf toggles and on one with Dawn's
//    defaults: the H200's 2.83 vs 0.637 ms question (docs/attention-kernel.md, "Inside a program").
// 2. (a) The seed attention block (examples/attention_fp8_test.onnx's graph at S = 1024 and 256)
//    compiled --fp8, --attention-qdq skip vs keep: the perf machinery's times (src/perf/measure.ts),
//    kernels, scratch bytes, and end to end (upload, run, read back).
// 3. (b) The same block in onnxruntime-node: the model as shipped (half) and a float32 copy on the CPU
//    and WebGPU EPs, and the QDQ models `export` writes (CPU and WebGPU EPs, graphOptimizationLevel
//    'basic'), each in a child process of this script; GFLOP/s and time ratios against ours.
// 4. (c) GEMM 1024³ and 4096×768×768: ours (float, half, fp8 quant_dot; on a software adapter with
//    direct loads and with workgroup tiles, side by side), the textbook tiled baseline, ORT's MatMul.
// 5. (d) The attention kernel's GFLOP/s as a fraction of our GEMM's.
// 6. (e) A transformer layer (examples/bert_layer.onnx at sequence 128; 16 with --quick), float and
//    --fp8: kernels, launches, the perf machinery's Total time and end to end; ORT's CPU and WebGPU EPs
//    on the float model with the same inputs.
// Prints the adapter and driver and markdown tables; writes JSON (.bench-out/webgpu-suite.json, or
// --out). --quick (S = 256; GEMM 512³ and 1024×768×768) is for the software adapter, where the full
// suite takes many minutes; on a GPU the full suite takes about a minute. scripts/gpu/ runs it on a
// lent GPU machine. Timings: GPU timestamps for kernels, wall clock (median) for whole runs.

import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import '../src/ops/index.js';
import { ATTENTION_KERNEL, KERNELS, variantKey } from '../src/codegen/kernel-catalog.js';
import { lowerProgram } from '../src/codegen/lower.js';
import { scratchBytes } from '../src/compact-ir.js';
import { compileFile, compileModel, type CompileResult } from '../src/compiler.js';
import { exportQdqBytes } from '../src/export/export-qdq.js';
import type { Tensor } from '../src/ir/tensor.js';
import { randomInputs } from '../src/inputs/random-inputs.js';
import { halfToFloat } from '../src/numerics/float16.js';
import { decodeModel } from '../src/onnx/load.js';
import { encodeModel, type ModelSpec } from '../src/onnx/write.js';
import type { AttentionQdq } from '../src/passes/capture-arguments.js';
import { attentionLaunches, attentionScales, launchDifferences, standaloneAttentionProgram } from '../src/perf/attention-block.js';
import { measurePerf } from '../src/perf/measure.js';
import { summarize } from '../src/perf/report.js';
import { WebGpuDevice } from '../src/runtime/device.js';
import { ExecutableProgram } from '../src/runtime/executable.js';
import { seedAttentionModel } from '../examples/generate.js';
import { baselineProgram, gemmProgram, randomMatrix } from './gemm-programs.js';

// ---- options ----

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

const quick = flag('quick');
const backend = option('backend');
const fixedIterations = option('iterations') ? Number(option('iterations')) : undefined;
const withOrt = !flag('no-ort');
const outFile = option('out') ?? '.bench-out/webgpu-suite.json';
/** --only attention,seed,ort,gemm,fraction: run only those parts (default: all). */
const SECTIONS = new Set((option('only') ?? 'attention,seed,ort,gemm,fraction,bert').split(','));
/** Rounds of interleaved measurements (each contender takes a turn per round). */
const ROUNDS = Math.max(1, Number(option('rounds') ?? 3));
const SIZES = (option('sizes') ?? (quick ? '256' : '1024,256')).split(',').map(Number);
const GEMMS: readonly (readonly [number, number, number])[] = quick
  ? [
      [512, 512, 512],
      [1024, 768, 768],
    ]
  : [
      [1024, 1024, 1024],
      [4096, 768, 768],
    ];
/** Wall-clock budget of one measurement (ms): iteration counts are sized to it, at least 3, at most 50. */
const BUDGET_MS = quick ? 1500 : 3000;
/** (e): the BERT layer's sequence lengths. */
const BERT_SEQS = quick ? [16] : [128];
const B = 1;
const H = 16;
const D = 128;

const iterationsFor = (msPerRun: number, cap = 50) => fixedIterations ?? Math.max(3, Math.min(cap, Math.round(BUDGET_MS / Math.max(msPerRun, 1e-3))));

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)]!;
}

const gflops = (flops: number, ms: number) => flops / (ms * 1e-3) / 1e9;
const fmt = (x: number, digits = 3) => (Number.isFinite(x) ? (Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(digits)) : '—');

// ---- the ORT child: one model, one EP, timed runs; the parent reads its JSON line ----

interface OrtJob {
  readonly model: string;
  readonly ep: 'cpu' | 'webgpu';
  readonly optimization: 'all' | 'basic';
  readonly inputs: readonly { readonly name: string; readonly type: 'float16' | 'float32'; readonly dims: readonly number[]; readonly file: string }[];
  readonly output: string;
  readonly budgetMs: number;
  readonly iterations?: number;
}

interface OrtResult {
  readonly ok: boolean;
  readonly error?: string;
  readonly sessionMs?: number;
  readonly firstMs?: number;
  readonly medianMs?: number;
  readonly minMs?: number;
  readonly runs?: number;
  readonly version?: string;
}

async function ortChild(jobFile: string): Promise<void> {
  const job = JSON.parse(readFileSync(jobFile, 'utf8')) as OrtJob;
  const ort = await import('onnxruntime-node');
  const t0 = performance.now();
  const session = await ort.InferenceSession.create(job.model, { executionProviders: [job.ep], graphOptimizationLevel: job.optimization });
  const sessionMs = performance.now() - t0;
  const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
  for (const i of job.inputs) {
    const bytes = readFileSync(i.file);
    const data = i.type === 'float16' ? new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2) : new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    feeds[i.name] = new ort.Tensor(i.type, data, [...i.dims]);
  }
  const t1 = performance.now();
  const first = await session.run(feeds);
  const firstMs = performance.now() - t1;
  const iterations = job.iterations ?? Math.max(3, Math.min(50, Math.round(job.budgetMs / Math.max(firstMs, 1e-3))));
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    await session.run(feeds);
    times.push(performance.now() - t);
  }
  const y = first[session.outputNames[0]!]!;
  writeFileSync(job.output, y.type === 'float16' ? Buffer.from((y.data as Uint16Array).buffer) : Buffer.from(Float32Array.from(y.data as Float32Array).buffer));
  await session.release();
  const result: OrtResult = { ok: true, sessionMs, firstMs, medianMs: median(times), minMs: Math.min(...times), runs: iterations, version: ort.env.versions?.common };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Runs one ORT job in a child process (a crash or a refusal there is a row, not the end of the suite). */
function runOrtJob(job: OrtJob, timeoutMs = 600_000): Promise<OrtResult> {
  const file = `${job.output}.job.json`;
  writeFileSync(file, JSON.stringify(job));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [process.argv[1]!, '--ort-child', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => void (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => void (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) return resolve(JSON.parse(line) as OrtResult);
      const lastError = err
        .split('\n')
        .filter((l) => l.trim() !== '' && !l.startsWith('Warning: max'))
        .slice(-3)
        .join(' ')
        .slice(0, 400);
      resolve({ ok: false, error: `${signal ? `killed by ${signal}` : `exit ${code}`}: ${lastError}` });
    });
  });
}

// ---- our measurements ----

/** Wall clock of whole runs (upload the parameters, run, read the outputs back), after one warm-up. */
async function endToEnd(exe: ExecutableProgram, params: ReadonlyMap<string, Tensor>): Promise<{ medianMs: number; runs: number; outputs: Tensor[] }> {
  const t0 = performance.now();
  const outputs = (await exe.run(params)).outputs;
  const firstMs = performance.now() - t0;
  const runs = iterationsFor(firstMs);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await exe.run(params);
    times.push(performance.now() - t);
  }
  return { medianMs: median(times), runs, outputs };
}

interface Contender {
  readonly name: string;
  readonly gpu: WebGpuDevice;
  readonly exe: ExecutableProgram;
  /** The launch whose time counts. */
  readonly launch: number;
  readonly differences: readonly string[];
}

/**
 * GPU time of one launch of each contender, measured in rounds that take turns (so load from other
 * processes lands on all of them alike): a warm-up each, then ROUNDS rounds of a few iterations each.
 */
async function interleavedLaunchTimes(
  contenders: readonly Contender[],
  params: ReadonlyMap<string, Tensor>,
  paramsOf: (c: Contender) => ReadonlyMap<string, Tensor> = () => params,
): Promise<{ ms: number; minMs: number; iterations: number; timing: string }[]> {
  const perRound: number[] = [];
  for (const c of contenders) {
    const first = await c.exe.profile(paramsOf(c), 1);
    const timed = first.kernelNs.length > 0 && first.kernelNs[0]!.length > 0;
    const estimate = timed ? first.kernelNs.reduce((a, ns) => a + ns[0]!, 0) / 1e6 : first.wallMsPerIteration;
    perRound.push(Math.max(1, Math.round(iterationsFor(estimate, Math.floor(4096 / (2 * c.exe.launches.length))) / ROUNDS)));
  }
  const samples: number[][] = contenders.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, c] of contenders.entries()) {
      const r = await c.exe.profile(paramsOf(c), perRound[i]!);
      const timed = r.kernelNs.length > 0 && r.kernelNs[c.launch]!.length > 0;
      samples[i]!.push(...(timed ? r.kernelNs[c.launch]!.map((ns) => ns / 1e6) : [r.wallMsPerIteration]));
    }
  }
  return contenders.map((c, i) => ({ ms: median(samples[i]!), minMs: Math.min(...samples[i]!), iterations: samples[i]!.length, timing: c.gpu.features.has('timestamp-query') ? 'gpu timestamps' : 'wall clock (whole program)' }));
}

// ---- models ----

/** The seed block at sequence length S, as shipped (half) or as a float32 copy. */
function seedSpec(S: number, type: 'half_type' | 'float_type'): ModelSpec {
  const spec = seedAttentionModel(S);
  if (type === 'half_type') return spec;
  const retype = <T extends { elemType: string }>(v: T): T => ({ ...v, elemType: 'float_type' });
  return { ...spec, graph: { ...spec.graph, inputs: spec.graph.inputs.map(retype), outputs: spec.graph.outputs.map(retype) } };
}

function matmulSpec(m: number, k: number, n: number): ModelSpec {
  return {
    opsetImports: { '': 17 },
    graph: {
      name: 'matmul',
      inputs: [
        { name: 'a', elemType: 'float_type', dims: [m, k] },
        { name: 'b', elemType: 'float_type', dims: [k, n] },
      ],
      outputs: [{ name: 'y', elemType: 'float_type', dims: [m, n] }],
      nodes: [{ name: 'matmul', opType: 'MatMul', inputs: ['a', 'b'], outputs: ['y'] }],
    },
  };
}

/** FLOPs of the seed block: the attention (4·B·H·S²·D) and the w_o projection (2·B·H·S·D·D). */
const attentionFlops = (S: number) => 4 * B * H * S * S * D;
const blockFlops = (S: number) => attentionFlops(S) + 2 * B * H * S * D * D;

/** sqrt(Σ(a − b)²) / sqrt(Σb²): how far two runs of the block are apart. */
function relativeL2(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / den);
}

function halfFile(dir: string, name: string, t: Tensor): string {
  const file = join(dir, `${name}.bin`);
  const c = t.contiguous();
  writeFileSync(file, Buffer.from(c.data.buffer, c.data.byteOffset, t.shape.elements() * (t.type === 'half_type' ? 2 : 4)));
  return file;
}

function floatFile(dir: string, name: string, t: Tensor): string {
  const file = join(dir, `${name}.f32.bin`);
  writeFileSync(file, Buffer.from(t.toFloat32Array().buffer));
  return file;
}

function readOutput(file: string, type: 'float16' | 'float32'): Float32Array {
  const bytes = readFileSync(file);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return type === 'float32' ? new Float32Array(buffer) : Float32Array.from(new Uint16Array(buffer), (h) => halfToFloat(h));
}

// ---- the suite ----

interface Target {
  readonly name: string;
  readonly value: string;
  readonly met: boolean;
}

function gpuDriverInfo(): string | undefined {
  const r = spawnSync('nvidia-smi', ['--query-gpu=name,driver_version,pci.bus_id,clocks.sm,clocks.max.sm,power.limit', '--format=csv,noheader'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

async function suite(): Promise<void> {
  const started = performance.now();
  const machine = `${cpus().length}× ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}`;
  const perf = await WebGpuDevice.create({ ...(backend ? { backend } : {}), perfToggles: true });
  const robust = await WebGpuDevice.create({ ...(backend ? { backend } : {}), perfToggles: false });
  const nvidia = gpuDriverInfo();
  console.log(`# onnx-fp8 GPU benchmark suite — ${new Date().toISOString()}${quick ? ' (--quick)' : ''}\n`);
  console.log(`machine: ${machine}`);
  console.log(`adapter: ${perf.describe()}`);
  console.log(`adapter info: vendor '${perf.info.vendor}', architecture '${perf.info.architecture}', device '${perf.info.device}', description (driver) '${perf.info.description}'`);
  if (nvidia) console.log(`nvidia-smi: ${nvidia}`);
  const l = perf.limits;
  console.log(`limits: maxComputeWorkgroupStorageSize ${l.maxComputeWorkgroupStorageSize}, maxComputeInvocationsPerWorkgroup ${l.maxComputeInvocationsPerWorkgroup}, maxStorageBufferBindingSize ${l.maxStorageBufferBindingSize}`);
  console.log(`devices: "perf toggles" enables ${perf.toggles.enabled.join(', ')} and disables ${perf.toggles.disabled.join(', ')}; "Dawn defaults" enables ${robust.toggles.enabled.join(', ')} and disables ${robust.toggles.disabled.join(', ')}`);
  console.log(`sizes: seed block S = ${SIZES.join(', ')}; GEMM ${GEMMS.map((g) => g.join('×')).join(', ')}; budget ${BUDGET_MS} ms per measurement${fixedIterations ? `, ${fixedIterations} iterations` : ''}\n`);

  const work = mkdtempSync(join(tmpdir(), 'onnx-fp8-suite-'));
  const targets: Target[] = [];
  const attentionRows: Record<string, unknown>[] = [];
  const seedRows: Record<string, unknown>[] = [];
  const ortRows: Record<string, unknown>[] = [];
  const gemmRows: Record<string, unknown>[] = [];
  let ortVersion: string | undefined;
  /** The largest block's inputs and scales, for (d). */
  let largest: { S: number; scale: number; yScale: number; params: ReadonlyMap<string, Tensor> } | undefined;
  const fractionRows: Record<string, unknown>[] = [];
  const bertRows: Record<string, unknown>[] = [];

  try {
    for (const S of SIZES) {
      const bytes = encodeModel(seedSpec(S, 'half_type'));
      const compiled = new Map<AttentionQdq, CompileResult>();
      for (const q of ['skip', 'keep'] as const) compiled.set(q, compileModel(decodeModel(bytes, `seed-S${S}.onnx`), { fp8: { attentionQdq: q, seed: 0 } }));
      const skip = compiled.get('skip')!;
      const params = randomInputs(skip.program.mainModule(), 0);

      // 1. The attention kernel in the program and on its own, on both devices, measured in
      // interleaved rounds (a loaded machine slows all four alike).
      const programLaunch = attentionLaunches(lowerProgram(skip.program, perf.capabilities))[0]!;
      const { scale, yScale } = attentionScales(programLaunch);
      if (!largest || S > largest.S) largest = { S, scale, yScale, params };
      if (SECTIONS.has('attention')) {
        const contenders: Contender[] = [];
        for (const [deviceName, gpu] of [
          ['perf toggles', perf],
          ['Dawn defaults', robust],
        ] as const) {
          const lowered = lowerProgram(skip.program, gpu.capabilities);
          const inProgram = lowered.launches.findIndex((x) => x.variant.spec === ATTENTION_KERNEL);
          const standalone = standaloneAttentionProgram({ seq: S, scale, yScale }, gpu.capabilities);
          const differences = launchDifferences(standalone.launches[0]!, lowered.launches[inProgram]!);
          contenders.push({ name: `${deviceName}|in the program`, gpu, exe: await ExecutableProgram.prepare(gpu, lowered), launch: inProgram, differences });
          contenders.push({ name: `${deviceName}|standalone`, gpu, exe: await ExecutableProgram.prepare(gpu, standalone), launch: 0, differences: [] });
        }
        const times = await interleavedLaunchTimes(contenders, params);
        for (const [i, c] of contenders.entries()) {
          const [deviceName, where] = c.name.split('|') as [string, string];
          const l = c.exe.launches[c.launch]!;
          const ms = times[i]!.ms;
          const row = { S, device: deviceName, where, ms, minMs: times[i]!.minMs, gflops: gflops(attentionFlops(S), ms), tiling: `${variantKey(l.variant)} bq ${l.constants['BQ']} bk ${l.constants['BK']} rq ${l.constants['RQ']} td ${l.constants['TD']}`, iterations: times[i]!.iterations, timing: times[i]!.timing, launchDifferences: c.differences };
          attentionRows.push(row);
          console.log(`  attention S=${S} ${deviceName} ${where}: ${fmt(ms)} ms`);
          c.exe.destroy();
        }
      }

      // 2. (a) skip vs keep through the perf machinery, on the perf-toggles device.
      let ours: Tensor | undefined;
      let oursEndToEnd = NaN;
      for (const q of SECTIONS.has('seed') || SECTIONS.has('ort') ? (['skip', 'keep'] as const) : []) {
        const r = compiled.get(q)!;
        const exe = await ExecutableProgram.prepare(perf, lowerProgram(r.program, perf.capabilities));
        const e2e = await endToEnd(exe, params);
        exe.destroy();
        const n = iterationsFor(e2e.medianMs, 100);
        const m = await measurePerf(r.program, params, { iterations: n, device: perf });
        const s = summarize(m.input);
        const kernels = s.kernels.filter((k) => k.symbol.startsWith('gpu::code_object::'));
        const row = {
          S,
          strategy: q,
          kernels: kernels.reduce((a, k) => a + k.count, 0),
          launches: m.launches.length,
          scratchBytes: scratchBytes(r.program.mainModule()),
          totalTimeMs: s.totalTimeMs,
          instructionsTimeMs: s.instructionsTimeMs,
          endToEndMs: e2e.medianMs,
          gflops: gflops(blockFlops(S), s.totalTimeMs),
          iterations: n,
          perKernelMs: Object.fromEntries(kernels.map((k) => [k.symbol.replace('gpu::code_object::', ''), k.totalMs])),
        };
        seedRows.push(row);
        console.log(`  seed S=${S} ${q}: total ${fmt(s.totalTimeMs)} ms, scratch ${row.scratchBytes}`);
        if (q === 'skip') {
          ours = e2e.outputs[0];
          oursEndToEnd = e2e.medianMs;
        }
      }
      const [sk, kp] = seedRows.slice(-2) as { totalTimeMs: number; scratchBytes: number }[];
      if (sk && kp) targets.push({ name: `(a) S=${S}: skip no slower than keep (perf Total time)`, value: `${fmt(sk!.totalTimeMs)} vs ${fmt(kp!.totalTimeMs)} ms (${fmt(kp!.totalTimeMs / sk!.totalTimeMs)}×)`, met: sk!.totalTimeMs <= kp!.totalTimeMs });
      if (sk && kp) targets.push({ name: `(a) S=${S}: skip's scratch ≥ 32× smaller than keep's`, value: `${sk!.scratchBytes} vs ${kp!.scratchBytes} bytes (${fmt(kp!.scratchBytes / sk!.scratchBytes)}×)`, met: kp!.scratchBytes >= 32 * sk!.scratchBytes });

      // 3. (b) onnxruntime-node on the same block and inputs.
      if (withOrt && SECTIONS.has('ort')) {
        const half = ['q', 'k', 'v', 'w_o'].map((name) => ({ name, type: 'float16' as const, dims: [...params.get(name)!.shape.lens], file: halfFile(work, `${name}-S${S}`, params.get(name)!) }));
        const f32 = ['q', 'k', 'v', 'w_o'].map((name) => ({ name, type: 'float32' as const, dims: [...params.get(name)!.shape.lens], file: floatFile(work, `${name}-S${S}`, params.get(name)!) }));
        const models: { name: string; bytes: Uint8Array; inputs: typeof half | typeof f32; optimization: 'all' | 'basic'; out: 'float16' | 'float32' }[] = [
          { name: 'float model (half, as shipped)', bytes, inputs: half, optimization: 'all', out: 'float16' },
          { name: 'float model (float32 copy)', bytes: encodeModel(seedSpec(S, 'float_type')), inputs: f32, optimization: 'all', out: 'float32' },
        ];
        for (const q of ['skip', 'keep'] as const) {
          const exported = exportQdqBytes(bytes, `seed-S${S}.onnx`, undefined, { fp8: { attentionQdq: q, seed: 0 } });
          models.push({ name: `QDQ fp8 export (--attention-qdq ${q})`, bytes: exported.model, inputs: half, optimization: 'basic', out: 'float16' });
        }
        for (const model of models) {
          const file = join(work, `model-S${S}-${ortRows.length}.onnx`);
          writeFileSync(file, model.bytes);
          for (const ep of ['cpu', 'webgpu'] as const) {
            const output = join(work, `ort-S${S}-${ortRows.length}.out`);
            const r = await runOrtJob({ model: file, ep, optimization: model.optimization, inputs: model.inputs, output, budgetMs: BUDGET_MS, ...(fixedIterations ? { iterations: fixedIterations } : {}) });
            ortVersion ??= r.version;
            const agreement = r.ok && ours ? relativeL2(readOutput(output, model.out), ours.toFloat32Array()) : NaN;
            ortRows.push({ S, runtime: `onnxruntime-node ${ep === 'cpu' ? 'CPU' : 'WebGPU'} EP`, model: model.name, optimization: model.optimization, ...r, gflops: r.medianMs ? gflops(blockFlops(S), r.medianMs) : NaN, oursEndToEndMs: oursEndToEnd, oursFaster: r.medianMs ? r.medianMs / oursEndToEnd : NaN, relL2VsOurs: agreement });
            console.log(`  ORT ${ep} S=${S} ${model.name}: ${r.ok ? `${fmt(r.medianMs!)} ms` : r.error}`);
          }
        }
      }
    }

    // 4. (c) GEMM: ours (float and half inputs), the tiled baseline, ORT's MatMul.
    for (const [m, k, n] of SECTIONS.has('gemm') ? GEMMS : []) {
      const shape = `${m}×${k}×${n}`;
      const flops = 2 * m * k * n;
      const a = randomMatrix('float_type', m, k, 1);
      const b = randomMatrix('float_type', k, n, 2);
      const params = new Map([
        ['a', a],
        ['b', b],
      ]);
      // Kernel times of ours (float and half inputs) and the baseline in interleaved rounds.
      const half = new Map([...params].map(([name, t]) => [name, randomMatrix('half_type', t.shape.lens[0]!, t.shape.lens[1]!, name === 'a' ? 1 : 2)]));
      // Ours as the device lowers it; on a software adapter (direct loads) also the workgroup-tiled
      // kernel GPUs get, side by side.
      const loadings = perf.capabilities.directLoads ? [true, false] : [false];
      const ours = loadings.flatMap((direct) =>
        (['float_type', 'half_type', 'fp8e4m3fn_type'] as const).map((type) => ({ type, direct, lowered: lowerProgram(gemmProgram(type, m, k, n), { ...perf.capabilities, directLoads: direct }) })),
      );
      const contenders: Contender[] = [{ name: 'matmul-baseline (16×16 tiles, 1 output per invocation)', gpu: perf, exe: await ExecutableProgram.prepare(perf, baselineProgram(m, k, n)), launch: 0, differences: [] }];
      for (const o of ours) {
        const gemm = o.lowered.launches.findIndex((x) => x.variant.spec === KERNELS.gemm);
        const loading = o.direct ? 'direct loads' : 'workgroup tiles';
        contenders.push({ name: `ours: ${variantKey(o.lowered.launches[gemm]!.variant)}, ${loading}|${o.type}`, gpu: perf, exe: await ExecutableProgram.prepare(perf, o.lowered), launch: gemm, differences: [] });
      }
      // The baseline takes float inputs; ours take each its type (interleavedLaunchTimes gives all one map).
      const fp8 = new Map([...params].map(([name, t]) => [name, randomMatrix('fp8e4m3fn_type', t.shape.lens[0]!, t.shape.lens[1]!, name === 'a' ? 1 : 2)]));
      const times = await interleavedLaunchTimes(contenders, params, (c) => (c.name.endsWith('|half_type') ? half : c.name.endsWith('|fp8e4m3fn_type') ? fp8 : params));
      let oursFloatEndToEnd = NaN;
      for (const [i, c] of contenders.entries()) {
        const [kernel, type = 'float_type'] = c.name.split('|') as [string, string?];
        const row: Record<string, unknown> = { shape, kernel, inputs: type, kernelMs: times[i]!.ms, gflops: gflops(flops, times[i]!.ms), timing: times[i]!.timing, iterations: times[i]!.iterations };
        if (i > 0) {
          const e2e = await endToEnd(c.exe, type === 'half_type' ? half : type === 'fp8e4m3fn_type' ? fp8 : params);
          row['endToEndMs'] = e2e.medianMs;
          row['endToEndGflops'] = gflops(flops, e2e.medianMs);
          if (type === 'float_type' && Number.isNaN(oursFloatEndToEnd)) oursFloatEndToEnd = e2e.medianMs;
        }
        c.exe.destroy();
        gemmRows.push(row);
        console.log(`  gemm ${shape} ${kernel} ${type}: ${fmt(times[i]!.ms)} ms`);
      }
      if (withOrt) {
        const file = join(work, `matmul-${shape}.onnx`);
        writeFileSync(file, encodeModel(matmulSpec(m, k, n)));
        const inputs = [
          { name: 'a', type: 'float32' as const, dims: [m, k], file: floatFile(work, `a-${shape}`, a) },
          { name: 'b', type: 'float32' as const, dims: [k, n], file: floatFile(work, `b-${shape}`, b) },
        ];
        for (const ep of ['cpu', 'webgpu'] as const) {
          const r = await runOrtJob({ model: file, ep, optimization: 'all', inputs, output: join(work, `matmul-${shape}-${ep}.out`), budgetMs: BUDGET_MS, ...(fixedIterations ? { iterations: fixedIterations } : {}) });
          ortVersion ??= r.version;
          gemmRows.push({ shape, kernel: `onnxruntime-node ${ep === 'cpu' ? 'CPU' : 'WebGPU'} EP MatMul`, inputs: 'float_type', ...r, endToEndMs: r.medianMs, endToEndGflops: r.medianMs ? gflops(flops, r.medianMs) : NaN, oursFaster: r.medianMs ? r.medianMs / oursFloatEndToEnd : NaN });
          console.log(`  gemm ${shape} ORT ${ep}: ${r.ok ? `${fmt(r.medianMs!)} ms` : r.error}`);
        }
      }
    }

    // 5. (d) The attention kernel against our GEMM on the same adapter, interleaved.
    if (largest && SECTIONS.has('fraction')) {
      const [m, k, n] = GEMMS[0]!;
      const shape = `${m}×${k}×${n}`;
      const contenders: Contender[] = [{ name: `attention S=${largest.S} (standalone)`, gpu: perf, exe: await ExecutableProgram.prepare(perf, standaloneAttentionProgram({ seq: largest.S, scale: largest.scale, yScale: largest.yScale }, perf.capabilities)), launch: 0, differences: [] }];
      const inputs = new Map<string, ReadonlyMap<string, Tensor>>([[contenders[0]!.name, largest.params]]);
      for (const type of ['half_type', 'float_type'] as const) {
        const lowered = lowerProgram(gemmProgram(type, m, k, n), perf.capabilities);
        const name = `our GEMM ${shape} (${type === 'half_type' ? 'half' : 'float'} inputs)`;
        contenders.push({ name, gpu: perf, exe: await ExecutableProgram.prepare(perf, lowered), launch: lowered.launches.findIndex((x) => x.variant.spec === KERNELS.gemm), differences: [] });
        inputs.set(name, new Map(['a', 'b'].map((p, i) => [p, randomMatrix(type, i === 0 ? m : k, i === 0 ? k : n, i + 1)])));
      }
      const times = await interleavedLaunchTimes(contenders, largest.params, (c) => inputs.get(c.name)!);
      const flops = [attentionFlops(largest.S), 2 * m * k * n, 2 * m * k * n];
      contenders.forEach((c, i) => {
        fractionRows.push({ kernel: c.name, ms: times[i]!.ms, gflops: gflops(flops[i]!, times[i]!.ms), iterations: times[i]!.iterations });
        c.exe.destroy();
      });
      const [att, gh, gf] = fractionRows as { gflops: number }[];
      // Also against the best GEMM figure of (c) (measured earlier, not interleaved with this).
      const best = Math.max(...gemmRows.filter((r) => String(r['kernel']).startsWith('ours')).map((r) => r['gflops'] as number));
      const vsBest = Number.isFinite(best) ? `; of the best GEMM in (c), ${fmt(best)} GFLOP/s: ${fmt((100 * att!.gflops) / best)}%` : '';
      targets.push({ name: `(d) attention S=${largest.S} GFLOP/s ≥ 50% of our GEMM's (${shape}, half inputs)`, value: `${fmt(att!.gflops)} / ${fmt(gh!.gflops)} = ${fmt((100 * att!.gflops) / gh!.gflops)}% (of the float-input GEMM: ${fmt((100 * att!.gflops) / gf!.gflops)}%${vsBest})`, met: att!.gflops >= 0.5 * gh!.gflops });
    }

    // 6. (e) The BERT layer, float and --fp8, then ORT on the float model with the same inputs.
    for (const seq of SECTIONS.has('bert') ? BERT_SEQS : []) {
      const file = join(process.cwd(), 'examples', 'bert_layer.onnx');
      const dims = new Map([
        ['batch', 1],
        ['sequence', seq],
      ]);
      let floatParams: ReadonlyMap<string, Tensor> | undefined;
      let floatOut: Tensor | undefined;
      let floatEndToEnd = NaN;
      for (const fp8 of [false, true]) {
        const r = compileFile(file, { inputDims: dims, ...(fp8 ? { fp8: { seed: 0 } } : {}) });
        const params = randomInputs(r.program.mainModule(), 0);
        const lowered = lowerProgram(r.program, perf.capabilities);
        const exe = await ExecutableProgram.prepare(perf, lowered);
        const e2e = await endToEnd(exe, params);
        exe.destroy();
        const m = await measurePerf(r.program, params, { iterations: iterationsFor(e2e.medianMs, 100), device: perf });
        const s = summarize(m.input);
        const kernels = s.kernels.filter((k) => k.symbol.startsWith('gpu::code_object::'));
        bertRows.push({ seq, program: fp8 ? '--fp8 (skip)' : 'float', kernels: kernels.reduce((a, k) => a + k.count, 0), launches: lowered.launches.length, fallbacks: lowered.fallbacks.length, totalTimeMs: s.totalTimeMs, endToEndMs: e2e.medianMs, perKernelMs: Object.fromEntries(kernels.map((k) => [k.symbol.replace('gpu::code_object::', ''), k.totalMs])) });
        console.log(`  bert sequence ${seq} ${fp8 ? 'fp8' : 'float'}: total ${fmt(s.totalTimeMs)} ms, ${lowered.launches.length} launches`);
        if (!fp8) [floatParams, floatOut, floatEndToEnd] = [params, e2e.outputs[0], e2e.medianMs];
      }
      if (withOrt && floatParams) {
        const inputs = [...floatParams].map(([name, t]) => ({ name, type: 'float32' as const, dims: [...t.shape.lens], file: floatFile(work, `bert-${name}-${seq}`, t) }));
        for (const ep of ['cpu', 'webgpu'] as const) {
          const output = join(work, `bert-${seq}-${ep}.out`);
          const r = await runOrtJob({ model: file, ep, optimization: 'all', inputs, output, budgetMs: BUDGET_MS, ...(fixedIterations ? { iterations: fixedIterations } : {}) });
          ortVersion ??= r.version;
          const agreement = r.ok && floatOut ? relativeL2(readOutput(output, 'float32'), floatOut.toFloat32Array()) : NaN;
          bertRows.push({ seq, program: `onnxruntime-node ${ep === 'cpu' ? 'CPU' : 'WebGPU'} EP (float model)`, ...r, endToEndMs: r.medianMs, oursFaster: r.medianMs ? r.medianMs / floatEndToEnd : NaN, relL2VsOurs: agreement });
          console.log(`  bert sequence ${seq} ORT ${ep}: ${r.ok ? `${fmt(r.medianMs!)} ms` : r.error}`);
        }
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
    perf.destroy();
    robust.destroy();
  }

  // ---- report ----
  console.log('\n## 1. The attention kernel inside the program and on its own\n');
  console.log('| S | device | where | tiling | GPU ms | GFLOP/s | launch differences | iterations |');
  console.log('|---:|---|---|---|---:|---:|---|---:|');
  for (const r of attentionRows as { S: number; device: string; where: string; tiling: string; ms: number; gflops: number; launchDifferences: string[]; iterations: number }[]) {
    console.log(`| ${r.S} | ${r.device} | ${r.where} | ${r.tiling} | ${fmt(r.ms)} | ${fmt(r.gflops)} | ${r.where === 'standalone' ? '' : r.launchDifferences.length === 0 ? 'none' : r.launchDifferences.join('; ')} | ${r.iterations} |`);
  }
  console.log('\n## 2. (a) The seed block, --fp8 skip vs keep (perf machinery, perf toggles)\n');
  console.log('| S | --attention-qdq | kernels | launches | scratch bytes | Total time ms | instructions ms | end to end ms | GFLOP/s | per kernel (ms) |');
  console.log('|---:|---|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const r of seedRows as { S: number; strategy: string; kernels: number; launches: number; scratchBytes: number; totalTimeMs: number; instructionsTimeMs: number; endToEndMs: number; gflops: number; perKernelMs: Record<string, number> }[]) {
    const per = Object.entries(r.perKernelMs)
      .map(([k, ms]) => `${k.replace(/^wgsl_/, '').slice(0, 40)} ${fmt(ms)}`)
      .join('; ');
    console.log(`| ${r.S} | ${r.strategy} | ${r.kernels} | ${r.launches} | ${r.scratchBytes.toLocaleString('en-US')} | ${fmt(r.totalTimeMs)} | ${fmt(r.instructionsTimeMs)} | ${fmt(r.endToEndMs)} | ${fmt(r.gflops)} | ${per} |`);
  }
  if (withOrt) {
    console.log(`\n## 3. (b) The seed block in onnxruntime-node ${ortVersion ?? ''} (end to end: session.run wall clock) vs ours (skip, end to end)\n`);
    console.log('| S | runtime | model | graph opt | median ms | GFLOP/s | ORT ms / ours ms (> 1: ours faster) | rel. L2 vs ours | note |');
    console.log('|---:|---|---|---|---:|---:|---:|---:|---|');
    for (const r of ortRows as { S: number; runtime: string; model: string; optimization: string; ok: boolean; medianMs?: number; gflops: number; oursFaster: number; relL2VsOurs: number; error?: string }[]) {
      console.log(`| ${r.S} | ${r.runtime} | ${r.model} | ${r.optimization} | ${r.ok ? fmt(r.medianMs!) : '—'} | ${r.ok ? fmt(r.gflops) : '—'} | ${r.ok ? fmt(r.oursFaster) : '—'} | ${r.ok ? r.relL2VsOurs.toExponential(2) : '—'} | ${r.ok ? '' : (r.error ?? '').replace(/\|/g, '/')} |`);
    }
  }
  console.log('\n## 4. (c) GEMM (kernel: GPU timestamps; end to end: upload + run + read back)\n');
  console.log('| m×k×n | kernel | inputs | kernel ms | GFLOP/s | × baseline | end to end ms | ORT ms / ours ms (float, end to end) | note |');
  console.log('|---|---|---|---:|---:|---:|---:|---:|---|');
  for (const r of gemmRows as { shape: string; kernel: string; inputs: string; kernelMs?: number; gflops?: number; endToEndMs?: number; oursFaster?: number; ok?: boolean; error?: string }[]) {
    const base = gemmRows.find((x) => x['shape'] === r.shape && String(x['kernel']).startsWith('matmul-baseline')) as { gflops: number };
    const kernel = r.kernelMs !== undefined;
    console.log(`| ${r.shape} | ${r.kernel} | ${r.inputs} | ${kernel ? fmt(r.kernelMs!) : '—'} | ${kernel ? fmt(r.gflops!) : r.endToEndMs ? `${fmt((2 * Number(r.shape.split('×')[0]) * Number(r.shape.split('×')[1]) * Number(r.shape.split('×')[2])) / (r.endToEndMs * 1e6))} (end to end)` : '—'} | ${kernel ? fmt(r.gflops! / base.gflops) : '—'} | ${r.endToEndMs !== undefined ? fmt(r.endToEndMs) : '—'} | ${r.oursFaster !== undefined ? fmt(r.oursFaster) : ''} | ${r.ok === false ? (r.error ?? '').replace(/\|/g, '/') : ''} |`);
  }
  console.log('\n## 5. (d) The attention kernel against our GEMM (interleaved, GPU timestamps)\n');
  console.log('| kernel | ms | GFLOP/s | iterations |');
  console.log('|---|---:|---:|---:|');
  for (const r of fractionRows as { kernel: string; ms: number; gflops: number; iterations: number }[]) console.log(`| ${r.kernel} | ${fmt(r.ms)} | ${fmt(r.gflops)} | ${r.iterations} |`);
  console.log('\n## 6. (e) The BERT layer (examples/bert_layer.onnx; ORT ms / ours ms against our float program, end to end)\n');
  console.log('| sequence | program | kernels | launches | fallbacks | Total time ms | end to end ms | ORT ms / ours ms | rel. L2 vs ours | per kernel (ms) / note |');
  console.log('|---:|---|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const r of bertRows as { seq: number; program: string; kernels?: number; launches?: number; fallbacks?: number; totalTimeMs?: number; endToEndMs?: number; oursFaster?: number; relL2VsOurs?: number; perKernelMs?: Record<string, number>; ok?: boolean; error?: string }[]) {
    const per = r.perKernelMs ? Object.entries(r.perKernelMs).map(([k, ms]) => `${k.replace(/^wgsl_/, '').slice(0, 40)} ${fmt(ms)}`).join('; ') : r.ok === false ? (r.error ?? '').replace(/\|/g, '/') : '';
    const opt = (x: number | undefined, f = fmt) => (x === undefined || Number.isNaN(x) ? '—' : f(x));
    console.log(`| ${r.seq} | ${r.program} | ${opt(r.kernels, String)} | ${opt(r.launches, String)} | ${opt(r.fallbacks, String)} | ${opt(r.totalTimeMs)} | ${opt(r.endToEndMs)} | ${opt(r.oursFaster)} | ${opt(r.relL2VsOurs, (x) => x.toExponential(2))} | ${per} |`);
  }
  console.log('\n## 7. Targets\n');
  for (const t of targets) console.log(`- ${t.met ? 'met' : 'NOT met'}: ${t.name}: ${t.value}`);
  const seconds = (performance.now() - started) / 1000;
  console.log(`\n(${seconds.toFixed(0)} s)`);

  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(
    outFile,
    JSON.stringify(
      {
        schema: 1,
        date: new Date().toISOString(),
        quick,
        machine,
        adapter: { description: perf.describe(), info: perf.info, nvidiaSmi: nvidia, limits: { maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize, maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup } },
        toggles: { perf: perf.toggles, defaults: robust.toggles },
        ortVersion,
        sizes: SIZES,
        gemms: GEMMS,
        attentionInProgram: attentionRows,
        seed: seedRows,
        ort: ortRows,
        gemm: gemmRows,
        attentionVsGemm: fractionRows,
        bert: bertRows,
        targets,
        seconds,
      },
      null,
      2,
    ),
  );
  console.log(`wrote ${outFile}`);
}

const child = option('ort-child');
if (child) await ortChild(child);
else await suite();
