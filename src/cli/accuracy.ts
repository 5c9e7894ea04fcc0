// `onnx-fp8 accuracy <model> --fp8`: the FP8 programs (attention skipped and kept) against the float
// program on seeded random inputs disjoint from the calibration inputs (src/accuracy/): per output
// SQNR, cosine and max-abs error, and the quantized GEMMs with the worst SQNR.

import { UsageError } from '../errors.js';
import { accuracyReport, accuracyText } from '../accuracy/report.js';
import { MAX_EVALUATION_SAMPLES } from '../accuracy/evaluation-inputs.js';
import { type CommandSpec, type ParsedArgs, intOption, keyValueOption } from './args.js';
import { FP8_OPTIONS, fp8CompileOptions } from './compile.js';
import type { AttentionQdq } from '../passes/capture-arguments.js';

export const accuracySpec: CommandSpec = {
  name: 'accuracy',
  summary: 'Measure FP8 accuracy against the float program (SQNR, cosine, max error) with attention skipped and kept.',
  positionals: ['model'],
  options: [
    // --attention-qdq is left out: the report measures both strategies.
    ...FP8_OPTIONS.filter((o) => o.name !== 'attention-qdq'),
    { name: 'samples', kind: 'value', placeholder: 'N', help: `evaluation input sets (default 4, at most ${MAX_EVALUATION_SAMPLES})` },
    { name: 'seed', kind: 'value', placeholder: 'N', help: 'seed of the random calibration set; evaluation inputs come from a later, disjoint part of its stream (default 0)' },
    { name: 'format', kind: 'value', placeholder: 'text|json', choices: ['text', 'json'], help: 'output format (default text)' },
    { name: 'input-dim', kind: 'list', placeholder: 'NAME=N', help: 'value of a symbolic input dimension' },
  ],
};

export function runAccuracy(args: ParsedArgs, stdout: (s: string) => void): void {
  const [model] = args.positionals as [string];
  if (!args.flags.has('fp8')) throw new UsageError('accuracy: --fp8 is required (it measures the FP8 programs)');
  const seed = intOption(args, 'seed', 0);
  const samples = intOption(args, 'samples', 4, 1);
  if (samples > MAX_EVALUATION_SAMPLES) throw new UsageError(`--samples must be at most ${MAX_EVALUATION_SAMPLES}`);
  const { fp8, calibrationDir } = fp8CompileOptions(args, seed);
  const strategies: AttentionQdq[] = ['skip', 'keep'];
  const report = accuracyReport(model, {
    inputDims: keyValueOption(args, 'input-dim'),
    ...(fp8?.format ? { format: fp8.format } : {}),
    ...(fp8?.quantizeOps ? { quantizeOps: fp8.quantizeOps } : {}),
    ...(calibrationDir !== undefined ? { calibrationDir } : {}),
    seed,
    samples,
    strategies,
  });
  stdout(args.values.get('format') === 'json' ? JSON.stringify(report, null, 2) + '\n' : accuracyText(report));
}
