// A `fused_reduce` instruction (fuse-reduce) as one generated kernel, one workgroup per row: a row is
// one setting of the kept dimensions, its elements run over the reduced axes. Values are per element
// (lens L, the reductions' input) or per row (reduced lens: a reduction, or what is computed from
// reductions and constants); a broadcast of a per-row value back to L is that value. Inputs are read
// through their views (a bias or gamma broadcast along rows, a per-row input). A narrow value per row (a
// bool: "is this row fully masked") is written four rows a workgroup, a word at a time. Returns the
// reason for what the kernel does not do (views of computed values, integer arithmetic, a narrow output
// whose rows are not whole words), and the op then runs as separate launches.

import type { Instruction } from '../ir/instruction.js';
import type { Shape } from '../ir/shape.js';
import { typeId, typeSize } from '../ir/types.js';
import { normalizeAxis } from '../ops/common.js';
import { submoduleParameters } from '../ref/interpret.js';
import type { DeviceCapabilities } from './capabilities.js';
import { pad8, standardStrides } from './dims.js';
import { Constants, stepOf, type FusedStep, type ValueRef } from './fused-program.js';
import { reduceSource, type Level, type ReduceProgram, type RowRead } from './fused-source.js';
import { MAX_BINDINGS } from './fused-pointwise.js';
import { generatedSpec } from './generated-kernels.js';
import { ceilDiv, grid1d } from './grid.js';
import type { LoweringContext } from './lower-context.js';
import { literalView } from './lower.js';
import type { ValueView } from './launch.js';
import { isViewOp, replayView } from './views.js';

const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);

interface ReadView {
  readonly view: ValueView;
  readonly level: Level;
}

interface Plan {
  readonly program: ReduceProgram;
  readonly bindings: readonly ValueView[];
  readonly reads: readonly ReadView[];
  readonly lens: readonly number[];
  readonly axes: readonly number[];
}

/** The kernel's program for `ins`, or a reason it has none. */
function plan(ctx: LoweringContext, ins: Instruction, inputs: readonly ValueView[]): Plan | string {
  const sub = ins.moduleInputs[0]!;
  const reductions = sub.instructions().filter((i) => i.op.def.reduce === true);
  if (reductions.length === 0) return 'no reduction';
  const lens = reductions[0]!.inputs[0]!.shape.lens;
  const axes = [...new Set(ins.op.ints('axes').map((a) => normalizeAxis(a, lens.length)))].sort((x, y) => x - y);
  const reduced = lens.map((l, d) => (axes.includes(d) ? 1 : l));
  for (const r of reductions) {
    const rAxes = r.op.ints('axes').map((a) => normalizeAxis(a, lens.length)).sort((x, y) => x - y);
    if (!same(r.inputs[0]!.shape.lens, lens) || !same(rAxes, axes)) return 'reductions over different lens or axes';
  }
  const levelOfLens = (l: readonly number[]): Level | undefined => (same(l, lens) ? 'element' : same(l, reduced) ? 'row' : undefined);

  const bound = new Map<Instruction, ValueView>();
  submoduleParameters(sub).forEach((p, k) => bound.set(p, inputs[k]!));
  const bindings: ValueView[] = [];
  const bindingOf = (v: ValueView) => {
    let k = bindings.findIndex((b) => b.buffer === v.buffer);
    if (k < 0) {
      k = bindings.length;
      bindings.push({ ...v, offset: 0 });
    }
    return k;
  };
  const reads: ReadView[] = [];
  const rowReads: RowRead[] = [];
  const refs = new Map<Instruction, ValueRef>();
  const levels = new Map<Instruction, Level | 'const'>();
  const constants = new Constants();
  const steps: (FusedStep & { level: Level })[] = [];

  /** A read of the input view at the end of `i`'s view chain, if that is what `i` is. */
  const readOf = (i: Instruction): ValueRef | undefined => {
    const chain: Instruction[] = [];
    let cur = i;
    while (!bound.has(cur) && !cur.isLiteral() && isViewOp(cur)) {
      chain.push(cur);
      cur = cur.inputs[0]!;
    }
    let view: ValueView | undefined = bound.get(cur) ?? (cur.isLiteral() ? literalView(ctx, cur) : undefined);
    if (!view) return undefined;
    for (const v of chain.reverse()) {
      view = view && replayView(v, view);
      if (!view) return undefined;
    }
    const level = levelOfLens(view.shape.lens);
    if (!level) return undefined;
    reads.push({ view, level });
    rowReads.push({ binding: bindingOf(view), level, type: view.shape.type });
    levels.set(i, level);
    return { kind: 'input', index: reads.length - 1 };
  };

  const ref = (i: Instruction | undefined): ValueRef | undefined => {
    if (i === undefined) return constants.ref(0);
    const known = refs.get(i);
    if (known) return known;
    const c = constants.of(i);
    if (c) {
      levels.set(i, 'const');
      return c;
    }
    // A broadcast of a per-row value along the reduced axes is that value.
    if (i.op.name === 'multibroadcast' && refs.has(i.inputs[0]!) && levels.get(i.inputs[0]!) === 'row' && same(i.shape.lens, lens)) {
      levels.set(i, 'row');
      return refs.get(i.inputs[0]!);
    }
    const r = readOf(i);
    if (r) refs.set(i, r);
    return r;
  };

  let result: Instruction | undefined;
  for (const i of sub) {
    if (i.isParam() || i.isLiteral()) continue;
    if (i.isReturn()) {
      if (i.inputs.length !== 1) return 'several outputs';
      result = i.inputs[0];
      break;
    }
    if (isViewOp(i)) continue; // read (or seen through) where it is used
    const s = stepOf(i, ref);
    if (typeof s === 'string') return s;
    const argLevels = i.inputs.map((x) => levels.get(x) ?? 'const');
    let level: Level;
    if (s.kind === 'reduce') {
      if (argLevels[0] !== 'element') return 'a reduction of a per-row value';
      level = 'row';
    } else {
      level = argLevels.includes('element') ? 'element' : 'row';
      if (levelOfLens(i.shape.lens) !== level && !(level === 'row' && same(i.shape.lens, lens))) return `${i.op.name} on lens {${i.shape.lens.join(', ')}}`;
    }
    refs.set(i, { kind: 'step', index: steps.length });
    levels.set(i, level);
    steps.push({ ...s, level });
  }
  const r = result && refs.get(result);
  if (!r || r.kind !== 'step') return 'its result is an input or a constant seen through views, not computed';
  if (bindings.length + 1 > MAX_BINDINGS) return `${bindings.length} inputs`;
  const out = ins.shape;
  const resultLevel = steps[r.index]!.level;
  const bytes = typeSize(out.type);
  const trailing = axes.every((a, k) => a === lens.length - axes.length + k);
  const length = axes.reduce((n, a) => n * lens[a]!, 1);
  const packed = bytes < 4;
  // A narrow value per row: one workgroup runs the rows of one output word (the output is standard, so
  // row r is element r). A narrow value per element: each row writes whole words.
  if (packed && resultLevel === 'row' && !out.standard) return `a ${out.type} value per row into a strided output`;
  if (packed && resultLevel === 'element' && (!trailing || !out.standard || length % (4 / bytes) !== 0)) return `a ${out.type} output the rows do not write in whole words`;
  return { program: { bindings: bindings.length, reads: rowReads, constants: constants.values, steps, result: r.index, packed }, bindings, reads, lens, axes };
}

