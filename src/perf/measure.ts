// Measuring a compiled (lowered) program on WebGPU the way migraphx-driver's perf does: one warm-up run,
// n timed whole-program runs (record, submit, wait), per-kernel GPU times from timestamp queries summed
// per printed instruction, and n host-only walks for the overhead. Pure measurement; formatting is
// report.ts. The program must be lowered (compile's default stage). The program is lowered for the
// device's own capabilities (not the portable ones its printed kernels describe), on a device with
// ORT's perf toggles unless told otherwise: the conditions the benchmarks time kernels in.

import type { Launch, LoweringFallback } from '../codegen/launch.js';
import { lowerProgram } from '../codegen/lower.js';
import type { Instruction } from '../ir/instruction.js';
import { printModule } from '../ir/printer.js';
import type { Program } from '../ir/program.js';
import type { Tensor } from '../ir/tensor.js';
import { ExecutableProgram } from '../runtime/executable.js';
import { WebGpuDevice, type WebGpuOptions } from '../runtime/device.js';
import type { PerfInput, TimedInstruction } from './report.js';

export interface PerfOptions extends WebGpuOptions {
  readonly iterations: number;
  readonly batch?: number;
  /**
   * A device to measure on (kept open; benchmarks compare programs on one device). Otherwise one is
   * created from these options, with `perfToggles` on unless it is false, and destroyed after.
   */
  readonly device?: WebGpuDevice;
}

/** One kernel launch of the measured program, with its GPU time per profiled iteration (ms). */
export interface LaunchTiming {
  readonly launch: Launch;
  readonly samples: readonly number[];
}

export interface PerfMeasurement {
  readonly input: PerfInput;
  /** Adapter and driver, as the runtime describes them. */
  readonly adapter: string;
  /** False where the adapter has no timestamp-query: per-instruction times are then missing. */
  readonly perKernelTimes: boolean;
  /** Every launch the device ran, as lowered for it (empty samples without timestamp-query). */
  readonly launches: readonly LaunchTiming[];
  /** Fused ops that ran as separate kernels on this device, and why. */
  readonly fallbacks: readonly LoweringFallback[];
}

/** The device options `perf` measures with: ORT's perf toggles unless `perfToggles: false`. */
export function perfDeviceOptions(options: WebGpuOptions): WebGpuOptions {
  return { ...options, perfToggles: options.perfToggles ?? true };
}

/** The Summary group of an instruction: `gpu::code_object::<symbol>` for kernels, else its op name. */
export function perfGroup(ins: Instruction): string {
  if (ins.op.name === 'gpu::code_object') return `gpu::code_object::${ins.op.str('symbol_name')}`;
  return ins.op.name;
}

export async function measurePerf(program: Program, params: ReadonlyMap<string, Tensor>, options: PerfOptions): Promise<PerfMeasurement> {
  const gpu = options.device ?? (await WebGpuDevice.create(perfDeviceOptions(options)));
  try {
    const lowered = lowerProgram(program, gpu.capabilities);
    const exe = await ExecutableProgram.prepare(gpu, lowered);
    try {
      await exe.run(params); // warm-up: pipelines, caches, first-dispatch compiles
      const n = options.iterations;
      const totals = await exe.timeRuns(params, n);
      const overheads = await exe.timeRuns(params, n, false);
      // GPU time per launch, in chunks that fit WebGPU's 4096-query limit.
      const launches = exe.launches;
      const perIteration = Math.max(1, Math.floor(4096 / Math.max(1, 2 * launches.length)));
      const kernelNs: number[][] = launches.map(() => []);
      let perKernelTimes = gpu.features.has('timestamp-query');
      for (let done = 0; perKernelTimes && done < n; done += perIteration) {
        const r = await exe.profile(params, Math.min(perIteration, n - done));
        if (r.kernelNs.length === 0 || r.kernelNs.every((x) => x.length === 0)) perKernelTimes = launches.length === 0;
        r.kernelNs.forEach((ns, i) => kernelNs[i]!.push(...ns));
      }
      const byInstruction = new Map<Instruction, number[]>();
      launches.forEach((l, i) => {
        if (!l.instruction) return;
        const acc = byInstruction.get(l.instruction) ?? new Array<number>(kernelNs[i]!.length).fill(0);
        kernelNs[i]!.forEach((ns, it) => (acc[it] = (acc[it] ?? 0) + ns / 1e6));
        byInstruction.set(l.instruction, acc);
      });
      const names = new Map<Instruction, string>();
      const lines = printModule(program.mainModule(), names);
      const instructions: TimedInstruction[] = program.mainModule().instructions().map((ins, k) => {
        const base = { name: names.get(ins) ?? '?', text: lines[k]!, group: perfGroup(ins) };
        if (ins.isReturn()) return base;
        const samples = byInstruction.get(ins);
        // Parameters, literals, loads and the scratch allocation do no GPU work: 0 ms, not unmeasured.
        if (samples && samples.length > 0) return { ...base, samples };
        return ins.op.name === 'gpu::code_object' && !perKernelTimes ? base : { ...base, samples: [0] };
      });
      return {
        input: { instructions, totals, overheads, batch: options.batch ?? 1 },
        adapter: gpu.describe(),
        perKernelTimes,
        launches: launches.map((launch, i) => ({ launch, samples: perKernelTimes ? kernelNs[i]!.map((ns) => ns / 1e6) : [] })),
        fallbacks: lowered.fallbacks,
      };
    } finally {
      exe.destroy();
    }
  } finally {
    if (!options.device) gpu.destroy();
  }
}
