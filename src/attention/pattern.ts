// The pattern string users read for a matched block, e.g.
//   mul(scale on q, k) → dot → add(causal mask) → softmax → where(zero rows) → dot [ONNX Attention, causal mask]
// Steps name the ops on the path between the dots with what their other operand is (scale, bias, mask,
// causal mask); a div/mul → tanh → mul run is `softcap`. Tags in brackets name features found around the
// block (KV-cache concat, GQA head expansion, the ONNX/ORT op it was expanded from, …). Naming only:
// nothing here accepts or rejects a block.

import type { Instruction } from '../ir/instruction.js';
import { dependsOnlyOnLiterals, uniformValue } from '../match/matcher.js';
import { HIDDEN_BELOW, isCausalMask, isScalarLike, type MaskUse } from './masks.js';
import { stepKind } from './walk.js';

/** One instruction on the path between the dots, with the axes of its output. */
export interface PathStep {
  readonly ins: Instruction;
  /** The path instruction it reads. */
  readonly from: Instruction;
  readonly keyAxis: number;
  /** The query axis, when it survived the layout ops so far. */
  readonly queryAxis: number | undefined;
}

export interface PatternParts {
  readonly gemm1: Instruction;
  readonly gemm2: Instruction;
  readonly scoreSteps: readonly PathStep[];
  readonly probSteps: readonly PathStep[];
  readonly softmaxInput: Instruction;
  readonly decomposedSoftmax: boolean;
  /** The block's scores or probabilities are also graph outputs. */
  readonly extraOutput: boolean;
}

export interface Pattern {
  readonly text: string;
  readonly tags: readonly string[];
}

const TYPE_NAMES: Readonly<Record<string, string>> = { half_type: 'half', bf16_type: 'bf16', float_type: 'float', double_type: 'double' };

interface Label {
  readonly text: string;
  readonly causal: boolean;
}

function stepLabel(step: PathStep, side: 'scores' | 'probs'): Label {
  const { ins, from } = step;
  const name = ins.op.name;
  const plain = (text: string): Label => ({ text, causal: false });
  const kind = stepKind(ins);
  switch (kind) {
    case 'layout':
    case 'dot':
    case 'stop':
      return plain(name);
    case 'convert':
      return plain(`convert(${TYPE_NAMES[ins.shape.type] ?? ins.shape.type})`);
    case 'elementwise':
      return elementwiseLabel(step, side, name, from);
    default:
      return kind satisfies never;
  }
}

function elementwiseLabel(step: PathStep, side: 'scores' | 'probs', name: string, from: Instruction): Label {
  const { ins, keyAxis, queryAxis } = step;
  const at = ins.inputs.indexOf(from);
  const causal = (mask: Instruction, use: MaskUse) => queryAxis !== undefined && isCausalMask(mask, use, queryAxis, keyAxis);
  if (name === 'where') {
    const cond = ins.inputs[0]!;
    const fill = ins.inputs[at === 1 ? 2 : 1]!;
    const fillValue = uniformValue(fill);
    if (side === 'probs' && fillValue === 0) return { text: 'where(zero rows)', causal: false };
    const isCausal = fillValue !== undefined && fillValue <= HIDDEN_BELOW && causal(cond, at === 1 ? 'keep-where-true' : 'hide-where-true');
    return { text: `where(${isCausal ? 'causal mask' : 'mask'})`, causal: isCausal };
  }
  const others = ins.inputs.filter((_, k) => k !== at);
  if (others.length !== 1) return { text: name, causal: false };
  const operand = others[0]!;
  const additive = name === 'add' || name === 'sub';
  // One value: a scale for mul/div; for add/sub a constant is a bias, a model input is a mask (bound to one element).
  if (isScalarLike(operand) && !(additive && !dependsOnlyOnLiterals(operand))) return { text: `${name}(${additive ? 'bias' : 'scale'})`, causal: false };
  const use: MaskUse | undefined = name === 'add' ? 'additive' : name === 'mul' ? 'multiplicative' : name === 'sub' && at === 0 ? 'subtractive' : undefined;
  const isCausal = use !== undefined && causal(operand, use);
  return { text: `${name}(${isCausal ? 'causal mask' : 'mask'})`, causal: isCausal };
}

/** Replaces each div|mul(scale) → tanh → mul(scale) run with `softcap`; reports whether one was found. */
function foldSoftcap(labels: string[]): boolean {
  let found = false;
  for (let k = 0; k + 2 < labels.length; k++) {
    if ((labels[k] === 'div(scale)' || labels[k] === 'mul(scale)') && labels[k + 1] === 'tanh' && labels[k + 2] === 'mul(scale)') {
      labels.splice(k, 3, 'softcap');
      found = true;
    }
  }
  return found;
}

/** Views a scaled Q or K passes through on its way to the dot. */
const OPERAND_VIEWS = new Set(['transpose', 'reshape', 'contiguous', 'squeeze', 'unsqueeze', 'convert']);

