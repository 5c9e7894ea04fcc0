// A `group[tag=gemm]` (fuse-gemm) as one GEMM launch: each operand read through its views with at
// most one quantize (scalar scale, zero point 0) or convert applied as it loads, and the chain of
// elementwise consumers (dequantize, convert, quantize, an op with a scalar, with one tensor operand
// such as a bias, or with one earlier value of the chain, as GELU's x · Φ(x) reads x twice) applied to
// each result before it is written:
//   group[tag=gemm](w, x8) = convert(dq(quant_dot(x8, q(w)), s))   ->   gemm with b prologue q, epilogue dq, convert
// An operand reshaped from a strided view (an attention output, transposed back and reshaped for the
// output projection) is copied first, then read standard. Anything else (two prologue ops, a
// per-channel scale, more than twelve epilogue steps, a narrow output whose rows do not fill whole words)
// returns the reason: the group then runs as its submodule's ops, and `perf` lists it with that reason.

import type { Instruction } from '../ir/instruction.js';
import type { Module } from '../ir/module.js';
import { isFp8Type } from '../ir/types.js';
import { submoduleParameters } from '../ref/interpret.js';
import type { LoweringContext } from './lower-context.js';
import { STEP, constantValue, holdsExactly } from './fused-program.js';
import { MAX_EPILOGUE_STEPS, gemmLaunch, writesDirectly, type GemmEpilogueStep, type GemmPrologue } from './lower-gemm.js';
import type { ValueView } from './launch.js';
import { copyInto } from './lower-layout.js';
import { literalView } from './lower.js';
import { INTEGER_ONLY_OPS, POINTWISE_OPS, isPointwiseOp } from './pointwise-ops.js';
import { computeDomain } from './type-classes.js';
import { isViewOp, replayView } from './views.js';

interface Source {
  readonly view: ValueView;
  readonly prologue?: GemmPrologue;
}

/** A standard copy of a view a reshape cannot see through (a transposed activation reshaped for a GEMM). */
type Materialize = (view: ValueView, at: Instruction) => ValueView;

/**
 * What the path above `node` reads: a parameter or literal through views, with at most one prologue op.
 * A reshape of a strided view reads a standard copy of it (`materialize`).
 */
function source(ctx: LoweringContext, node: Instruction, bound: ReadonlyMap<Instruction, ValueView>, allowPrologue: boolean, materialize: Materialize): Source | string {
  const views: Instruction[] = [];
  let prologue: GemmPrologue | undefined;
  let cur = node;
  for (;;) {
    const known = bound.get(cur);
    if (known) {
      let view: ValueView | undefined = known;
      for (const v of views.reverse()) {
        let next = replayView(v, view!);
        if (!next && v.op.name === 'reshape') next = replayView(v, materialize(view!, v));
        if (!next) return `${v.op.name} of ${view!.shape.lens.join('×')} cannot be read as a view`;
        view = next;
      }
      return prologue ? { view: view!, prologue } : { view: view! };
    }
    if (cur.isLiteral()) {
      bound = new Map([[cur, literalView(ctx, cur)]]);
      continue;
    }
    if (isViewOp(cur)) {
      views.push(cur);
      cur = cur.inputs[0]!;
      continue;
    }
    if (!allowPrologue) return `${cur.op.name} computes the tensor operand of an epilogue step`;
    if (prologue) return `two elementwise ops before an operand (${cur.op.name} and the one after it); the kernel applies one`;
    if (computeDomain(cur.inputs[0]!.shape.type) !== 'f32') return `${cur.op.name} of ${cur.inputs[0]!.shape.type} before an operand`;
    if (cur.op.name === 'convert') {
      prologue = { kind: STEP.convert, type: cur.shape.type, saturate: cur.op.bool('saturate'), scale: 0 };
    } else if (cur.op.name === 'quantizelinear' && isFp8Type(cur.shape.type)) {
      const scale = constantValue(cur.inputs[1]);
      if (scale === undefined) return 'an operand quantized with a per-channel scale';
      prologue = { kind: STEP.quantize, type: cur.shape.type, saturate: cur.op.bool('saturate'), scale };
    } else {
      return `${cur.op.name} before an operand (the kernel applies a convert or an fp8 quantize)`;
    }
    cur = cur.inputs[0]!;
  }
}

