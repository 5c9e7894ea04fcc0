// Builds the compact IR (src/protocol/compact-ir.ts) from a compile result: one record per printed
// instruction with its line, ONNX node, and what quantization did to it, plus the attention regions.

import type { CompileResult } from './compiler.js';
import type { Instruction } from './ir/instruction.js';
import type { Module } from './ir/module.js';
import { programNames } from './ir/printer.js';
import { CODE_OBJECT } from './ops/kernel.js';
import type { CompactAttentionRegion, CompactInstruction, CompactProgram, QuantizationState } from './protocol/compact-ir.js';

const QUANTIZATION_OPS = new Set(['quantizelinear', 'dequantizelinear', 'quant_dot']);

function quantizationState(ins: Instruction): QuantizationState {
  // Skipped only when quantization left it out (`--attention-qdq skip|remove`), not for every region member.
  if (ins.meta.quantizationSkipped) return 'skipped';
  if (ins.meta.quantization || QUANTIZATION_OPS.has(ins.op.name)) return 'quantized';
  return 'none';
}

/** The FP8 fields `compile --format json` adds (docs/cli.md): the skip set and each quantized tensor. */
export interface QuantizationSummary {
  /** Printed names of the instructions quantization left out (attention regions). */
  readonly skipSet: readonly string[];
  /** One entry per quantizelinear: the tensor it makes fp8, the ONNX node that reads it, its scale. */
  readonly quantized: readonly { readonly instruction: string; readonly onnxNode?: string; readonly scale: number }[];
}

export function quantizationSummary(p: CompactProgram): QuantizationSummary {
  return {
    skipSet: p.instructions.filter((i) => i.quantization === 'skipped').map((i) => i.name),
    quantized: p.instructions
      .filter((i) => i.op === 'quantizelinear' && i.scale !== undefined)
      .map((i) => ({ instruction: i.name, ...(i.onnxNode ? { onnxNode: i.onnxNode } : {}), scale: i.scale! })),
  };
}

/** The kernel symbol of every module a `gpu::code_object` of main runs (its submodule and theirs). */
function kernelModules(main: Module): Map<Module, string> {
  const out = new Map<Module, string>();
  const visit = (m: Module, symbol: string) => {
    if (out.has(m)) return;
    out.set(m, symbol);
    for (const ins of m) for (const sub of ins.moduleInputs) visit(sub, symbol);
  };
  for (const ins of main) if (ins.op.name === CODE_OBJECT) for (const sub of ins.moduleInputs) visit(sub, ins.op.str('symbol_name'));
  return out;
}

/** Bytes of the scratch buffer of a lowered program (0 before memory planning). */
export function scratchBytes(main: Module): number {
  for (const ins of main) {
    if (ins.op.name === 'webgpu::allocate_memory') return ins.shape.bytes();
    if (ins.isParam() && ins.paramName() === 'scratch') return ins.shape.bytes();
  }
  return 0;
}

export function compactProgram(r: CompileResult): CompactProgram {
  const names = programNames(r.program);
  const main = r.program.mainModule();
  const kernelOf = kernelModules(main);
  const text = r.program.toString().split('\n');
  const instructions: CompactInstruction[] = [];
  const regions = new Map<number, { pattern: string; names: string[]; nodes: Set<string> }>();
  let line = 0;
  for (const m of r.program.reachableModules()) {
    line++; // the `module: "name"` header
    for (const ins of m) {
      line++;
      const name = names.get(ins) ?? '?';
      const a = ins.meta.attention;
      if (a) {
        const reg = regions.get(a.region) ?? { pattern: a.pattern, names: [], nodes: new Set<string>() };
        reg.names.push(name);
        if (ins.origin) reg.nodes.add(ins.origin.node);
        regions.set(a.region, reg);
      }
      const kernel = ins.op.name === CODE_OBJECT ? ins.op.str('symbol_name') : kernelOf.get(m);
      instructions.push({
        name,
        module: m.name,
        op: ins.op.name,
        text: text[line - 1] ?? '',
        line,
        type: ins.shape.type,
        lens: ins.shape.lens,
        inputs: ins.inputs.map((i) => names.get(i) ?? '?'),
        ...(ins.origin ? { onnxNode: ins.origin.node, onnxOpType: ins.origin.opType } : {}),
        quantization: quantizationState(ins),
        ...(a ? { attention: { region: a.region, role: a.role, reason: ins.meta.quantizationSkipped ?? `attention region ${a.region} (${a.pattern}), quantized like the rest` } } : {}),
        ...(ins.meta.quantization ? { scale: ins.meta.quantization.scale } : {}),
        ...(kernel !== undefined ? { kernel } : {}),
      });
    }
    line++; // the blank line after each module
  }
  const attention: CompactAttentionRegion[] = [...regions.entries()]
    .sort((x, y) => x[0] - y[0])
    .map(([id, reg]) => ({ id, pattern: reg.pattern, instructions: reg.names, onnxNodes: [...reg.nodes] }));
  return {
    file: r.file,
    instructions,
    attention,
    diagnostics: r.diagnostics,
    stats: {
      instructions: main.size,
      modules: r.program.reachableModules().length,
      kernels: main.instructions().filter((i) => i.op.name === CODE_OBJECT).length,
      scratchBytes: scratchBytes(main),
    },
  };
}
