// capture-arguments (MIGraphX capture_arguments_pass, reference/migraphx.md §2.2): mark each tensor FP8
// quantization will measure and wrap.
//   op(x: float|half|double, …)  ->  op(capture[ins_index=k](x), …)      for op in the quantize set
// k counts (instruction, input) pairs in module order, so a tensor read by two ops gets two captures.
// Left alone: ops outside the set (default: every op but convert, Q/DQ and builtins), Q/DQ's scale and
// zero-point plumbing, rank-0 values, bf16 and non-float inputs, inputs already captured or dequantized by
// the model (no double wrap), and, with `--attention-qdq skip`, every instruction find-attention marked
// (meta.quantizationSkipped says why). Runs after find-attention; quantize-fp8 replaces the captures.

import type { DiagnosticSink } from '../diagnostics.js';
import type { Instruction } from '../ir/instruction.js';
import { describe, type Module } from '../ir/module.js';
import { makeOp } from '../ir/op.js';
import type { Program } from '../ir/program.js';
import { isIntegerType, type ElementType } from '../ir/types.js';
import type { Pass } from './pass.js';

/** What happens to Q/DQ inside attention regions (`--attention-qdq`). */
export type AttentionQdq = 'skip' | 'keep' | 'remove';

export interface CaptureOptions {
  /** Op names whose inputs are captured; undefined: every op but those in NEVER_CAPTURED (MIGraphX's default). */
  readonly quantizeOps?: readonly string[] | undefined;
  readonly attention: AttentionQdq;
}

/** Never quantized: type plumbing, quantization itself, and builtins (`@…`, checked by trait). */
const NEVER_CAPTURED = new Set(['convert', 'quantizelinear', 'dequantizelinear', 'capture']);

/** Ops that sit between a model's own DequantizeLinear and its consumer (MIGraphX skip_post_dq_ops). */
const POST_DQ = new Set(['broadcast', 'multibroadcast', 'contiguous', 'transpose', 'reshape', 'convert']);

const GEMMS = new Set(['dot', 'convolution', 'quant_dot']);

function isQuantizable(t: ElementType): boolean {
  return t === 'float_type' || t === 'half_type' || t === 'double_type';
}

/** True when `x` is the model's own dequantizelinear output, possibly behind layout ops. */
export function isDequantized(x: Instruction): boolean {
  let i = x;
  while (POST_DQ.has(i.op.name) && i.inputs.length === 1) i = i.inputs[0]!;
  return i.op.name === 'dequantizelinear';
}

function nodeOf(ins: Instruction): { onnxNode?: string } {
  return ins.origin ? { onnxNode: ins.origin.node } : {};
}

interface RegionSummary {
  pattern: string;
  members: number;
  nodes: Set<string>;
}

function nextCaptureIndex(m: Module): number {
  let k = 0;
  for (const ins of m) if (ins.op.name === 'capture') k = Math.max(k, ins.op.int('ins_index') + 1);
  return k;
}

/**
 * Instructions that only compute the scales and zero points of the model's own Q/DQ (their users are all
 * q/dq at input 1 or 2, or such instructions): quantization machinery, never quantized itself.
 */
function qdqParameters(m: Module): Set<Instruction> {
  const plumbing = new Set<Instruction>();
  for (let ins = m.last; ins !== undefined; ins = ins.prev) {
    const feedsOnlyQdq = ins.outputs.every((u) => plumbing.has(u) || ((u.op.name === 'quantizelinear' || u.op.name === 'dequantizelinear') && u.inputs[0] !== ins));
    if (ins.outputs.length > 0 && feedsOnlyQdq) plumbing.add(ins);
  }
  return plumbing;
}

function captureModule(m: Module, options: CaptureOptions, diagnostics: DiagnosticSink): void {
  const selected = options.quantizeOps ? new Set(options.quantizeOps) : undefined;
  const regions = new Map<number, RegionSummary>();
  const plumbing = qdqParameters(m);
  let k = nextCaptureIndex(m);
  for (const ins of m.instructions()) {
    const mark = ins.meta.attention;
    if (mark) {
      const r = regions.get(mark.region) ?? { pattern: mark.pattern, members: 0, nodes: new Set<string>() };
      r.members++;
      if (ins.origin) r.nodes.add(ins.origin.node);
      regions.set(mark.region, r);
    }
    if (ins.op.def.builtin || NEVER_CAPTURED.has(ins.op.name) || plumbing.has(ins)) continue;
    if (selected && !selected.has(ins.op.name)) continue;
    if (mark && options.attention === 'skip') {
      ins.meta.quantizationSkipped = `attention region ${mark.region} (${mark.pattern}): left out of FP8 quantization so the block can fuse`;
      continue;
    }
    let changed = false;
    const notes = { bf16: false, dequantized: false, integer: undefined as ElementType | undefined };
    const inputs = ins.inputs.map((x) => {
      const t = x.shape.type;
      // Rank-0 values (ONNX scalars) never reach a GEMM; their pairs would only cancel again.
      if (x.op.name === 'capture' || x.shape.ndim === 0) return x;
      if (isQuantizable(t)) {
        if (isDequantized(x)) {
          notes.dequantized = true;
          return x;
        }
        changed = true;
        const c = m.insertInstruction(ins, makeOp('capture', { ins_index: k++ }), [x]);
        c.origin = ins.origin;
        return c;
      }
      if (t === 'bf16_type') notes.bf16 = true;
      else if (isIntegerType(t) && GEMMS.has(ins.op.name)) notes.integer = t;
      return x;
    });
    if (changed) m.replaceInstruction(ins, ins.op, inputs);
    if (notes.bf16) {
      diagnostics.warning('FP8_NOT_QUANTIZABLE', `${describe(ins)} reads bf16 input(s), which FP8 quantization leaves alone (only float, half and double are quantized, as in MIGraphX).`, nodeOf(ins));
    }
    if (notes.integer) {
      diagnostics.info('FP8_NOT_QUANTIZABLE', `${describe(ins)} has ${notes.integer} inputs: only float, half and double tensors are quantized to FP8.`, nodeOf(ins));
    }
    if (notes.dequantized) {
      diagnostics.info('FP8_ALREADY_QUANTIZED', `${describe(ins)} reads a DequantizeLinear output from the model: that Q/DQ is kept as it is, not wrapped again.`, nodeOf(ins));
    }
  }
  for (const [id, r] of [...regions].sort((a, b) => a[0] - b[0])) {
    const nodes = [...r.nodes].join(', ');
    const first = [...r.nodes][0];
    const where = first ? { onnxNode: first } : {};
    switch (options.attention) {
      case 'skip':
        diagnostics.info('FP8_ATTENTION_SKIPPED', `attention region ${id} (${r.pattern}; ONNX nodes ${nodes}) keeps its precision: its ${r.members} instructions get no Q/DQ, so the block can fuse.`, where);
        break;
      case 'keep':
        diagnostics.info('FP8_ATTENTION_QUANTIZED', `attention region ${id} (${r.pattern}; ONNX nodes ${nodes}) is quantized like the rest (--attention-qdq keep): its dots become quant_dots, which attention fusion does not take.`, where);
        break;
      case 'remove':
        break; // strip-attention-qdq reports what it removes
      default:
        options.attention satisfies never;
    }
  }
}

export function captureArguments(options: CaptureOptions): Pass {
  return {
    name: 'capture-arguments',
    apply(program: Program, ctx) {
      captureModule(program.mainModule(), options, ctx.diagnostics);
    },
  };
}