/**
 * The epilogue step `u` applies to `cur` (its input), or why it cannot be one. `saved`: an earlier value
 * of the chain the kernel keeps (read again here: the x of x · Φ(x)).
 */
function step(ctx: LoweringContext, u: Instruction, cur: Instruction, bound: ReadonlyMap<Instruction, ValueView>, c: { view?: ValueView; ins?: Instruction }, materialize: Materialize, saved: Instruction | undefined): GemmEpilogueStep | string {
  const t = u.shape.type;
  const no = `epilogue ${u.op.name}`;
  if (!holdsExactly(t) || !u.inputs.includes(cur)) return `${no} to ${t}`;
  // convert, dequantize and quantize take the chain's value as their first input.
  if (['convert', 'dequantizelinear', 'quantizelinear'].includes(u.op.name) && (u.inputs[0] !== cur || u.inputs.slice(1).includes(cur))) return `${no} with the result as its scale or zero point`;
  switch (u.op.name) {
    case 'convert':
      return { kind: STEP.convert, type: t, saturate: u.op.bool('saturate'), operand: undefined, operandFirst: false };
    case 'dequantizelinear': {
      const scale = constantValue(u.inputs[1]);
      if (scale === undefined || constantValue(u.inputs[2]) !== 0 || computeDomain(t) !== 'f32') return `${no} with a per-channel scale or a zero point`;
      return { kind: STEP.dequantize, type: t, saturate: true, operand: scale, operandFirst: false };
    }
    case 'quantizelinear': {
      const scale = constantValue(u.inputs[1]);
      if (scale === undefined || (computeDomain(t) !== 'f32' && constantValue(u.inputs[2]) !== 0)) return `${no} with a per-channel scale or an integer zero point`;
      return { kind: STEP.quantize, type: t, saturate: u.op.bool('saturate'), operand: scale, operandFirst: false };
    }
    default:
      break;
  }
  const name = u.op.name;
  if (!isPointwiseOp(name) || INTEGER_ONLY_OPS.has(name) || name === 'clip' || u.inputs.some((i) => computeDomain(i.shape.type) !== 'f32')) return `${no} (not a float elementwise op the kernel has)`;
  if (u.inputs.length === 1) return { kind: POINTWISE_OPS[name], type: t, saturate: true, operand: undefined, operandFirst: false };
  if (u.inputs.length !== 2 || u.inputs[0] === u.inputs[1]) return `${no} of ${u.inputs.length} inputs`;
  const k = u.inputs[0] === cur ? 1 : 0;
  const other = u.inputs[k]!;
  if (saved && other === saved) return { kind: POINTWISE_OPS[name], type: t, saturate: true, operand: 'saved', operandFirst: k === 0 };
  const constant = constantValue(other);
  if (constant !== undefined) return { kind: POINTWISE_OPS[name], type: t, saturate: true, operand: constant, operandFirst: k === 0 };
  if (c.ins && c.ins !== other) return `${no}: a second tensor operand (the kernel reads one)`;
  const s = source(ctx, other, bound, false, materialize);
  if (typeof s === 'string') return s;
  if (s.view.shape.lens.length !== u.shape.lens.length || s.view.shape.lens.some((l, d) => l !== u.shape.lens[d]) || computeDomain(s.view.shape.type) !== 'f32') return `${no} with an operand of another shape or type`;
  c.ins = other;
  c.view = s.view;
  return { kind: POINTWISE_OPS[name], type: t, saturate: true, operand: 'c', operandFirst: k === 0 };
}

/** The group as one GEMM launch, or why it cannot be one (nothing launched then). */
export function lowerGemmGroup(ctx: LoweringContext, ins: Instruction, inputs: readonly ValueView[], target: ValueView | undefined): ValueView | string {
  // A dry run first: nothing is launched or allocated unless the whole group fits the kernel.
  const dry = attempt(ctx, ins, inputs, target, true);
  if (typeof dry === 'string') return dry;
  return attempt(ctx, ins, inputs, target, false);
}

