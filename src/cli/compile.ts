// `onnx-fp8 compile <model>`: print the compiled program as migraphx-driver does, or as JSON (the
// stable contract in docs/cli.md that the extension and scripts read).

import { compactProgram, quantizationSummary } from '../compact-ir.js';
import { compileFile, type CompileOptions, type CompileResult } from '../compiler.js';
import type { Diagnostic } from '../diagnostics.js';
import { UsageError } from '../errors.js';
import { hasOpDef } from '../ir/op.js';
import type { Fp8Format } from '../numerics/float8.js';
import type { AttentionQdq } from '../passes/capture-arguments.js';
import { STAGES, type Stage } from '../passes/pipeline.js';
import '../ops/index.js';
import { type CommandSpec, type OptionSpec, type ParsedArgs, intOption, keyValueOption } from './args.js';
import { writeOutputFile } from './output.js';

/** The FP8 options `compile` and `run` share (docs/cli.md, docs/quantization.md). */
export const FP8_OPTIONS: readonly OptionSpec[] = [
  { name: 'fp8', kind: 'flag', help: 'quantize to FP8: calibrate, wrap inputs in Q/DQ, turn dots into quant_dots' },
  { name: 'attention-qdq', kind: 'value', placeholder: 'skip|keep|remove', choices: ['skip', 'keep', 'remove'], help: 'Q/DQ inside attention: skip (default), keep, or remove after quantizing' },
  { name: 'fp8-format', kind: 'value', placeholder: 'FORMAT', choices: ['e4m3fn', 'e4m3fnuz', 'e5m2', 'e5m2fnuz'], help: 'fp8 type (default e4m3fn, max 448)' },
  { name: 'quantize-ops', kind: 'value', placeholder: 'OPS', help: 'comma-separated IR ops to quantize, e.g. dot,convolution (default: all but convert)' },
  { name: 'calibration', kind: 'value', placeholder: 'DIR', help: 'calibrate on DIR/input_N.pb or DIR/*/input_N.pb (default: one random set)' },
];

const FP8_ONLY = ['attention-qdq', 'fp8-format', 'quantize-ops', 'calibration'];

/** The compile options for `--fp8` and its companions; `seed` seeds random calibration inputs. */
export function fp8CompileOptions(args: ParsedArgs, seed: number): Pick<CompileOptions, 'fp8' | 'calibrationDir'> {
  if (!args.flags.has('fp8')) {
    const stray = FP8_ONLY.find((o) => args.values.has(o));
    if (stray) throw new UsageError(`--${stray} needs --fp8`);
    return {};
  }
  const ops = args.values.get('quantize-ops');
  const quantizeOps = ops === undefined ? undefined : ops.split(',').map((o) => o.trim()).filter((o) => o !== '');
  if (quantizeOps) {
    if (quantizeOps.length === 0) throw new UsageError('--quantize-ops needs at least one op name');
    const unknown = quantizeOps.find((o) => !hasOpDef(o) || o.startsWith('@'));
    if (unknown) throw new UsageError(`--quantize-ops: unknown op '${unknown}' (use IR op names, e.g. dot,convolution)`);
  }
  const calibrationDir = args.values.get('calibration');
  return {
    fp8: {
      attentionQdq: (args.values.get('attention-qdq') ?? 'skip') as AttentionQdq,
      format: (args.values.get('fp8-format') ?? 'e4m3fn') as Fp8Format,
      ...(quantizeOps ? { quantizeOps } : {}),
      seed,
    },
    ...(calibrationDir !== undefined ? { calibrationDir } : {}),
  };
}

export const compileSpec: CommandSpec = {
  name: 'compile',
  summary: 'Compile an ONNX model and print the program in MIGraphX text form (or JSON).',
  positionals: ['model'],
  options: [
    { name: 'fp16', kind: 'flag', help: 'compute float ops in half precision' },
    ...FP8_OPTIONS,
    { name: 'seed', kind: 'value', placeholder: 'N', help: 'seed of the random FP8 calibration inputs (default 0)' },
    { name: 'stage', kind: 'value', placeholder: 'STAGE', choices: [...STAGES], help: 'stop after imported|quantized|fused|lowered (default lowered: kernels and scratch)' },
    { name: 'format', kind: 'value', placeholder: 'text|json', choices: ['text', 'json'], help: 'output format (default text)' },
    { name: 'output', short: 'o', kind: 'value', placeholder: 'FILE', help: 'write to FILE instead of stdout' },
    { name: 'force', kind: 'flag', help: 'allow -o to replace an existing file' },
    { name: 'input-dim', kind: 'list', placeholder: 'NAME=N', help: 'value of a symbolic input dimension' },
  ],
};

/** The JSON document `compile --format json` prints (schema documented in docs/cli.md). */
export function compileJson(r: CompileResult): object {
  const compact = compactProgram(r);
  return {
    schema: 1,
    file: r.file,
    stage: r.stage,
    program: r.program.toString(),
    inputs: r.inputs.map((v) => ({ name: v.name, type: v.shape.type, lens: v.shape.lens })),
    outputs: r.outputs.map((v) => ({ name: v.name, type: v.shape.type, lens: v.shape.lens })),
    diagnostics: compact.diagnostics,
    attention: compact.attention,
    ...quantizationSummary(compact),
    stats: compact.stats,
    instructions: compact.instructions,
    timings: r.timings,
  };
}

/** `onnx-fp8: warning: CODE: file: node 'n': message` — a warning diagnostic as compile prints it on stderr. */
export function warningLine(file: string, d: Diagnostic): string {
  const node = d.onnxNode ? ` node '${d.onnxNode}':` : '';
  return `onnx-fp8: warning: ${d.code}: ${file}:${node} ${d.message}\n`;
}

export function runCompile(args: ParsedArgs, stdout: (s: string) => void, stderr: (s: string) => void = () => {}): void {
  const [model] = args.positionals as [string];
  if (args.values.has('seed') && !args.flags.has('fp8')) throw new UsageError('--seed needs --fp8 (it seeds the calibration inputs)');
  const result = compileFile(model, {
    stage: (args.values.get('stage') ?? 'lowered') as Stage,
    fp16: args.flags.has('fp16'),
    inputDims: keyValueOption(args, 'input-dim'),
    ...fp8CompileOptions(args, intOption(args, 'seed', 0)),
  });
  const json = args.values.get('format') === 'json';
  // The JSON carries every diagnostic; the text form is the program only, so warnings go to stderr.
  if (!json) for (const d of result.diagnostics) if (d.severity === 'warning') stderr(warningLine(result.file, d));
  const text = json ? JSON.stringify(compileJson(result), null, 2) + '\n' : result.program.toString();
  const out = args.values.get('output');
  if (out) writeOutputFile(out, text, { protect: [model], force: args.flags.has('force') });
  else stdout(text);
}
