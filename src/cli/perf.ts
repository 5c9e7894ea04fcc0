// `onnx-fp8 perf <model>`: compile, print the program, run it on WebGPU and print migraphx-driver's
// performance report (per-instruction times, Summary by kernel, rate, total time, percentiles,
// overhead), or the same figures as JSON (docs/cli.md).

import { scratchBytes } from '../compact-ir.js';
import { compileFile } from '../compiler.js';
import { UsageError } from '../errors.js';
import { randomInputs } from '../inputs/random-inputs.js';
import { type CommandSpec, type ParsedArgs, intOption, keyValueOption } from './args.js';
import { FP8_OPTIONS, fp8CompileOptions } from './compile.js';
import { fallbackLine, readInputDir } from './run.js';

export const perfSpec: CommandSpec = {
  name: 'perf',
  summary: 'Compile an ONNX model, run it on WebGPU and report per-kernel times as migraphx-driver perf does.',
  positionals: ['model'],
  options: [
    ...FP8_OPTIONS,
    { name: 'fp16', kind: 'flag', help: 'compute float ops in half precision' },
    { name: 'iterations', short: 'n', kind: 'value', placeholder: 'N', help: 'timed runs (default 100)' },
    { name: 'batch', kind: 'value', placeholder: 'N', help: 'batch size used for the rate (default 1)' },
    { name: 'format', kind: 'value', placeholder: 'text|json', choices: ['text', 'json'], help: 'output format (default text: the program, then the report)' },
    { name: 'input', kind: 'value', placeholder: 'DIR', help: 'inputs from DIR/input_N.pb (default: seeded random inputs)' },
    { name: 'seed', kind: 'value', placeholder: 'N', help: 'seed of random inputs and calibration (default 0)' },
    { name: 'backend', kind: 'value', placeholder: 'NAME', help: "Dawn backend (vulkan, opengles, …; default: Dawn's choice)" },
    { name: 'input-dim', kind: 'list', placeholder: 'NAME=N', help: 'value of a symbolic input dimension' },
  ],
};

export async function runPerf(args: ParsedArgs, stdout: (s: string) => void): Promise<void> {
  const [model] = args.positionals as [string];
  const iterations = intOption(args, 'iterations', 100, 1);
  const batch = intOption(args, 'batch', 1, 1);
  const seed = intOption(args, 'seed', 0);
  if (iterations > 100000) throw new UsageError('--iterations must be at most 100000');
  const result = compileFile(model, { fp16: args.flags.has('fp16'), inputDims: keyValueOption(args, 'input-dim'), ...fp8CompileOptions(args, seed) });
  const inputDir = args.values.get('input');
  const params = inputDir ? readInputDir(inputDir, result.inputs) : randomInputs(result.program.mainModule(), seed);
  // The WebGPU runtime (and dawn.node) loads only here.
  const { measurePerf } = await import('../perf/measure.js');
  const { formatReport, summarize } = await import('../perf/report.js');
  const backend = args.values.get('backend');
  const m = await measurePerf(result.program, params, { iterations, batch, ...(backend ? { backend } : {}) });
  const s = summarize(m.input);
  const scratch = scratchBytes(result.program.mainModule());
  if (args.values.get('format') === 'json') {
    const json = {
      schema: 1,
      file: result.file,
      adapter: m.adapter,
      iterations,
      perKernelTimes: m.perKernelTimes,
      totalTimeMs: s.totalTimeMs,
      minMs: s.minMs,
      maxMs: s.maxMs,
      meanMs: s.meanMs,
      medianMs: s.medianMs,
      p90Ms: s.p90Ms,
      p95Ms: s.p95Ms,
      p99Ms: s.p99Ms,
      rate: s.rate,
      instructionsTimeMs: s.instructionsTimeMs,
      overheadMs: s.overheadMs,
      kernels: s.kernels,
      instructions: s.instructions,
      scratchBytes: scratch,
      fallbacks: m.fallbacks,
    };
    stdout(JSON.stringify(json, null, 2) + '\n');
    return;
  }
  stdout(result.program.toString());
  stdout(`\nAdapter: ${m.adapter}\nRunning performance report (${iterations} iterations) ...\n`);
  if (!m.perKernelTimes) stdout('Note: this adapter has no timestamp queries; per-kernel times are not available.\n');
  for (const f of m.fallbacks) stdout(`${fallbackLine(f)}\n`);
  stdout(formatReport(m.input, s));
}
