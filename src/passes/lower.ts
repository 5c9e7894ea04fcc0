// lower: every computing instruction of main becomes a kernel instruction that writes into an output
// buffer of its own (MIGraphX's lowering + compile_ops, in one step; docs/fusion.md):
//   y = pointwise(transpose(x)), [main:pointwise0]
//     ->  a = allocate[shape=…]
//         y = gpu::code_object[code_object=…,symbol_name=transpose_…_kernel,global=…,local=…,](x,a)
// The kernel's submodule (`main:kernel<N>`) holds the computation: parameters for its arguments, the
// views that fed it (so the kernel reads x in place, as MIGraphX's fused kernels pull in transposes),
// then the instruction itself. A result the program returns gets an output parameter
// `main:#output_<k>` instead of an allocation, so the caller's buffer receives it and memory-coloring
// leaves it out of the scratch. Views stay views; a reshape that is not a view (or is returned) is a
// copy kernel. The printed fields come from src/codegen/kernel-plan.ts. Runs after fusion and dead-code
// elimination, before memory-coloring; a lowered program has nothing left to lower.

import type { Instruction } from '../ir/instruction.js';
import type { Module } from '../ir/module.js';
import { makeOp } from '../ir/op.js';
import type { Program } from '../ir/program.js';
import { describeKernel } from '../codegen/kernel-plan.js';
import { kernelSymbol, GEMM_KERNEL_PREFIX } from '../fusion/kernel-name.js';
import { CODE_OBJECT } from '../ops/kernel.js';
import { OUTPUT_PARAMETER_PREFIX } from '../ops/memory.js';
import type { Pass, PassContext } from './pass.js';

const MEMORY = new Set(['allocate', 'load', 'webgpu::allocate_memory', CODE_OBJECT]);

/** A view the kernel reading it takes in: an aliasing op, or a reshape of a standard (so free) input. */
function isPullableView(ins: Instruction): boolean {
  if (ins.op.def.aliasesInput === 0 && ins.inputs.length === 1 && ins.op.name !== 'load') return true;
  return ins.op.name === 'reshape' && ins.inputs[0]!.shape.standard;
}

function needsKernel(ins: Instruction): boolean {
  if (ins.op.def.builtin || MEMORY.has(ins.op.name) || ins.shape.type === 'tuple_type') return false;
  return ins.op.def.aliasesInput === undefined && ins.op.name !== 'reshape';
}

/** A fused op whose submodule returns a `layout` result: its kernel writes in that memory order. */
function endsInLayout(ins: Instruction): boolean {
  const results = ins.moduleInputs[0]?.outputInstructions() ?? [];
  return results.length === 1 && results[0]!.op.name === 'layout';
}

/** The instruction whose buffer `ins` is, through aliasing views only. */
function aliasBase(ins: Instruction): Instruction {
  let cur = ins;
  while (cur.op.def.aliasesInput === 0 && cur.inputs.length === 1) cur = cur.inputs[0]!;
  return cur;
}

/** Turns `ins` into a kernel instruction; returns it. */
function lowerInstruction(program: Program, m: Module, ins: Instruction, returned: Map<Instruction, number>, ctx: PassContext): Instruction {
  const computation = program.createModule(program.freshModuleName(`${m.name}:kernel`));
  computation.bypass = true;
  const mapped = new Map<Instruction, Instruction>();
  const args: Instruction[] = [];
  const bind = (i: Instruction): Instruction => {
    const done = mapped.get(i);
    if (done) return done;
    let copy: Instruction;
    if (isPullableView(i)) {
      copy = computation.addInstruction(i.op, [bind(i.inputs[0]!)]);
      computation.copyProvenance(i, copy);
    } else {
      // Parameters go after the ones made so far, so they print x0, x1, … in argument order.
      let before: Instruction | undefined;
      for (const c of computation) if (!c.isParam()) {
        before = c;
        break;
      }
      copy = computation.insertParameter(before, `x${args.length}`, i.shape);
      args.push(i);
    }
    mapped.set(i, copy);
    return copy;
  };
  const inputs = ins.inputs.map(bind);
  const body = computation.addInstruction(ins.op, inputs, ins.moduleInputs);
  computation.copyProvenance(ins, body);
  computation.addReturn([body]);

  // Standard, or the memory order of a `layout` the fused op ends with (layout-attention-output).
  const shape = ins.shape.standard || (endsInLayout(ins) && ins.shape.packed()) ? ins.shape : ins.shape.asStandard();
  const k = returned.get(ins);
  const output = k === undefined ? m.insertInstruction(ins, makeOp('allocate', { shape })) : m.insertParameter(ins, `${OUTPUT_PARAMETER_PREFIX}${k}`, shape);
  const symbol = kernelSymbol(computation);
  const d = describeKernel(computation, args.map((a) => a.shape), shape);
  if (d.unsupported) {
    const where = ins.origin ? { onnxNode: ins.origin.node } : {};
    ctx.diagnostics.info('WEBGPU_UNSUPPORTED', `kernel ${symbol} has no WebGPU lowering (${d.unsupported.replace(/^unsupported on webgpu: /, '')}); the reference interpreter runs it.`, where);
  }
  const op = makeOp(CODE_OBJECT, {
    code_object: d.codeObject,
    symbol_name: symbol,
    global: d.global,
    local: d.local,
    // As MIGraphX prints it: MLIR-style (GEMM / attention) kernels name their output argument.
    output_arg: symbol.startsWith(GEMM_KERNEL_PREFIX) ? args.length : -1,
    kernel: d.kernel,
    workspace: d.workspace,
  });
  const kernel = m.insertInstruction(ins, op, [...args, output], [computation]);
  m.copyProvenance(ins, kernel);
  m.replaceAllUses(ins, kernel);
  m.removeInstruction(ins);
  return kernel;
}

export function lowerModule(program: Program, m: Module, ctx: PassContext): void {
  const returned = new Map<Instruction, number>();
  m.returnInstruction()?.inputs.forEach((r, k) => {
    const base = aliasBase(r);
    if (!returned.has(base)) returned.set(base, k);
  });
  for (const ins of m.instructions()) {
    if (needsKernel(ins)) lowerInstruction(program, m, ins, returned, ctx);
  }
  // Reshapes still read (returned, read through a returned view, or not views because their input is
  // strided) are copies; the others were taken into the kernels reading them and are dead now.
  for (const ins of m.instructions()) {
    if (ins.op.name === 'reshape' && ins.outputs.length > 0) lowerInstruction(program, m, ins, returned, ctx);
  }
}

export const lower: Pass = {
  name: 'lower',
  apply(program: Program, ctx: PassContext) {
    lowerModule(program, program.mainModule(), ctx);
  },
};
