// simplify-qdq (MIGraphX simplify_qdq, reference/migraphx.md §3): fake quantization becomes real.
//   dot(dq(qa, sa), dq(qb, sb))  ->  dequantizelinear(quant_dot(qa, qb), mul(bcast sa, bcast sb))
//        layout ops between a dq and the dot move onto the fp8 side; converts there are dropped and the
//        result converted back to the dot's type
//   dq(q(x, s, z), s, z)         ->  x           (same scale and zero point: the same instruction, or
//                                                 constants of one uniform value, computed ones included)
//   dq(x, s, 0)                  ->  dq(x, s)
// quant_dot needs both sides fp8 (any format) or both int8, symmetric, with per-tensor scales or per-axis
// ones on M (left) / N (right); otherwise the dot stays, and pair removal gives it its float inputs back.
// Dots quantization left out on purpose (meta.quantizationSkipped: the attention skip set) stay too.
// Not ported: convolution (no quant_convolution op yet), MX block scales, match_qlinear_reused and
// match_concat_qlinear. Runs after quantize-fp8; the pipeline's eliminate-dead-code removes the orphans.

import type { DiagnosticSink } from '../diagnostics.js';
import type { Instruction } from '../ir/instruction.js';
import { describe, type Module } from '../ir/module.js';
import { makeOp } from '../ir/op.js';
import type { Program } from '../ir/program.js';
import type { Shape } from '../ir/shape.js';
import { Tensor } from '../ir/tensor.js';
import { isFp8Type, type ElementType } from '../ir/types.js';
import { anyOf, arg, isConstant, name, nargs, skip, skipBroadcasts, type Matcher } from '../match/matcher.js';
import { findMatches, rule, type Rule } from '../match/rewrite.js';
import { tryEvaluateConstant } from '../ref/evaluate.js';
import type { Pass } from './pass.js';

/** Ops MIGraphX looks through between a dq and the dot it feeds (skip_post_dq_ops). */
const POST_DQ = ['broadcast', 'multibroadcast', 'contiguous', 'transpose', 'reshape', 'convert'] as const;

/** A dequantizelinear with a constant scale (bound as `scale`) and, if any, a constant zero point. */
function dqOperand<D extends string, S extends string, Z extends string>(dq: D, scale: S, zp: Z): Matcher<D | S | Z> {
  return name('dequantizelinear')
    .with(arg(1).of(skipBroadcasts().to(isConstant().bind(scale))), anyOf(nargs(2), arg(2).of(skipBroadcasts().to(isConstant().bind(zp)))))
    .bind(dq);
}

// ---- constants ----

/** The instruction under any broadcasts (where a scale's values live). */
function underBroadcasts(ins: Instruction): Instruction {
  let i = ins;
  while ((i.op.name === 'broadcast' || i.op.name === 'multibroadcast') && i.inputs.length === 1) i = i.inputs[0]!;
  return i;
}

function constantValues(ins: Instruction): number[] | undefined {
  try {
    return tryEvaluateConstant(ins)?.toNumbers();
  } catch {
    return undefined;
  }
}

/** A constant whose every value is 0. */
function isZero(ins: Instruction): boolean {
  const v = constantValues(underBroadcasts(ins));
  return v !== undefined && v.every((x) => x === 0);
}

/**
 * Two scale (or zero-point) arguments hold the same values (MIGraphX is_same_value): the same
 * instruction, or constants that are one uniform value each, or equal values broadcast the same way.
 */
export function sameValue(a: Instruction, b: Instruction): boolean {
  if (a === b) return true;
  const va = constantValues(underBroadcasts(a));
  const vb = constantValues(underBroadcasts(b));
  if (!va || !vb || va.length === 0 || vb.length === 0) return false;
  const uniform = (v: number[]) => v.every((x) => x === v[0]);
  if (uniform(va) && uniform(vb)) return va[0] === vb[0];
  const sameLayout = a.shape.lens.join() === b.shape.lens.join() && a.shape.strides.join() === b.shape.strides.join();
  return sameLayout && va.length === vb.length && va.every((x, i) => x === vb[i]);
}

function sameScaleAndZero(dq: Instruction, q: Instruction): boolean {
  if (dq.inputs.length !== q.inputs.length) return false;
  if (!sameValue(dq.inputs[1]!, q.inputs[1]!)) return false;
  return dq.inputs.length === 2 || sameValue(dq.inputs[2]!, q.inputs[2]!);
}

// ---- axes ----