function attempt(ctx: LoweringContext, ins: Instruction, inputs: readonly ValueView[], target: ValueView | undefined, dry: boolean): ValueView | string {
  const materialize: Materialize = (view, at) => {
    const shape = view.shape.standard ? view.shape : view.shape.asStandard();
    if (dry) return { buffer: -1, shape, offset: 0 };
    const copy = ctx.newValue(shape);
    copyInto(ctx, at, view, copy);
    return copy;
  };
  const sub: Module = ins.moduleInputs[0]!;
  const bound = new Map<Instruction, ValueView>();
  submoduleParameters(sub).forEach((p, k) => bound.set(p, inputs[k]!));
  const dots = sub.instructions().filter((i) => i.op.name === 'dot' || i.op.name === 'quant_dot');
  if (dots.length !== 1) return `${dots.length} dots in one group`;
  const dot = dots[0]!;
  const a = source(ctx, dot.inputs[0]!, bound, true, materialize);
  const b = source(ctx, dot.inputs[1]!, bound, true, materialize);
  if (typeof a === 'string') return a;
  if (typeof b === 'string') return b;
  if (computeDomain(a.view.shape.type) !== 'f32' || computeDomain(b.view.shape.type) !== 'f32') return `operands of ${a.view.shape.type} and ${b.view.shape.type}`;
  if (a.view.shape.ndim !== dot.shape.ndim || b.view.shape.ndim !== dot.shape.ndim) return 'an operand of another rank than the product';

  const epilogue: GemmEpilogueStep[] = [];
  if (dot.shape.type !== 'float_type') epilogue.push({ kind: STEP.convert, type: dot.shape.type, saturate: true, operand: undefined, operandFirst: false });
  const c: { view?: ValueView; ins?: Instruction } = {};
  const result = sub.outputInstructions()[0]!;
  const order = sub.indexMap();
  // A value read by several steps (x of x · Φ(x)): the kernel keeps it, the later readers take it as
  // their operand.
  let saved: Instruction | undefined;
  const pending = new Set<Instruction>();
  let cur = dot;
  while (cur !== result) {
    const users = [...new Set(cur.outputs)].sort((x, y) => order.get(x)! - order.get(y)!);
    if (cur.outputs.some((u) => u.isReturn())) return `${cur.op.name} inside the group is also its result`;
    const save = users.length > 1 && !saved;
    if (users.length !== 1 && !save) return `${cur.op.name} inside the group is read ${users.length} times while an earlier value is kept for later steps`;
    if (save) {
      saved = cur;
      for (const u of users.slice(1)) pending.add(u);
    }
    const next = users[0]!;
    const s = step(ctx, next, cur, bound, c, materialize, saved);
    if (typeof s === 'string') return s;
    epilogue.push(save ? { ...s, save: true } : s);
    pending.delete(next);
    cur = next;
  }
  if (pending.size > 0) return `${[...pending][0]!.op.name} reads a kept value but is not on the epilogue's chain`;
  if (epilogue.length > MAX_EPILOGUE_STEPS) return `${epilogue.length} epilogue steps, the kernel applies up to ${MAX_EPILOGUE_STEPS}`;
  const yType = result.shape.type;
  const n = result.shape.lens[result.shape.ndim - 1]!;
  if (!writesDirectly(yType, n)) return `${yType} rows of ${n} do not fill whole words`;
  // The last step rounds to y's type already; a float32 result needs no step.
  const standard = result.shape.standard ? result.shape : result.shape.asStandard();
  if (dry) return { buffer: -1, shape: result.shape, offset: 0 };
  const fits = target && target.shape.type === yType && target.shape.standard && target.shape.lens.every((l, d) => l === standard.lens[d]) && target.shape.ndim === standard.ndim;
  const output = fits ? target! : ctx.newValue(standard);
  const at = ctx.current;
  ctx.current = dot;
  gemmLaunch(ctx, dot, a.view, b.view, output, { ...(a.prologue ? { a: a.prologue } : {}), ...(b.prologue ? { b: b.prologue } : {}), epilogue, ...(c.view ? { c: c.view } : {}), yType });
  ctx.current = at;
  return output;
}
