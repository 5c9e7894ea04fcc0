// Builds the compact IR (src/protocol/compact-ir.ts) from a compile result: one record per printed
// instruction with its line, ONNX node, and what quantization did to it, plus the attention regions.

import type { CompileResult } from './compiler.js';
import type { Instruction } from './ir/instruction.js';
import { programNames } from './ir/printer.js';
import type { CompactAttentionRegion, CompactInstruction, CompactProgram, QuantizationState } from './protocol/compact-ir.js';

function quantizationState(ins: Instruction): QuantizationState {
  if (ins.meta.attention) return 'skipped';
  if (ins.meta.quantization || ins.op.name === 'quant_dot') return 'quantized';
  return 'none';
}

export function compactProgram(r: CompileResult): CompactProgram {
  const names = programNames(r.program);
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
        ...(a ? { attention: { region: a.region, role: a.role, reason: ins.meta.quantizationSkipped ?? `attention region ${a.region}: ${a.pattern}` } } : {}),
        ...(ins.meta.quantization ? { scale: ins.meta.quantization.scale } : {}),
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
    stats: { instructions: r.program.mainModule().size, modules: r.program.reachableModules().length },
  };
}
