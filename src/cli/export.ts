// `onnx-fp8 export <model> --fp8 -o out.onnx`: the compiled FP8 decisions written as a standard ONNX QDQ
// model (src/export/). Writes the model, and for models with external data its `<out>.data` file,
// never onto the input model or its data and never over an existing file without --force.

import fs from 'node:fs';
import path from 'node:path';
import { ModelError, UsageError } from '../errors.js';
import { exportQdqFile } from '../export/export-qdq.js';
import { loadModelFile } from '../onnx/load.js';
import { type CommandSpec, type ParsedArgs, intOption, keyValueOption } from './args.js';
import { FP8_OPTIONS, fp8CompileOptions } from './compile.js';
import { writeOutputFile } from './output.js';

export const exportSpec: CommandSpec = {
  name: 'export',
  summary: 'Quantize an ONNX model to FP8 and write it as a standard ONNX QDQ model (attention left float).',
  positionals: ['model'],
  options: [
    ...FP8_OPTIONS,
    { name: 'seed', kind: 'value', placeholder: 'N', help: 'seed of the random FP8 calibration inputs (default 0)' },
    { name: 'output', short: 'o', kind: 'value', placeholder: 'FILE', help: 'the QDQ model to write (required)' },
    { name: 'force', kind: 'flag', help: 'allow replacing an existing output file' },
    { name: 'input-dim', kind: 'list', placeholder: 'NAME=N', help: 'value of a symbolic input dimension while calibrating' },
    { name: 'format', kind: 'value', placeholder: 'text|json', choices: ['text', 'json'], help: 'summary on stdout: text (default) or JSON' },
  ],
};

/** The files a model reads: itself and its external data (never to be written). */
function inputFiles(model: string): string[] {
  const files = [model];
  try {
    const m = loadModelFile(model);
    for (const t of m.graph.initializers.values()) if (t.externalLocation) files.push(path.join(path.dirname(model), t.externalLocation));
  } catch {
    // exportQdqFile reports the model's problems.
  }
  return files;
}

function sameFile(a: string, b: string): boolean {
  try {
    return fs.realpathSync(a) === fs.realpathSync(b);
  } catch {
    return path.resolve(a) === path.resolve(b);
  }
}

function refuseOverwrite(file: string, protect: readonly string[], force: boolean): void {
  if (!fs.existsSync(file)) return;
  const input = protect.find((f) => sameFile(f, file));
  if (input) throw new ModelError(`refusing to write over the input file ${input}`, { file });
  if (!force) throw new ModelError('file exists; refusing to overwrite it (pass --force to replace it)', { file });
}

export function runExport(args: ParsedArgs, stdout: (s: string) => void): void {
  const [model] = args.positionals as [string];
  if (!args.flags.has('fp8')) throw new UsageError('export: --fp8 is required (the export writes FP8 QDQ)');
  const out = args.values.get('output');
  if (!out) throw new UsageError('export: -o/--output FILE is required');
  const force = args.flags.has('force');
  const protect = [...new Set(inputFiles(model))];
  // Refused before the (slow) quantization, and before anything is written, so a refused export
  // leaves no half-written model/data pair behind.
  refuseOverwrite(out, protect, force);
  const result = exportQdqFile(model, {
    inputDims: keyValueOption(args, 'input-dim'),
    ...fp8CompileOptions(args, intOption(args, 'seed', 0)),
    outputPath: out,
  });
  const data = result.externalData;
  if (data) refuseOverwrite(data.path, protect, force);
  if (data) writeOutputFile(data.path, data.bytes, { protect, force });
  writeOutputFile(out, result.model, { protect, force });

  if (args.values.get('format') === 'json') {
    stdout(
      JSON.stringify(
        {
          schema: 1,
          file: model,
          output: out,
          ...(data ? { externalData: data.path } : {}),
          opset: result.opset,
          added: result.added,
          quantized: result.decisions.map((d) => ({ onnxNode: d.node, opType: d.opType, input: d.input, tensor: d.tensor, kind: d.kind, scale: d.scale.get(0), type: d.fp8Type })),
          diagnostics: result.diagnostics,
        },
        null,
        2,
      ) + '\n',
    );
    return;
  }
  const lines = [`wrote ${out}${data ? ` and ${data.path}` : ''}: opset ${result.opset.to}${result.opset.from < result.opset.to ? ` (raised from ${result.opset.from})` : ''}`];
  for (const d of result.decisions) {
    lines.push(`  ${d.node} input ${d.input} '${d.tensor}': ${d.kind === 'weight' ? 'fp8 weight + DequantizeLinear' : 'QuantizeLinear + DequantizeLinear'}, scale ${d.scale.get(0)}`);
  }
  for (const d of result.diagnostics) {
    if (d.severity === 'warning' || d.code.startsWith('EXPORT_') || d.code === 'FP8_ATTENTION_SKIPPED') lines.push(`${d.severity}: ${d.code}: ${d.message}`);
  }
  stdout(lines.join('\n') + '\n');
}
