// `onnx-fp8 run <model>`: evaluate the compiled program on the reference interpreter with inputs from
// the ONNX test-data layout (input_N.pb) or seeded random ones, print a summary and optionally write
// output_N.pb files.

import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LoweringFallback } from '../codegen/launch.js';
import { compileFile, type ValueSignature } from '../compiler.js';
import { ModelError, UsageError } from '../errors.js';
import { formatG } from '../ir/format.js';
import type { Tensor } from '../ir/tensor.js';
import { randomInputs } from '../inputs/random-inputs.js';
import { loadTensorFile } from '../onnx/load.js';
import { encodeTensor } from '../onnx/write.js';
import { evaluateProgram } from '../ref/evaluate.js';
import { type CommandSpec, type ParsedArgs, intOption, keyValueOption } from './args.js';
import { FP8_OPTIONS, fp8CompileOptions } from './compile.js';
import { writeOutputFile } from './output.js';

export const runSpec: CommandSpec = {
  name: 'run',
  summary: 'Compile an ONNX model and run it on the reference interpreter; print and optionally save the outputs.',
  positionals: ['model'],
  options: [
    { name: 'input', kind: 'value', placeholder: 'DIR', help: 'read input_N.pb TensorProtos from DIR (default: seeded random inputs)' },
    { name: 'output', kind: 'value', placeholder: 'DIR', help: 'write output_N.pb TensorProtos into DIR' },
    { name: 'force', kind: 'flag', help: 'allow --output to replace existing output_N.pb files' },
    { name: 'device', kind: 'value', placeholder: 'ref|webgpu', choices: ['ref', 'webgpu'], help: 'where to run: ref (default), the CPU reference interpreter, or webgpu (Dawn: a GPU or the lavapipe software adapter)' },
    { name: 'backend', kind: 'value', placeholder: 'NAME', help: "with --device webgpu: Dawn backend (vulkan, opengles, …; default: Dawn's choice)" },
    { name: 'seed', kind: 'value', placeholder: 'N', help: 'seed for random inputs, and for the random FP8 calibration set (default 0)' },
    { name: 'fp16', kind: 'flag', help: 'compute float ops in half precision' },
    ...FP8_OPTIONS,
    { name: 'input-dim', kind: 'list', placeholder: 'NAME=N', help: 'value of a symbolic input dimension' },
  ],
};

/** Reads input_0.pb, input_1.pb, … and matches them to the model inputs by name, else by position. */
export function readInputDir(dir: string, inputs: readonly ValueSignature[]): Map<string, Tensor> {
  if (!existsSync(dir)) throw new ModelError('input folder does not exist', { file: dir });
  const files = readdirSync(dir)
    .filter((f) => /^input_\d+\.pb$/.test(f))
    .sort((a, b) => Number(a.slice(6, -3)) - Number(b.slice(6, -3)));
  if (files.length !== inputs.length) {
    throw new ModelError(`found ${files.length} input_N.pb file(s), the model has ${inputs.length} input(s) (${inputs.map((i) => i.name).join(', ')})`, { file: dir });
  }
  const out = new Map<string, Tensor>();
  files.forEach((f, k) => {
    const path = join(dir, f);
    const { name, tensor } = loadTensorFile(path);
    const target = inputs.find((i) => i.name === name) ?? inputs[k]!;
    const want = target.shape;
    if (tensor.type !== want.type || tensor.shape.lens.join(',') !== want.lens.join(',')) {
      throw new ModelError(`tensor is ${tensor.type} {${tensor.shape.lens.join(', ')}} but model input '${target.name}' is ${want.type} {${want.lens.join(', ')}}`, { file: path });
    }
    out.set(target.name, tensor);
  });
  return out;
}

function summary(name: string, t: Tensor): string {
  const values = t.toFloat32Array();
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let nan = 0;
  for (const v of values) {
    if (Number.isNaN(v)) {
      nan++;
      continue;
    }
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  const count = values.length - nan;
  const head = Array.from(values.subarray(0, 8), (v) => formatG(v)).join(', ');
  const stats = count > 0 ? `min ${formatG(min)}, max ${formatG(max)}, mean ${formatG(sum / count)}` : 'no finite values';
  return `${name}: ${t.type}, {${t.shape.lens.join(', ')}}: ${stats}${nan ? `, ${nan} NaN` : ''}\n  {${head}${values.length > 8 ? ', ...' : ''}}\n`;
}

/** The warning `run` and `perf` print for a fused op that runs as separate kernels on the device. */
export function fallbackLine(f: LoweringFallback): string {
  return `warning: KERNEL_FALLBACK: ${f.instruction} runs as separate kernels, ${f.reason}`;
}

export async function runRun(args: ParsedArgs, stdout: (s: string) => void): Promise<void> {
  const [model] = args.positionals as [string];
  const seed = intOption(args, 'seed', 0);
  const device = args.values.get('device') ?? 'ref';
  if (device !== 'ref' && device !== 'webgpu') throw new UsageError(`run: unknown device '${device}'`);
  // --seed seeds the random calibration set too (as migraphx-driver calibrates on generated inputs).
  const result = compileFile(model, { fp16: args.flags.has('fp16'), inputDims: keyValueOption(args, 'input-dim'), ...fp8CompileOptions(args, seed) });
  const inputDir = args.values.get('input');
  const params = inputDir ? readInputDir(inputDir, result.inputs) : randomInputs(result.program.mainModule(), seed);
  // The WebGPU runtime (and dawn.node) loads only when asked for.
  const backend = args.values.get('backend');
  if (backend !== undefined && device !== 'webgpu') throw new UsageError('run: --backend needs --device webgpu');
  const outputs =
    device === 'webgpu'
      ? await (await import('../runtime/index.js')).runOnWebGpu(result.program, params, { ...(backend ? { backend } : {}), onFallback: (f) => stdout(`${fallbackLine(f)}\n`) })
      : evaluateProgram(result.program, params);
  outputs.forEach((t, k) => stdout(summary(result.outputs[k]?.name ?? `output_${k}`, t)));
  const outDir = args.values.get('output');
  if (outDir) {
    const protect = [model, ...(inputDir ? readdirSync(inputDir).map((f) => join(inputDir, f)) : [])];
    outputs.forEach((t, k) => {
      const name = result.outputs[k]?.name ?? `output_${k}`;
      writeOutputFile(join(outDir, `output_${k}.pb`), encodeTensor(name, t), { protect, force: args.flags.has('force') });
    });
  }
}
