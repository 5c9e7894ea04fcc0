// A small argument parser for the CLI: each subcommand declares its options; anything unknown, a missing
// value or a bad number is a UsageError (exit code 2). No dependency, no magic.

import { UsageError } from '../errors.js';

export interface OptionSpec {
  /** Long name without dashes (`format`); `short` is a one-letter alias (`o`). */
  readonly name: string;
  readonly short?: string;
  /** 'flag' takes no value; 'value' takes one; 'list' takes one and may repeat. */
  readonly kind: 'flag' | 'value' | 'list';
  /** Shown in --help, e.g. `text|json`. */
  readonly placeholder?: string;
  readonly help: string;
  /** Allowed values for 'value' options. */
  readonly choices?: readonly string[];
}

export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  /** Positional arguments, e.g. ['model']. */
  readonly positionals: readonly string[];
  readonly options: readonly OptionSpec[];
}

export interface ParsedArgs {
  readonly positionals: string[];
  readonly flags: ReadonlySet<string>;
  readonly values: ReadonlyMap<string, string>;
  readonly lists: ReadonlyMap<string, string[]>;
}

export function parseArgs(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const positionals: string[] = [];
  const flags = new Set<string>();
  const values = new Map<string, string>();
  const lists = new Map<string, string[]>();
  const byLong = new Map(spec.options.map((o) => [o.name, o]));
  const byShort = new Map(spec.options.filter((o) => o.short).map((o) => [o.short!, o]));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      positionals.push(a);
      continue;
    }
    let name: string;
    let inline: string | undefined;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      inline = eq >= 0 ? a.slice(eq + 1) : undefined;
    } else {
      name = a.slice(1);
    }
    const opt = a.startsWith('--') ? byLong.get(name) : byShort.get(name);
    if (!opt) throw new UsageError(`${spec.name}: unknown option '${a}' (see 'onnx-fp8 ${spec.name} --help')`);
    if (opt.kind === 'flag') {
      if (inline !== undefined) throw new UsageError(`${spec.name}: option --${opt.name} takes no value`);
      flags.add(opt.name);
      continue;
    }
    const v = inline ?? argv[++i];
    if (v === undefined) throw new UsageError(`${spec.name}: option --${opt.name} needs a value${opt.placeholder ? ` (${opt.placeholder})` : ''}`);
    if (opt.choices && !opt.choices.includes(v)) {
      throw new UsageError(`${spec.name}: --${opt.name} must be one of ${opt.choices.join(', ')}, got '${v}'`);
    }
    if (opt.kind === 'list') lists.set(opt.name, [...(lists.get(opt.name) ?? []), v]);
    else values.set(opt.name, v);
  }
  if (positionals.length !== spec.positionals.length) {
    const want = spec.positionals.map((p) => `<${p}>`).join(' ');
    throw new UsageError(`${spec.name}: expected ${want || 'no arguments'}, got ${positionals.length === 0 ? 'none' : positionals.map((p) => `'${p}'`).join(' ')}`);
  }
  return { positionals, flags, values, lists };
}

/** An integer option value, or the default; a UsageError names the option on bad input. */
export function intOption(args: ParsedArgs, name: string, fallback: number, min = 0): number {
  const v = args.values.get(name);
  if (v === undefined) return fallback;
  if (!/^-?\d+$/.test(v) || Number(v) < min) throw new UsageError(`--${name} must be an integer >= ${min}, got '${v}'`);
  return Number(v);
}

/** `name=value` pairs of a repeatable option (e.g. `--input-dim batch=4`). */
export function keyValueOption(args: ParsedArgs, name: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const kv of args.lists.get(name) ?? []) {
    const m = /^([^=]+)=(\d+)$/.exec(kv);
    if (!m) throw new UsageError(`--${name} expects name=value with a non-negative integer value, got '${kv}'`);
    out.set(m[1]!, Number(m[2]));
  }
  return out;
}

export function helpText(spec: CommandSpec): string {
  const lines = [`usage: onnx-fp8 ${spec.name} ${spec.positionals.map((p) => `<${p}>`).join(' ')} [options]`, '', spec.summary, '', 'options:'];
  const rows = spec.options.map((o) => {
    const names = `${o.short ? `-${o.short}, ` : ''}--${o.name}${o.kind === 'flag' ? '' : ` ${o.placeholder ?? 'VALUE'}`}`;
    return [names, o.help + (o.kind === 'list' ? ' (repeatable)' : '')] as const;
  });
  rows.push(['-h, --help', 'show this help']);
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [n, h] of rows) lines.push(`  ${n.padEnd(w)}  ${h}`);
  return lines.join('\n') + '\n';
}
