// `accuracy`: how far the FP8 programs are from the float program, per attention strategy, on seeded
// random inputs disjoint from the calibration inputs (evaluation-inputs.ts). Everything runs on the
// reference interpreter. Per model output: SQNR, cosine, max-abs (metrics.ts). Per quantized GEMM: its
// output in the FP8 program (the dequantized quant_dot) against the float program's dot for the same
// ONNX node — paired by (ONNX node, k-th GEMM of that node in program order), since both programs come
// from one import and quantization replaces each dot in place. So a GEMM's figure includes the error
// its inputs carry from earlier quantized layers (ORT's "xmodel" error), which is what a user sees.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { compileModel, type CompileResult } from '../compiler.js';
import { ModelError } from '../errors.js';
import type { Instruction } from '../ir/instruction.js';
import { programNames } from '../ir/printer.js';
import type { Tensor } from '../ir/tensor.js';
import type { Fp8Format } from '../numerics/float8.js';
import { loadModelFile } from '../onnx/load.js';
import type { AttentionQdq } from '../passes/capture-arguments.js';
import { readCalibrationSets } from '../quantize/calibration-data.js';
import { evaluateModule } from '../ref/evaluate.js';
import { drawsPerSet, EVALUATION_OFFSET, EVALUATION_STRIDE, evaluationInputs, MAX_EVALUATION_SAMPLES } from './evaluation-inputs.js';
import { ErrorAccumulator, type ErrorMetrics } from './metrics.js';

export interface AccuracyOptions {
  readonly inputDims?: ReadonlyMap<string, number>;
  readonly format?: Fp8Format;
  readonly quantizeOps?: readonly string[];
  /** `--calibration DIR`; absent: one random set from `seed`. */
  readonly calibrationDir?: string;
  /** Seed of the random calibration set; evaluation draws later parts of the same stream. */
  readonly seed?: number;
  /** Evaluation input sets (default 4). */
  readonly samples?: number;
  /** Strategies to measure (default skip and keep). */
  readonly strategies?: readonly AttentionQdq[];
  /** How many GEMMs the `worst` lists hold (default 10). */
  readonly worst?: number;
}

/** `null` stands for ±Infinity (JSON has no infinities): +∞ when the FP8 value equals the float one. */
export interface OutputAccuracy {
  readonly name: string;
  readonly sqnrDb: number | null;
  readonly cosine: number;
  readonly maxAbs: number;
  readonly refMaxAbs: number;
  readonly relL2: number | null;
  readonly nonFinite: number;
}

export interface GemmAccuracy {
  /** Printed name in the FP8 program (`compile --fp8` output of the same strategy). */
  readonly instruction: string;
  readonly onnxNode: string;
  readonly onnxOpType: string;
  readonly sqnrDb: number | null;
  readonly cosine: number;
  readonly maxAbs: number;
}

export interface StrategyAccuracy {
  readonly outputs: readonly OutputAccuracy[];
  /** The quantized GEMMs with the lowest SQNR, worst first. */
  readonly worst: readonly GemmAccuracy[];
  /** Quantized GEMMs in the program (quant_dots). */
  readonly quantizedGemms: number;
  /** Instructions quantization left out (the attention skip set). */
  readonly skipped: number;
}

export interface AccuracyReport {
  readonly schema: 1;
  readonly model: { readonly file: string; readonly sha256: string; readonly inputs: readonly { name: string; type: string; lens: readonly number[] }[] };
  readonly calibration: {
    readonly source: 'random' | 'folder';
    readonly seed?: number;
    readonly folder?: string;
    readonly sets: number;
    readonly format: Fp8Format;
    readonly scale: string;
  };
  readonly evaluation: { readonly samples: number; readonly seed: number; readonly inputs: string };
  readonly strategies: Readonly<Partial<Record<AttentionQdq, StrategyAccuracy>>>;
}