/** `mul` or `div` when `operand` is (a view of) x·s or x/s with s a single value. */
function scaledBy(operand: Instruction): string | undefined {
  let i = operand;
  while (OPERAND_VIEWS.has(i.op.name) && i.inputs.length === 1) i = i.inputs[0]!;
  if (i.op.name !== 'mul' && i.op.name !== 'div') return undefined;
  const [a, b] = i.inputs as [Instruction, Instruction];
  const scalarA = isScalarLike(a);
  const scalarB = isScalarLike(b);
  if (scalarB && !scalarA) return i.op.name;
  if (scalarA && !scalarB && i.op.name === 'mul') return 'mul';
  return undefined;
}

/** `mul(scale on q, k)`, `div(scale on q) → mul(scale on k)`, …: scales applied before the first dot. */
function prefixLabels(gemm1: Instruction): string[] {
  const onQ = scaledBy(gemm1.inputs[0]!);
  const onK = scaledBy(gemm1.inputs[1]!);
  if (onQ !== undefined && onQ === onK) return [`${onQ}(scale on q, k)`];
  const out: string[] = [];
  if (onQ !== undefined) out.push(`${onQ}(scale on q)`);
  if (onK !== undefined) out.push(`${onK}(scale on k)`);
  return out;
}

/** Producer features of K or V: a past-cache concat, a head expansion (GQA). */
function kvFeatures(operand: Instruction): { cache: boolean; gqa: boolean } {
  let cache = false;
  let gqa = false;
  let reshaped = false;
  let i: Instruction | undefined = operand;
  for (let steps = 0; i !== undefined && steps < 64; steps++) {
    const name: string = i.op.name;
    if (name === 'concat') {
      if (i.inputs.every((x) => x === i!.inputs[0])) gqa = true; // the same heads repeated
      else {
        cache = true;
        break;
      }
    } else if (name === 'multibroadcast' && reshaped && i.shape.elements() > i.inputs[0]!.shape.elements()) {
      gqa = true; // unsqueeze → expand → reshape: each KV head spread over a group of query heads
    } else if (name === 'reshape') {
      reshaped = true;
    }
    i = nextProducer(i);
  }
  return { cache, gqa };
}

/** The operand K/V came from: through views, converts, scales and repeat-concats. */
function nextProducer(i: Instruction): Instruction | undefined {
  const name = i.op.name;
  if (i.inputs.length === 1 && (OPERAND_VIEWS.has(name) || name === 'multibroadcast' || name === 'broadcast' || name === 'slice')) return i.inputs[0];
  if (name === 'concat') return i.inputs[0];
  if (name === 'mul' || name === 'div') {
    const [a, b] = i.inputs as [Instruction, Instruction];
    if (isScalarLike(b)) return a;
    if (isScalarLike(a)) return b;
  }
  return undefined;
}

/**
 * The ONNX or onnxruntime op the block was expanded from, by the origin of its first dot. ONNX Attention
 * and com.microsoft Attention share an op type; the contrib op computes its Q/K/V projection (a dot)
 * inside the same node, the ONNX op never does.
 */
function originTag(gemm1: Instruction): string | undefined {
  const origin = gemm1.origin;
  if (!origin) return undefined;
  switch (origin.opType) {
    case 'MultiHeadAttention':
    case 'GroupQueryAttention':
      return `com.microsoft ${origin.opType}`;
    case 'Attention':
      return projectsInside(gemm1) ? 'com.microsoft Attention' : 'ONNX Attention';
    default:
      return undefined;
  }
}

/** True when a dot from the same ONNX node feeds gemm1's Q operand. */
function projectsInside(gemm1: Instruction): boolean {
  const node = gemm1.origin!.node;
  const seen = new Set<Instruction>();
  const stack = [gemm1.inputs[0]!];
  while (stack.length > 0) {
    const i = stack.pop()!;
    if (seen.has(i) || i.origin?.node !== node) continue;
    seen.add(i);
    if (i.op.name === 'dot') return true;
    stack.push(...i.inputs);
  }
  return false;
}

export function describePattern(p: PatternParts): Pattern {
  const scoreLabels = p.scoreSteps.map((s) => stepLabel(s, 'scores'));
  const probLabels = p.probSteps.map((s) => stepLabel(s, 'probs'));
  const scores = scoreLabels.map((l) => l.text);
  const softcap = foldSoftcap(scores);
  const chain = [...prefixLabels(p.gemm1), 'dot', ...scores, 'softmax', ...probLabels.map((l) => l.text), 'dot'];

  const k = kvFeatures(p.gemm1.inputs[1]!);
  const v = kvFeatures(p.gemm2.inputs[1]!);
  const tags: string[] = [];
  const origin = originTag(p.gemm1);
  if (origin) tags.push(origin);
  if ([...scoreLabels, ...probLabels].some((l) => l.causal)) tags.push('causal mask');
  if (k.cache || v.cache) tags.push('KV-cache concat');
  if (k.gqa || v.gqa) tags.push('GQA expansion');
  if (softcap) tags.push('softcap');
  if (p.decomposedSoftmax) tags.push('decomposed softmax');
  if (p.softmaxInput.shape.type !== p.gemm1.shape.type) tags.push('cast island');
  if (p.extraOutput) tags.push('extra output');
  const text = chain.join(' → ') + (tags.length > 0 ? ` [${tags.join(', ')}]` : '');
  return { text, tags };
}
