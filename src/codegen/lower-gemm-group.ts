// A `group[tag=gemm]` (fuse-gemm) as one GEMM launch: each operand read through its views with at
// most one quantize (scalar scale, zero point 0) or convert applied as it loads, and the chain of
// elementwise consumers (dequantize, convert, quantize, an op with a scalar or with one tensor operand
// such as a bias) applied to each result before it is written:
//   group[tag=gemm](w, x8) = convert(dq(quant_dot(x8, q(w)), s))   ->   gemm with b prologue q, epilogue dq, convert
// An operand reshaped from a strided view (an attention output, transposed back and reshaped for the
// output projection) is copied first, then read standard. Anything else (two prologue ops, a
// per-channel scale, more than four epilogue steps, a narrow output whose rows do not fill whole words)
// returns undefined: the group then runs as its submodule's ops.

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
function source(ctx: LoweringContext, node: Instruction, bound: ReadonlyMap<Instruction, ValueView>, allowPrologue: boolean, materialize: Materialize): Source | undefined {
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
        if (!next) return undefined;
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
    if (!allowPrologue || prologue || computeDomain(cur.inputs[0]!.shape.type) !== 'f32') return undefined;
    if (cur.op.name === 'convert') {
      prologue = { kind: STEP.convert, type: cur.shape.type, saturate: cur.op.bool('saturate'), scale: 0 };
    } else if (cur.op.name === 'quantizelinear' && isFp8Type(cur.shape.type)) {
      const scale = constantValue(cur.inputs[1]);
      if (scale === undefined) return undefined;
      prologue = { kind: STEP.quantize, type: cur.shape.type, saturate: cur.op.bool('saturate'), scale };
    } else {
      return undefined;
    }
    cur = cur.inputs[0]!;
  }
}

/** The epilogue step `u` applies to `cur` (its input), or undefined. */
function step(ctx: LoweringContext, u: Instruction, cur: Instruction, bound: ReadonlyMap<Instruction, ValueView>, c: { view?: ValueView; ins?: Instruction }, materialize: Materialize): GemmEpilogueStep | undefined {
  const t = u.shape.type;
  if (!holdsExactly(t) || !u.inputs.includes(cur)) return undefined;
  // convert, dequantize and quantize take the chain's value as their first input.
  if (['convert', 'dequantizelinear', 'quantizelinear'].includes(u.op.name) && (u.inputs[0] !== cur || u.inputs.slice(1).includes(cur))) return undefined;
  switch (u.op.name) {
    case 'convert':
      return { kind: STEP.convert, type: t, saturate: u.op.bool('saturate'), operand: undefined, operandFirst: false };
    case 'dequantizelinear': {
      const scale = constantValue(u.inputs[1]);
      if (scale === undefined || constantValue(u.inputs[2]) !== 0 || computeDomain(t) !== 'f32') return undefined;
      return { kind: STEP.dequantize, type: t, saturate: true, operand: scale, operandFirst: false };
    }
    case 'quantizelinear': {
      const scale = constantValue(u.inputs[1]);
      if (scale === undefined || (computeDomain(t) !== 'f32' && constantValue(u.inputs[2]) !== 0)) return undefined;
      return { kind: STEP.quantize, type: t, saturate: u.op.bool('saturate'), operand: scale, operandFirst: false };
    }
    default:
      break;
  }
  const name = u.op.name;
  if (!isPointwiseOp(name) || INTEGER_ONLY_OPS.has(name) || name === 'clip' || u.inputs.some((i) => computeDomain(i.shape.type) !== 'f32')) return undefined;
  if (u.inputs.length === 1) return { kind: POINTWISE_OPS[name], type: t, saturate: true, operand: undefined, operandFirst: false };
  if (u.inputs.length !== 2 || u.inputs[0] === u.inputs[1]) return undefined;
  const k = u.inputs[0] === cur ? 1 : 0;
  const other = u.inputs[k]!;
  const constant = constantValue(other);
  if (constant !== undefined) return { kind: POINTWISE_OPS[name], type: t, saturate: true, operand: constant, operandFirst: k === 0 };
  if (c.ins && c.ins !== other) return undefined; // one tensor operand
  const s = source(ctx, other, bound, false, materialize);
  if (!s || s.view.shape.lens.length !== u.shape.lens.length || s.view.shape.lens.some((l, d) => l !== u.shape.lens[d]) || computeDomain(s.view.shape.type) !== 'f32') return undefined;
  c.ins = other;
  c.view = s.view;
  return { kind: POINTWISE_OPS[name], type: t, saturate: true, operand: 'c', operandFirst: k === 0 };
}

export function lowerGemmGroup(ctx: LoweringContext, ins: Instruction, inputs: readonly ValueView[], target: ValueView | undefined): ValueView | undefined {
  // A dry run first: nothing is launched or allocated unless the whole group fits the kernel.
  if (!attempt(ctx, ins, inputs, target, true)) return undefined;
  return attempt(ctx, ins, inputs, target, false);
}

function attempt(ctx: LoweringContext, ins: Instruction, inputs: readonly ValueView[], target: ValueView | undefined, dry: boolean): ValueView | undefined {
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
  if (dots.length !== 1) return undefined;
  const dot = dots[0]!;
  const a = source(ctx, dot.inputs[0]!, bound, true, materialize);
  const b = source(ctx, dot.inputs[1]!, bound, true, materialize);
  if (!a || !b || computeDomain(a.view.shape.type) !== 'f32' || computeDomain(b.view.shape.type) !== 'f32') return undefined;
  if (a.view.shape.ndim !== dot.shape.ndim || b.view.shape.ndim !== dot.shape.ndim) return undefined;

  const epilogue: GemmEpilogueStep[] = [];
  if (dot.shape.type !== 'float_type') epilogue.push({ kind: STEP.convert, type: dot.shape.type, saturate: true, operand: undefined, operandFirst: false });
  const c: { view?: ValueView; ins?: Instruction } = {};
  const result = sub.outputInstructions()[0]!;
  let cur = dot;
  while (cur !== result) {
    const users = cur.outputs.filter((u) => !u.isReturn());
    if (users.length !== 1 || cur.outputs.some((u) => u.isReturn())) return undefined;
    const s = step(ctx, users[0]!, cur, bound, c, materialize);
    if (!s) return undefined;
    epilogue.push(s);
    cur = users[0]!;
  }
  if (epilogue.length > MAX_EPILOGUE_STEPS) return undefined;
  const yType = result.shape.type;
  const n = result.shape.lens[result.shape.ndim - 1]!;
  if (!writesDirectly(yType, n)) return undefined;
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