function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** A quantized GEMM's output in an FP8 program: the instruction that replaced the float dot. */
function gemmResult(qd: Instruction): Instruction {
  let r = qd;
  const dq = qd.outputs.length === 1 && qd.outputs[0]!.op.name === 'dequantizelinear' ? qd.outputs[0]! : undefined;
  if (dq) {
    r = dq;
    const back = dq.outputs.length === 1 ? dq.outputs[0]! : undefined;
    if (back && back.op.name === 'convert' && back.origin === qd.origin) r = back;
  }
  return r;
}

const GEMMS = new Set(['dot', 'quant_dot']);

/** GEMMs keyed by ONNX node and occurrence: `index/caller#k`. */
function gemmKeys(m: Iterable<Instruction>): Map<Instruction, string> {
  const counts = new Map<string, number>();
  const keys = new Map<Instruction, string>();
  for (const ins of m) {
    if (!GEMMS.has(ins.op.name) || !ins.origin) continue;
    const node = `${ins.origin.index}/${ins.origin.caller ?? ''}`;
    const k = counts.get(node) ?? 0;
    counts.set(node, k + 1);
    keys.set(ins, `${node}#${k}`);
  }
  return keys;
}

interface Pairing {
  /** Float dot → key. */
  readonly floatDots: Map<Instruction, string>;
  /** Per strategy: result instruction → {key, quant_dot}. */
  readonly results: Map<AttentionQdq, Map<Instruction, { key: string; qd: Instruction }>>;
}

function pairGemms(float: CompileResult, programs: ReadonlyMap<AttentionQdq, CompileResult>): Pairing {
  const floatKeys = gemmKeys(float.program.mainModule());
  const byKey = new Map([...floatKeys].map(([ins, key]) => [key, ins]));
  const needed = new Map<Instruction, string>();
  const results = new Map<AttentionQdq, Map<Instruction, { key: string; qd: Instruction }>>();
  for (const [strategy, r] of programs) {
    const map = new Map<Instruction, { key: string; qd: Instruction }>();
    for (const [ins, key] of gemmKeys(r.program.mainModule())) {
      if (ins.op.name !== 'quant_dot') continue;
      const f = byKey.get(key);
      if (!f) continue;
      needed.set(f, key);
      map.set(gemmResult(ins), { key, qd: ins });
    }
    results.set(strategy, map);
  }
  return { floatDots: needed, results };
}

function values(t: Tensor): Float32Array {
  return Float32Array.from(t.toFloat32Array());
}