/** Axes along which a broadcast scale varies: -1 for per-tensor, an axis, or undefined (finer). */
function scaleAxis(scaleArg: Shape): number | undefined {
  const varying = scaleArg.lens.map((l, d) => (l > 1 && scaleArg.strides[d] !== 0 ? d : -1)).filter((d) => d >= 0);
  if (varying.length === 0) return -1;
  return varying.length === 1 ? varying[0] : undefined;
}

/** Where axis `a` of an instruction's input lands in its output, for the ops between a dq and a dot. */
function mapAxis(a: number, ins: Instruction): number | undefined {
  const inLens = ins.inputs[0]!.shape.lens;
  const outLens = ins.shape.lens;
  switch (ins.op.name) {
    case 'contiguous':
    case 'convert':
      return a;
    case 'transpose':
      return ins.op.ints('permutation').indexOf(a);
    case 'multibroadcast':
      return a + outLens.length - inLens.length;
    case 'broadcast':
      return a + ins.op.int('axis');
    case 'reshape': {
      // The axis survives when some output axis starts at the same element offset with the same length.
      const before = inLens.slice(0, a).reduce((p, l) => p * l, 1);
      let prefix = 1;
      for (let j = 0; j < outLens.length; j++) {
        if (prefix === before && outLens[j] === inLens[a]) return j;
        prefix *= outLens[j]!;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** The instructions from just above `dq` up to `top` (a dot argument), in data-flow order. */
function chainAbove(dq: Instruction, top: Instruction): Instruction[] {
  const chain: Instruction[] = [];
  for (let i = top; i !== dq; i = i.inputs[0]!) chain.push(i);
  return chain.reverse();
}

// ---- the rules ----

type Report = (ins: Instruction, why: string) => void;

/** The type quant_dot accepts for these two quantized inputs, or why not. */
function quantDotInputs(a: ElementType, b: ElementType): string | undefined {
  if (isFp8Type(a) && isFp8Type(b)) return undefined;
  if (a === 'int8_type' && b === 'int8_type') return undefined;
  return `its inputs are quantized to ${a} and ${b} (quant_dot takes fp8 or int8 on both sides)`;
}

/** One side of the dot: checks, then the quantized operand and the scale to multiply, both broadcastable. */
interface Side {
  readonly q: Instruction;
  readonly chain: Instruction[];
  readonly scale: Instruction;
  /** -1 per-tensor, else the dot-frame axis the scale varies along. */
  readonly axis: number;
}

function side(dot: Instruction, k: 0 | 1, dq: Instruction, scale: Instruction, zp: Instruction | undefined): Side | string {
  if (zp && !isZero(zp)) return 'a zero point is not 0 (asymmetric quantization is not supported)';
  const chain = chainAbove(dq, dot.inputs[k]!);
  let axis = scaleAxis(dq.inputs[1]!.shape);
  if (axis === undefined) return 'a scale varies along more than one axis';
  for (const ins of chain) {
    if (axis < 0) break;
    axis = mapAxis(axis, ins);
    if (axis === undefined) return `a per-axis scale cannot be followed through ${ins.op.name}`;
  }
  const rank = dot.shape.ndim;
  const wanted = k === 0 ? rank - 2 : rank - 1;
  if (axis >= 0) {
    if (axis !== wanted) return `a per-axis scale runs along axis ${axis}, which is not ${k === 0 ? 'M' : 'N'} (axis ${wanted}); a scale on the contraction axis cannot move past the sum`;
    if (scale.shape.elements() !== dot.shape.lens[wanted]) return 'a per-axis scale is not one value per row/column';
  }
  return { q: dq.inputs[0]!, chain, scale, axis };
}

/** Layout ops of `chain` re-created on the quantized tensor (converts dropped), inserted before `at`. */
function onQuantized(m: Module, s: Side, at: Instruction): Instruction {
  let x = s.q;
  for (const ins of s.chain) {
    if (ins.op.name === 'convert') continue;
    x = m.insertInstruction(at, ins.op, [x]);
  }
  return x;
}

/** A scale spread over the quant_dot's output, converted to the product's type first. */
function outputScale(m: Module, s: Side, lens: readonly number[], type: ElementType, at: Instruction): Instruction {
  let scale = s.scale;
  if (scale.shape.type !== type) {
    // A literal scale is re-typed in place of a convert (the value is exact in the wider type).
    const t = scale.literal;
    if (t) {
      const v = Tensor.fromNumbers(type, t.shape.lens, t.toNumbers());
      scale = m.addLiteral(t.shape.scalar() ? v.view(t.shape.withType(type)) : v);
    } else {
      scale = m.insertInstruction(at, makeOp('convert', { target_type: type }), [scale]);
    }
  }
  if (s.axis < 0) return m.insertInstruction(at, makeOp('multibroadcast', { out_lens: [...lens] }), [scale]);
  if (scale.shape.ndim !== 1) scale = m.insertInstruction(at, makeOp('reshape', { dims: [scale.shape.elements()] }), [scale]);
  return m.insertInstruction(at, makeOp('broadcast', { axis: s.axis, out_lens: [...lens] }), [scale]);
}

const quantizeDot = (report: Report) =>
  rule({
    name: 'quantize-dot',
    // dot(dq(qa, sa), dq(qb, sb)) -> dequantizelinear(quant_dot(qa, qb), mul(bcast sa, bcast sb))
    // A dot in the skip set stays float even when Q/DQ placed outside (on the transposes that feed
    // Q and Kᵀ, say) is reachable through layout ops; pair removal then gives it its float inputs.
    pattern: name('dot')
      .where((dot) => dot.meta.quantizationSkipped === undefined)
      .with(arg(0).of(skip(name(...POST_DQ)).to(dqOperand('dq1', 'scale1', 'zp1'))), arg(1).of(skip(name(...POST_DQ)).to(dqOperand('dq2', 'scale2', 'zp2')))),
    apply(m, r) {
      const dot = r.ins;
      const dq1 = r.get('dq1');
      const dq2 = r.get('dq2');
      const why = quantDotInputs(dq1.inputs[0]!.shape.type, dq2.inputs[0]!.shape.type);
      const a = why ?? side(dot, 0, dq1, r.get('scale1'), r.opt('zp1'));
      const b = typeof a === 'string' ? a : side(dot, 1, dq2, r.get('scale2'), r.opt('zp2'));
      if (typeof a === 'string' || typeof b === 'string') {
        report(dot, (typeof a === 'string' ? a : b) as string);
        return false;
      }
      const qa = onQuantized(m, a, dq1);
      const qb = onQuantized(m, b, dq2);
      const qd = m.insertInstruction(dot, makeOp('quant_dot'), [qa, qb]);
      const lens = qd.shape.lens;
      // Scales multiply in float (double only when both are): two half scales can underflow half.
      const type: ElementType = a.scale.shape.type === 'double_type' && b.scale.shape.type === 'double_type' ? 'double_type' : 'float_type';
      const sa = outputScale(m, a, lens, type, dot);
      const sb = outputScale(m, b, lens, type, dot);
      const scale = m.insertInstruction(dot, makeOp('mul'), [sa, sb]);
      const dq = m.insertInstruction(dot, makeOp('dequantizelinear'), [qd, scale]);
      const result = dq.shape.type === dot.shape.type ? dq : m.insertInstruction(dot, makeOp('convert', { target_type: dot.shape.type }), [dq]);
      for (const i of new Set([qd, dq, result])) m.copyProvenance(dot, i);
      m.replaceAllUses(dot, result);
      m.removeInstruction(dot);
    },
  });

const removeQdqPair = rule({
  name: 'remove-qdq-pair',
  // dq(q(x, s, z), s, z) -> x
  pattern: name('dequantizelinear').with(arg(0).of(name('quantizelinear').bind('q'))),
  apply(m, r) {
    const dq = r.ins;
    const q = r.get('q');
    const x = q.inputs[0]!;
    if (!sameScaleAndZero(dq, q) || x.shape.type !== dq.shape.type) return false;
    m.replaceAllUses(dq, x);
    m.removeInstruction(dq);
  },
});

const removeZeroPoint = rule({
  name: 'remove-zero-point',
  // dq(x, s, 0) -> dq(x, s)
  pattern: name('dequantizelinear').with(nargs(3)).where((dq) => isZero(dq.inputs[2]!)),
  apply(m, r) {
    const dq = r.ins;
    m.replaceInstruction(dq, dq.op, [dq.inputs[0]!, dq.inputs[1]!]);
  },
});

/** The steps, in MIGraphX's order: each is one sweep over the module with its rules. */
function steps(report: Report): (readonly Rule<string>[])[] {
  return [[quantizeDot(report)], [removeQdqPair], [removeZeroPoint]];
}

function simplifyModule(m: Module, diagnostics: DiagnosticSink): void {
  const report: Report = (ins, why) =>
    diagnostics.info('FP8_QUANT_DOT_REJECTED', `${describe(ins)} stays a float dot: ${why}.`, ins.origin ? { onnxNode: ins.origin.node } : {});
  for (const rules of steps(report)) findMatches(m, rules);
}

export const simplifyQdq: Pass = {
  name: 'simplify-qdq',
  apply(program: Program, ctx) {
    simplifyModule(program.mainModule(), ctx.diagnostics);
  },
};
