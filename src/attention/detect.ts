// Is this softmax the middle of an attention block?  gemm1 → [scores ops] → softmax → [probs ops] → gemm2
// What makes it attention (docs/attention.md): both operands of gemm1 are activations (not constants);
// the softmax normalises the key axis of gemm1's output (its last axis, tracked through layout ops);
// gemm2 takes the probabilities as its first operand and contracts that same axis; nothing computed from
// the scores reaches gemm2 around the softmax; no operation outside the block reads its intermediates.
// One softmax gives one verdict: a block, a rejection with a code, or nothing (not near attention).

import type { Instruction } from '../ir/instruction.js';
import { dependsOnlyOnLiterals } from '../match/matcher.js';
import { trackAxis } from './axes.js';
import type { AttentionCode } from './codes.js';
import { describePattern, type PathStep } from './pattern.js';
import { assignRoles, instructionsBetween, outsideUses, type OutsideUse, type Role } from './region.js';
import { recognizeSoftmax, type SoftmaxMatch } from './softmax.js';
import { dotsAfter, dotsBefore, type PathBack, type PathForward } from './walk.js';

export interface AttentionBlock {
  readonly gemm1: Instruction;
  readonly gemm2: Instruction;
  readonly softmax: SoftmaxMatch;
  /** Region members in module order. */
  readonly region: readonly Instruction[];
  readonly roles: ReadonlyMap<Instruction, Role>;
  readonly pattern: string;
  /** Scores or probabilities that are also graph outputs (accepted; see docs/attention.md). */
  readonly graphOutputs: readonly OutsideUse[];
}

export interface Rejection {
  readonly code: Exclude<AttentionCode, 'ATTENTION_REGION' | 'ATTENTION_OUTSIDE_USE'>;
  /** The softmax the verdict is about. */
  readonly at: Instruction;
  /** Why, naming the instructions involved (see `label`). */
  readonly reason: string;
  /** The dot before the softmax, when one was found. */
  readonly gemm1?: Instruction;
}

export type Verdict = { kind: 'block'; block: AttentionBlock } | { kind: 'rejected'; rejection: Rejection } | { kind: 'none' };

/** How messages name an instruction: its ONNX node when it has one. */
export type Labeller = (ins: Instruction) => string;

export const defaultLabel: Labeller = (ins) => (ins.origin ? `${ins.origin.opType} '${ins.origin.node}'` : ins.op.name);

const isActivation = (ins: Instruction) => !dependsOnlyOnLiterals(ins);