/** Measures every strategy on `samples` evaluation sets. */
export function accuracyReport(file: string, options: AccuracyOptions = {}): AccuracyReport {
  const samples = options.samples ?? 4;
  if (samples < 1 || samples > MAX_EVALUATION_SAMPLES) throw new ModelError(`--samples must be between 1 and ${MAX_EVALUATION_SAMPLES}`, { file });
  const seed = options.seed ?? 0;
  const strategies = options.strategies ?? ['skip', 'keep'];
  const format = options.format ?? 'e4m3fn';
  const model = loadModelFile(file);
  const bytes = fs.readFileSync(file);
  // Quantized (not lowered) programs: the GEMM pairing reads their dots and quant_dots.
  const importOptions = { stage: 'quantized' as const, ...(options.inputDims ? { inputDims: options.inputDims } : {}) };

  const float = compileModel(model, importOptions);
  const calibrationSets = options.calibrationDir !== undefined ? readCalibrationSets(options.calibrationDir, float.inputs) : undefined;
  const programs = new Map<AttentionQdq, CompileResult>();
  for (const strategy of strategies) {
    programs.set(
      strategy,
      compileModel(model, {
        ...importOptions,
        fp8: { attentionQdq: strategy, format, seed, ...(options.quantizeOps ? { quantizeOps: options.quantizeOps } : {}), ...(calibrationSets ? { calibrationSets } : {}) },
      }),
    );
  }
  const floatMain = float.program.mainModule();
  const draws = drawsPerSet(floatMain);
  if (draws >= EVALUATION_STRIDE) throw new ModelError(`one input set needs ${draws} random numbers; accuracy keeps evaluation inputs apart from calibration only below ${EVALUATION_STRIDE} (bind smaller dims with --input-dim)`, { file });

  const pairing = pairGemms(float, programs);
  const outputAcc = new Map<AttentionQdq, ErrorAccumulator[]>();
  const gemmAcc = new Map<AttentionQdq, Map<Instruction, ErrorAccumulator>>();
  for (const s of strategies) {
    outputAcc.set(s, float.outputs.map(() => new ErrorAccumulator()));
    gemmAcc.set(s, new Map([...pairing.results.get(s)!.keys()].map((i) => [i, new ErrorAccumulator()])));
  }

  // One evaluation set through the float program, then each FP8 program, accumulating the errors.
  const runSample = (sample: number): void => {
    const params = evaluationInputs(floatMain, seed, sample);
    const floatGemms = new Map<string, Float32Array>();
    const reference = evaluateModule(floatMain, params, {
      observe: (ins, value) => {
        const key = pairing.floatDots.get(ins);
        if (key !== undefined) floatGemms.set(key, values(value));
      },
    }).map(values);
    for (const s of strategies) {
      const results = pairing.results.get(s)!;
      const accs = gemmAcc.get(s)!;
      const outs = evaluateModule(programs.get(s)!.program.mainModule(), params, {
        observe: (ins, value) => {
          const r = results.get(ins);
          if (r) accs.get(ins)!.add(floatGemms.get(r.key)!, value.toFloat32Array());
        },
      });
      outs.forEach((t, k) => outputAcc.get(s)![k]!.add(reference[k]!, t.toFloat32Array()));
    }
  };
  for (let sample = 0; sample < samples; sample++) {
    try {
      runSample(sample);
    } catch (e) {
      if (e instanceof ModelError) throw e.at({ file });
      throw new ModelError(`accuracy could not run the model on evaluation set ${sample}: ${(e as Error).message}`, { file });
    }
  }

  const report: Partial<Record<AttentionQdq, StrategyAccuracy>> = {};
  for (const s of strategies) {
    const r = programs.get(s)!;
    const names = programNames(r.program);
    const worst = [...gemmAcc.get(s)!]
      .map(([ins, acc]) => ({ ins, m: acc.result() }))
      .sort((a, b) => byValue(a.m.sqnrDb, b.m.sqnrDb))
      .slice(0, options.worst ?? 10)
      .map(({ ins, m }) => gemmEntry(names.get(pairing.results.get(s)!.get(ins)!.qd) ?? '?', pairing.results.get(s)!.get(ins)!.qd, m));
    const main = r.program.mainModule();
    report[s] = {
      outputs: float.outputs.map((o, k) => outputEntry(o.name, outputAcc.get(s)![k]!.result())),
      worst,
      quantizedGemms: main.instructions().filter((i) => i.op.name === 'quant_dot').length,
      skipped: main.instructions().filter((i) => i.meta.quantizationSkipped !== undefined).length,
    };
  }
  return {
    schema: 1,
    model: {
      file,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      inputs: float.inputs.map((i) => ({ name: i.name, type: i.shape.type, lens: i.shape.lens })),
    },
    calibration: {
      source: calibrationSets ? 'folder' : 'random',
      ...(calibrationSets ? { folder: options.calibrationDir! } : { seed }),
      sets: calibrationSets?.length ?? 1,
      format,
      scale: 'max |x| / fp8 max, per tensor',
    },
    evaluation: {
      samples,
      seed,
      inputs: `seeded random (floats uniform in [-1, 1)), draws ${EVALUATION_OFFSET} + i·${EVALUATION_STRIDE} onward of seed ${seed}'s stream: disjoint from the calibration draws`,
    },
    strategies: report,
  };
}

