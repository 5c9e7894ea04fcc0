// `onnx-fp8 compile <model>`: print the compiled program as migraphx-driver does, or as JSON (the
// stable contract in docs/cli.md that the extension and scripts read).

import { compactProgram } from '../compact-ir.js';
import { compileFile, type CompileResult } from '../compiler.js';
import { type CommandSpec, type ParsedArgs, keyValueOption } from './args.js';
import { writeOutputFile } from './output.js';

export const compileSpec: CommandSpec = {
  name: 'compile',
  summary: 'Compile an ONNX model and print the program in MIGraphX text form (or JSON).',
  positionals: ['model'],
  options: [
    { name: 'fp16', kind: 'flag', help: 'compute float ops in half precision' },
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
    program: r.program.toString(),
    inputs: r.inputs.map((v) => ({ name: v.name, type: v.shape.type, lens: v.shape.lens })),
    outputs: r.outputs.map((v) => ({ name: v.name, type: v.shape.type, lens: v.shape.lens })),
    diagnostics: compact.diagnostics,
    attention: compact.attention,
    stats: compact.stats,
    instructions: compact.instructions,
    timings: r.timings,
  };
}

export function runCompile(args: ParsedArgs, stdout: (s: string) => void): void {
  const [model] = args.positionals as [string];
  const result = compileFile(model, { fp16: args.flags.has('fp16'), inputDims: keyValueOption(args, 'input-dim') });
  const text = args.values.get('format') === 'json' ? JSON.stringify(compileJson(result), null, 2) + '\n' : result.program.toString();
  const out = args.values.get('output');
  if (out) writeOutputFile(out, text, { protect: [model], force: args.flags.has('force') });
  else stdout(text);
}