/**
 * Invocations per row. On a GPU a long row gets 256 (a tree of partial results in workgroup memory);
 * where shaders run on the CPU each tree level's barrier switches between the workgroup's SIMD vectors,
 * so a row gets two of llvmpipe's 8-lane vectors: on lavapipe the keep program's dq → softmax → q kernel
 * (1024-element rows) ran in 1008 ms at 256, 720 at 64, 639 at 16 and 617 at 8 (docs/perf.md).
 */
export function reduceWorkgroupSize(caps: DeviceCapabilities, length: number): number {
  if (caps.shadersOnCpu) return 16;
  return length >= 1024 && caps.maxComputeInvocationsPerWorkgroup >= 256 ? 256 : 64;
}

/** The fused reduction as one generated kernel, or why it cannot be one. */
export function lowerFusedReduce(ctx: LoweringContext, ins: Instruction, inputs: readonly ValueView[], target: ValueView | undefined): ValueView | string {
  if (ins.shape.type === 'tuple_type') return 'several outputs';
  const p = plan(ctx, ins, inputs);
  if (typeof p === 'string') return p;
  const { lens, axes } = p;
  const kept = lens.map((_, d) => d).filter((d) => !axes.includes(d));
  if (kept.length > 8 || axes.length > 8) return `${kept.length} kept and ${axes.length} reduced dimensions, the kernel takes up to 8 each`;
  const keptLens = kept.map((d) => lens[d]!);
  const redLens = axes.map((d) => lens[d]!);
  const rows = keptLens.reduce((a, b) => a * b, 1);
  const length = redLens.reduce((a, b) => a * b, 1);
  if (length === 0) return 'an empty reduction'; // it writes its identity: the reduce kernel does that
  const gen = reduceSource(p.program);
  const spec = generatedSpec('fused-reduce', gen);
  const out: Shape = ins.shape;
  const fits = target && target.shape.type === out.type && target.shape.standard && target.shape.ndim === out.ndim && target.shape.lens.every((l, d) => l === out.lens[d]);
  const output = fits ? target! : ctx.newValue(out);
  // Output strides over L: a per-row output has length-1 reduced axes (stride irrelevant).
  const outStrides = standardStrides(out.lens);
  const wg = reduceWorkgroupSize(ctx.caps, length);
  const rowsPerGroup = p.program.packed && p.program.steps[p.program.result]!.level === 'row' ? 4 / typeSize(out.type) : 1;
  const uniforms: Record<string, number | readonly number[]> = {
    rows,
    length,
    kept_rank: kept.length,
    red_rank: axes.length,
    kept_lens: pad8(keptLens),
    red_lens: pad8(redLens),
    out_kept: pad8(kept.map((d) => outStrides[d]!)),
    out_red: pad8(axes.map((d) => (out.lens[d] === 1 ? 0 : outStrides[d]!))),
  };
  p.reads.forEach((r, k) => {
    const s = r.view.shape.strides;
    const rowLens = r.view.shape.lens;
    uniforms[`r${k}_offset`] = r.view.offset;
    uniforms[`r${k}_type`] = typeId(r.view.shape.type);
    uniforms[`r${k}_kept`] = pad8(kept.map((d) => (rowLens[d] === 1 ? 0 : s[d]!)));
    uniforms[`r${k}_red`] = pad8(axes.map((d) => (rowLens[d] === 1 ? 0 : s[d]!)));
  });
  p.program.steps.forEach((s, k) => (uniforms[`s${k}`] = [s.code, typeId(s.type), s.saturate ? 1 : 0, 0]));
  p.program.constants.forEach((c, k) => (uniforms[`c${k}`] = c));
  ctx.launch(spec, {
    elements: rows * length,
    constants: { WG: wg },
    uniforms: uniforms as never,
    bindings: [...p.bindings.map((v) => v.buffer), output.buffer],
    workgroups: rows === 0 || length === 0 ? [0, 1, 1] : grid1d(ceilDiv(rows, rowsPerGroup), ctx.caps.maxComputeWorkgroupsPerDimension),
  });
  return output;
}