/** Ascending, infinities at their ends, NaN last. */
function byValue(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1;
  return a === b ? 0 : a < b ? -1 : 1;
}

function outputEntry(name: string, m: ErrorMetrics): OutputAccuracy {
  return { name, sqnrDb: finiteOrNull(m.sqnrDb), cosine: m.cosine, maxAbs: m.maxAbs, refMaxAbs: m.refMaxAbs, relL2: finiteOrNull(m.relL2), nonFinite: m.nonFinite };
}

function gemmEntry(instruction: string, qd: Instruction, m: ErrorMetrics): GemmAccuracy {
  return { instruction, onnxNode: qd.origin?.node ?? '', onnxOpType: qd.origin?.opType ?? '', sqnrDb: finiteOrNull(m.sqnrDb), cosine: m.cosine, maxAbs: m.maxAbs };
}

// ---- text ----

function db(x: number | null): string {
  return x === null ? 'inf' : x.toFixed(2);
}

function num(x: number): string {
  return x === 0 ? '0' : Math.abs(x) >= 1e-3 && Math.abs(x) < 1e5 ? x.toPrecision(4) : x.toExponential(3);
}

/** The report as text: one block per strategy, then the skip − keep difference per output. */
export function accuracyText(r: AccuracyReport): string {
  const lines: string[] = [];
  lines.push(`model: ${r.model.file} (sha256 ${r.model.sha256.slice(0, 16)}…), inputs ${r.model.inputs.map((i) => `${i.name} {${i.lens.join(', ')}}`).join(', ')}`);
  const c = r.calibration;
  lines.push(`calibration: ${c.source === 'folder' ? `${c.sets} set(s) from ${c.folder}` : `one random input set (seed ${c.seed})`}; ${c.format}, scale = ${c.scale}`);
  lines.push(`evaluation: ${r.evaluation.samples} random input set(s), ${r.evaluation.inputs}`);
  for (const [name, s] of Object.entries(r.strategies) as [string, StrategyAccuracy][]) {
    lines.push('');
    lines.push(`strategy ${name}: ${s.quantizedGemms} quantized GEMM(s), ${s.skipped} instruction(s) left out of quantization`);
    const w = Math.max(6, ...s.outputs.map((o) => o.name.length));
    lines.push(`  ${'output'.padEnd(w)}  ${'SQNR dB'.padStart(8)}  ${'cosine'.padStart(9)}  ${'max|err|'.padStart(10)}  ${'max|ref|'.padStart(10)}`);
    for (const o of s.outputs) {
      lines.push(`  ${o.name.padEnd(w)}  ${db(o.sqnrDb).padStart(8)}  ${o.cosine.toFixed(6).padStart(9)}  ${num(o.maxAbs).padStart(10)}  ${num(o.refMaxAbs).padStart(10)}${o.nonFinite ? `  (${o.nonFinite} non-finite mismatches)` : ''}`);
    }
    if (s.worst.length > 0) {
      lines.push(`  worst quantized GEMMs (SQNR dB against the float program's dot):`);
      for (const g of s.worst) lines.push(`    ${g.instruction.padEnd(6)} ${db(g.sqnrDb).padStart(8)}  ${g.onnxNode} (${g.onnxOpType})`);
    }
  }
  const skip = r.strategies.skip;
  const keep = r.strategies.keep;
  if (skip && keep) {
    lines.push('');
    for (let k = 0; k < skip.outputs.length; k++) {
      const a = skip.outputs[k]!.sqnrDb;
      const b = keep.outputs[k]!.sqnrDb;
      const diff = a === null || b === null ? (a === b ? '0' : a === null ? '+inf' : '-inf') : `${a - b >= 0 ? '+' : ''}${(a - b).toFixed(2)}`;
      lines.push(`skip − keep on ${skip.outputs[k]!.name}: ${diff} dB`);
    }
  }
  return lines.join('\n') + '\n';
}
