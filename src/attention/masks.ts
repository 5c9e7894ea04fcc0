// What the other operand of an op on the score path is: a scale (one value, constant or computed), a
// mask, or a causal mask. "Causal" is decided from values, not from how the mask was built, so a Trilu,
// a Range+Less comparison, a sliced bias buffer and a literal all qualify: the mask must be constant, and
// row i of every (batch, head) slice must see exactly the keys j <= i + p for one offset p, with at
// least one key hidden. This file classifies operands; it does not walk the graph.

import type { Instruction } from '../ir/instruction.js';
import type { Tensor } from '../ir/tensor.js';
import { dependsOnlyOnLiterals, uniformValue } from '../match/matcher.js';
import { tryEvaluateConstant } from '../ref/evaluate.js';

/** An additive mask value at or below this hides a key (−inf, finfo.min, −1e9, ORT's −10000 all do). */
export const HIDDEN_BELOW = -1000;

/** Masks larger than this (before broadcasting) are not evaluated; they are reported as plain masks. */
const MAX_MASK_ELEMENTS = 1 << 22;

/** Views between a value and the operand that broadcasts it to the scores' shape. */
const SCALAR_VIEWS = new Set(['multibroadcast', 'broadcast', 'contiguous', 'convert', 'reshape', 'unsqueeze', 'squeeze']);

/** One value, broadcast: a literal, a parameter or a computed scalar such as sqrt(d). */
export function isScalarLike(ins: Instruction): boolean {
  let i = ins;
  while (SCALAR_VIEWS.has(i.op.name) && i.inputs.length === 1) i = i.inputs[0]!;
  return i.shape.elements() === 1 || uniformValue(ins) !== undefined;
}

/** How a mask operand hides keys. */
export type MaskUse =
  /** add(scores, m): hidden where m <= HIDDEN_BELOW */
  | 'additive'
  /** sub(scores, m): hidden where m >= −HIDDEN_BELOW */
  | 'subtractive'
  /** mul(scores, m): hidden where m == 0 */
  | 'multiplicative'
  /** where(m, scores, fill): hidden where m is false */
  | 'keep-where-true'
  /** where(m, fill, scores): hidden where m is true */
  | 'hide-where-true';

function hidden(use: MaskUse, v: number): boolean {
  switch (use) {
    case 'additive':
      return v <= HIDDEN_BELOW;
    case 'subtractive':
      return v >= -HIDDEN_BELOW;
    case 'multiplicative':
      return v === 0;
    case 'keep-where-true':
      return v === 0;
    case 'hide-where-true':
      return v !== 0;
    default:
      return use satisfies never;
  }
}

/** Views that only broadcast or re-index a mask; mapped back by index arithmetic, never materialised. */
const MASK_VIEWS = new Set(['multibroadcast', 'broadcast', 'unsqueeze', 'squeeze', 'contiguous']);

/**
 * True when `mask` (an operand of the score path, shaped like the scores there) is constant and causal
 * along (`queryAxis`, `keyAxis`) for the way `use` applies it.
 */
export function isCausalMask(mask: Instruction, use: MaskUse, queryAxis: number, keyAxis: number): boolean {
  const views: Instruction[] = [];
  let base = mask;
  while (MASK_VIEWS.has(base.op.name) && base.inputs.length === 1) {
    views.push(base);
    base = base.inputs[0]!;
  }
  if (base.shape.elements() > MAX_MASK_ELEMENTS || !dependsOnlyOnLiterals(base)) return false;
  const qBase = sourceAxis(views, queryAxis);
  const kBase = sourceAxis(views, keyAxis);
  if (qBase === undefined || kBase === undefined) return false;
  let value: Tensor | undefined;
  try {
    value = tryEvaluateConstant(base);
  } catch {
    return false; // a constant the interpreter cannot compute is just not known to be causal
  }
  if (!value) return false;
  return causalOffset(value, qBase, kBase, (v) => hidden(use, v)) !== undefined;
}

/** The axis of the unbroadcast mask that `axis` of the broadcast one reads, or undefined if broadcast. */
function sourceAxis(views: readonly Instruction[], axis: number): number | undefined {
  let a = axis;
  for (const v of views) {
    const inLens = v.inputs[0]!.shape.lens;
    const outLens = v.shape.lens;
    let from: number;
    switch (v.op.name) {
      case 'multibroadcast':
        from = a - (outLens.length - inLens.length);
        break;
      case 'broadcast':
        from = a - v.op.int('axis');
        break;
      case 'unsqueeze': {
        const inserted = v.op.ints('axes');
        if (inserted.includes(a)) return undefined;
        from = a - inserted.filter((x) => x < a).length;
        break;
      }
      case 'squeeze': {
        const removed = new Set(v.op.ints('axes'));
        const kept = inLens.map((_, d) => d).filter((d) => !removed.has(d));
        from = kept[a] ?? -1;
        break;
      }
      default: // contiguous
        from = a;
        break;
    }
    // A new or length-1 axis spread to the output's length is broadcast: every index reads one value.
    if (from < 0 || from >= inLens.length || inLens[from] !== outLens[a]) return undefined;
    a = from;
  }
  return a;
}

/**
 * The offset p such that, in every slice of `t` over (`qAxis`, `kAxis`), row i sees exactly the keys
 * j <= i + p; undefined when no single p fits, or when no key is hidden at all.
 */
export function causalOffset(t: Tensor, qAxis: number, kAxis: number, isHidden: (v: number) => boolean): number | undefined {
  const lens = t.shape.lens;
  const keys = lens[kAxis]!;
  const rowsLen = lens[qAxis]!;
  const strides: number[] = new Array<number>(lens.length);
  let s = 1;
  for (let d = lens.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= lens[d]!;
  }
  const kStride = strides[kAxis]!;
  const qStride = strides[qAxis]!;
  // Every row (an index whose key coordinate is 0): its query index and how many keys it sees.
  const rows: { i: number; visible: number }[] = [];
  const n = t.shape.elements();
  for (let start = 0; start < n; start++) {
    if (Math.floor(start / kStride) % keys !== 0) continue;
    let visible = 0;
    while (visible < keys && !isHidden(t.get(start + visible * kStride))) visible++;
    for (let j = visible + 1; j < keys; j++) if (!isHidden(t.get(start + j * kStride))) return undefined; // not a prefix
    rows.push({ i: Math.floor(start / qStride) % rowsLen, visible });
  }
  const partial = rows.find((r) => r.visible > 0 && r.visible < keys);
  if (partial === undefined) return undefined;
  const p = partial.visible - 1 - partial.i;
  const fits = rows.every((r) => r.visible === Math.min(Math.max(r.i + p + 1, 0), keys));
  return fits ? p : undefined;
}
