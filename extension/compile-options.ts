// Settings (contributes.configuration, section `onnxFp8`) → the CLI's argument list. The FP8 options
// (--fp8, --attention-qdq, --fp8-format, --quantize-ops, --calibration) are added only when the CLI knows
// them: an option the CLI rejected as unknown is remembered in `unsupported` and left out.

import { isAbsolute, resolve } from 'node:path';
import type { AttentionQdq } from '../src/protocol/messages.js';

export const CONFIG_SECTION = 'onnxFp8';

export const FP8_FORMATS = ['e4m3fn', 'e4m3fnuz', 'e5m2', 'e5m2fnuz'] as const;
export type Fp8Format = (typeof FP8_FORMATS)[number];

export interface Fp8Settings {
  readonly attentionQdq: AttentionQdq;
  readonly fp8Format: Fp8Format;
  /** IR op names to quantize; empty means the CLI's default set. */
  readonly quantizeOps: readonly string[];
  /** Folder of calibration inputs; empty means none (relative paths are resolved against the workspace folder). */
  readonly calibrationFolder: string;
  readonly timeoutMs: number;
}

/** The part of WorkspaceConfiguration this module reads. */
export interface ConfigLike {
  get<T>(section: string): T | undefined;
}

export function readSettings(config: ConfigLike): Fp8Settings {
  const qdq = config.get<string>('attentionQdq');
  const format = config.get<string>('fp8Format');
  const ops = config.get<unknown>('quantizeOps');
  const folder = config.get<string>('calibrationFolder');
  const timeout = config.get<number>('compileTimeoutSeconds');
  return {
    attentionQdq: qdq === 'keep' ? 'keep' : 'skip',
    fp8Format: (FP8_FORMATS as readonly string[]).includes(format ?? '') ? (format as Fp8Format) : 'e4m3fn',
    quantizeOps: Array.isArray(ops) ? ops.filter((o): o is string => typeof o === 'string' && o.trim() !== '').map((o) => o.trim()) : [],
    calibrationFolder: typeof folder === 'string' ? folder.trim() : '',
    timeoutMs: typeof timeout === 'number' && timeout > 0 ? Math.round(timeout * 1000) : 120_000,
  };
}

/** The FP8 options of the CLI, by long name, in the order they are passed. */
export const FP8_OPTIONS = ['fp8', 'attention-qdq', 'fp8-format', 'quantize-ops', 'calibration'] as const;
export type Fp8Option = (typeof FP8_OPTIONS)[number];

export function isFp8Option(name: string): name is Fp8Option {
  return (FP8_OPTIONS as readonly string[]).includes(name);
}

export interface ArgsInput {
  readonly model: string;
  readonly strategy: AttentionQdq;
  readonly settings: Fp8Settings;
  /** Where a relative calibration folder is resolved from (the model's workspace folder, else its folder). */
  readonly baseDir: string;
  /** FP8 options this CLI rejected as unknown. When it contains `fp8`, no FP8 option is passed. */
  readonly unsupported: ReadonlySet<string>;
}

export function compileArgs(a: ArgsInput): string[] {
  const args = ['compile', a.model, '--format', 'json'];
  if (a.unsupported.has('fp8')) return args;
  const add = (name: Fp8Option, ...value: string[]): void => {
    if (!a.unsupported.has(name)) args.push(`--${name}`, ...value);
  };
  add('fp8');
  add('attention-qdq', a.strategy);
  add('fp8-format', a.settings.fp8Format);
  if (a.settings.quantizeOps.length > 0) add('quantize-ops', a.settings.quantizeOps.join(','));
  if (a.settings.calibrationFolder !== '') {
    const dir = isAbsolute(a.settings.calibrationFolder) ? a.settings.calibrationFolder : resolve(a.baseDir, a.settings.calibrationFolder);
    add('calibration', dir);
  }
  return args;
}
