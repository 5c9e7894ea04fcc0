// The `onnx-fp8` command line: argv → subcommand. Exit codes: 0 success, 1 a model / input / file error
// (one line on stderr naming file, node and cause), 2 a usage error. No compiler logic lives here.

import { ModelError, UsageError, oneLine } from '../errors.js';
import { type CommandSpec, helpText, parseArgs, type ParsedArgs } from './args.js';
import { compileSpec, runCompile } from './compile.js';
import { runRun, runSpec } from './run.js';
import { exportSpec, runExport } from './export.js';
import { accuracySpec, runAccuracy } from './accuracy.js';
import { perfSpec, runPerf } from './perf.js';

interface Command {
  readonly spec: CommandSpec;
  /** `stderr` takes warnings (one line each); errors are thrown and printed by `main`. */
  run(args: ParsedArgs, stdout: (s: string) => void, stderr: (s: string) => void): void | Promise<void>;
}

const COMMANDS: readonly Command[] = [
  { spec: compileSpec, run: runCompile },
  { spec: runSpec, run: runRun },
  { spec: exportSpec, run: runExport },
  { spec: accuracySpec, run: runAccuracy },
  { spec: perfSpec, run: runPerf },
];

function topHelp(): string {
  const w = Math.max(...COMMANDS.map((c) => c.spec.name.length));
  return [
    'usage: onnx-fp8 <command> [options]',
    '',
    'An FP8 compiler for ONNX models that understands attention.',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.spec.name.padEnd(w)}  ${c.spec.summary}`),
    '',
    "Run 'onnx-fp8 <command> --help' for a command's options.",
    '',
  ].join('\n');
}

export interface CliIo {
  stdout(s: string): void;
  stderr(s: string): void;
}

/** Runs the CLI and returns the exit code (tests call this directly). */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(topHelp());
    return name === undefined ? 2 : 0;
  }
  const cmd = COMMANDS.find((c) => c.spec.name === name);
  if (!cmd) {
    io.stderr(`onnx-fp8: unknown command '${name}' (commands: ${COMMANDS.map((c) => c.spec.name).join(', ')})\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(helpText(cmd.spec));
    return 0;
  }
  try {
    await cmd.run(parseArgs(cmd.spec, rest), io.stdout, io.stderr);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`onnx-fp8: ${e.message}\n`);
      return 2;
    }
    // WebGpuError (no adapter, device lost…) is the environment's fault, not ours: one line, exit 1.
    // Matched by name so the CLI does not load the WebGPU runtime unless a command uses it.
    if (e instanceof ModelError || (e instanceof Error && e.name === 'WebGpuError')) {
      io.stderr(`onnx-fp8: error: ${oneLine((e as Error).message)}\n`);
      return 1;
    }
    const err = e as Error;
    // Anything else is our bug: still one line and exit 1, with the stack only when asked for.
    io.stderr(`onnx-fp8: internal error: ${err?.message ?? String(e)} (please report; ONNX_FP8_DEBUG=1 shows the stack)\n`);
    if (process.env['ONNX_FP8_DEBUG']) io.stderr(`${err?.stack ?? ''}\n`);
    return 1;
  }
}

// Run when executed as the CLI bundle or directly (not when imported by tests).
const invokedAsScript = import.meta.url === `file://${process.argv[1]}` || /cli\.mjs$/.test(process.argv[1] ?? '');
if (invokedAsScript) {
  const code = await main(process.argv.slice(2), {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
  });
  process.exitCode = code;
}