/** The verdict for `ins` as the softmax of a block; `position` is module order (Module.indexMap). */
export function detectAttentionAt(ins: Instruction, position: ReadonlyMap<Instruction, number>, label: Labeller = defaultLabel): Verdict {
  const recognized = recognizeSoftmax(ins);
  if (recognized.kind === 'none') return { kind: 'none' };
  const input = recognized.kind === 'softmax' ? recognized.match.input : recognized.malformed.input;
  const before = dotsBefore(input);
  if (before.length === 0) return { kind: 'none' }; // a softmax with no dot behind it is not near attention
  const reject = (code: Rejection['code'], reason: string, gemm1?: Instruction): Verdict => ({
    kind: 'rejected',
    rejection: { code, at: ins, reason, ...(gemm1 ? { gemm1 } : {}) },
  });

  const live = before.filter((c) => isActivation(c.dot.inputs[0]!) && isActivation(c.dot.inputs[1]!));
  if (recognized.kind === 'malformed') {
    if (live.length === 0) return { kind: 'none' };
    return reject('ATTENTION_REJECTED_DECOMPOSED_SOFTMAX', recognized.malformed.reason, live[0]!.dot);
  }
  const softmax = recognized.match;
  if (live.length === 0) {
    const d = before[0]!.dot;
    const which = isActivation(d.inputs[0]!) ? 'second' : 'first';
    return reject('ATTENTION_REJECTED_CONSTANT_OPERAND', `the ${which} operand of ${label(d)} is a constant, so the scores do not compare queries with keys`, d);
  }

  // gemm1: the nearest activation dot whose last axis arrives at the softmax's axis.
  let first: { cand: PathBack; steps: PathStep[] } | undefined;
  let axisReason = '';
  for (const cand of live) {
    const d = cand.dot;
    const keyAxis = trackAxis(cand.path, d.shape.ndim - 1);
    if (keyAxis.axis === undefined) {
      axisReason ||= `the key axis of ${label(d)} is merged or dropped by ${label(keyAxis.lostAt!)} before the softmax`;
      continue;
    }
    if (keyAxis.axis !== softmax.axis) {
      axisReason ||= `it normalises axis ${softmax.axis}, but the key axis of the scores from ${label(d)} is axis ${keyAxis.axis}`;
      continue;
    }
    first = { cand, steps: stepsAlong(cand.path, d.shape.ndim - 1, d.shape.ndim - 2) };
    break;
  }
  if (!first) return reject('ATTENTION_REJECTED_SOFTMAX_AXIS', axisReason, live[0]!.dot);
  const gemm1 = first.cand.dot;

  // gemm2: the nearest dot reading the probabilities as its first operand, contracted over the key axis.
  const after = dotsAfter(softmax.root);
  if (after.length === 0) return reject('ATTENTION_REJECTED_NO_SECOND_DOT', 'no dot reads its output', gemm1);
  let second: { cand: PathForward; steps: PathStep[] } | undefined;
  let contractionReason = '';
  for (const cand of after) {
    const d = cand.dot;
    if (cand.operand !== 0) {
      contractionReason ||= `its output is the second operand of ${label(d)}, not the first`;
      continue;
    }
    const axis = trackAxis(cand.path.slice(0, -1), softmax.axis).axis; // up to the dot's operand
    const contracted = d.inputs[0]!.shape.ndim - 1;
    if (axis !== contracted) {
      contractionReason ||= `${label(d)} contracts axis ${contracted} of the probabilities, but the key axis is ${axis === undefined ? 'merged or dropped on the way' : `axis ${axis}`}`;
      continue;
    }
    // Track the query axis through the scores path to the softmax, then on through the probabilities path.
    const atSoftmax = first.steps.length > 0 ? first.steps[first.steps.length - 1]!.queryAxis : gemm1.shape.ndim - 2;
    second = { cand, steps: stepsAlong(cand.path.slice(0, -1), softmax.axis, atSoftmax) };
    break;
  }
  if (!second) return reject('ATTENTION_REJECTED_CONTRACTION', contractionReason, gemm1);
  const gemm2 = second.cand.dot;

  const region = instructionsBetween(gemm1, gemm2, position);
  const { roles, bypass } = assignRoles(region, { gemm1, gemm2, softmaxInput: softmax.input, softmaxRoot: softmax.root, softmaxPieces: softmax.pieces });
  if (region.includes(gemm2.inputs[1]!)) {
    return reject('ATTENTION_REJECTED_BYPASS', `the second operand of ${label(gemm2)} (the values) is computed from the scores`, gemm1);
  }
  if (bypass.length > 0) {
    return reject('ATTENTION_REJECTED_BYPASS', `${label(bypass[0]!)} carries the scores to ${label(gemm2)} around the softmax`, gemm1);
  }
  const uses = outsideUses(region, gemm2);
  const internal = uses.find((u) => !u.user.isReturn());
  if (internal) {
    const what = roles.get(internal.member) === 'probs' || roles.get(internal.member) === 'softmax' ? 'probabilities' : 'scores';
    return reject('ATTENTION_REJECTED_OUTSIDE_USE', `its ${what} (${label(internal.member)}) are also read by ${label(internal.user)}, outside the block`, gemm1);
  }

  const pattern = describePattern({
    gemm1,
    gemm2,
    scoreSteps: first.steps,
    probSteps: second.steps,
    softmaxInput: softmax.input,
    decomposedSoftmax: softmax.decomposed,
    extraOutput: uses.length > 0,
  });
  return { kind: 'block', block: { gemm1, gemm2, softmax, region, roles, pattern: pattern.text, graphOutputs: uses } };
}

/**
 * The steps of `path` after its first element, each with the key and query axes of its output, starting
 * from `keyAxis` / `queryAxis` of `path[0]`'s output. Callers have checked the key axis survives.
 */
function stepsAlong(path: readonly Instruction[], keyAxis: number, queryAxis: number | undefined): PathStep[] {
  const steps: PathStep[] = [];
  let key = keyAxis;
  let query = queryAxis;
  for (let k = 1; k < path.length; k++) {
    const ins = path[k]!;
    const from = path[k - 1]!;
    key = trackAxis([from, ins], key).axis!;
    query = query === undefined ? undefined : trackAxis([from, ins], query).axis;
    steps.push({ ins, from, keyAxis: key, queryAxis: query });
  }
  return steps;
}
