// fuse-gemm: a dot or quant_dot takes in the cheap work around it, so a quantized GEMM is one kernel
// (what MIGraphX's fuse_mlir does for its MLIR GEMMs; the seed's `mlir_quantizelinear_quant_dot_dequantizelinear`):
//   dq(quant_dot(a, q(w)))   ->   group[tag=gemm](a, w), [gemm0]
// Prologue: along each input, layout views and at most one elementwise op — a quantize or a convert, what
// the GEMM kernel applies to an operand as it loads it — used only by this GEMM; longer chains (BERT's
// GELU before its second FFN GEMM) are left to fuse-pointwise, one kernel of their own, so the printed
// program says what runs. Epilogue: a chain of elementwise consumers on the same lens whose other inputs
// are constants, or one earlier value of the chain (GELU after a GEMM: x / √2 → erf → + 1 → · x → · ½;
// sink-scalar-mul, before it, puts GELU as exporters write it, (x · ½) · Φ(x), in that chain form).
// Runs after fuse-attention and fuse-reduce (which claim their own ops first) and before fuse-pointwise.

import type { Instruction } from '../ir/instruction.js';
import type { Module } from '../ir/module.js';
import { makeOp } from '../ir/op.js';
import type { Program } from '../ir/program.js';
import { sameNumbers } from '../ir/shape.js';
import { outline, scalarConstant } from '../fusion/outline.js';
import { dependsOnlyOnLiterals } from '../match/matcher.js';
import type { Pass } from './pass.js';

const VIEWS = new Set(['transpose', 'multibroadcast', 'broadcast', 'reshape', 'squeeze', 'unsqueeze', 'contiguous']);

const isPrologueOp = (i: Instruction) =>
  i.moduleInputs.length === 0 && !dependsOnlyOnLiterals(i) && (VIEWS.has(i.op.name) || i.op.def.pointwise === true);

/** The elementwise ops the GEMM kernel can apply to an operand as it loads it (lower-gemm-group.ts). */
const LOADED_OPS = new Set(['quantizelinear', 'convert']);

function absorbPrologue(members: Set<Instruction>, from: Instruction, opTaken = false): void {
  for (const input of new Set(from.inputs)) {
    if (members.has(input) || !isPrologueOp(input)) continue;
    if (!input.outputs.every((u) => members.has(u))) continue;
    const view = VIEWS.has(input.op.name);
    if (!view && (opTaken || !LOADED_OPS.has(input.op.name))) continue;
    members.add(input);
    absorbPrologue(members, input, opTaken || !view);
  }
}

/**
 * Grows the chain of elementwise consumers after `output`; one value of it may be read again by later
 * ops of the chain (GELU: x / √2 → erf → + 1 → · x → · ½; its tanh form reads x three times). Returns
 * the last.
 */
function absorbEpilogue(m: Module, members: Set<Instruction>, output: Instruction): Instruction {
  const order = m.indexMap();
  let out = output;
  // The value read again, its later readers (until the chain reaches them), and the chain as it was then.
  let kept: { value: Instruction; readers: Set<Instruction>; members: Set<Instruction> } | undefined;
  const settle = () => {
    if (!kept || kept.readers.size === 0) return out;
    // A later reader is not on the chain: the group ends at the value read again.
    members.clear();
    for (const i of kept.members) members.add(i);
    return kept.value;
  };
  for (;;) {
    const users = [...new Set(out.outputs)].sort((x, y) => order.get(x)! - order.get(y)!);
    if (users.length > 1 && !kept && users.every((u) => !u.isReturn())) kept = { value: out, readers: new Set(users.slice(1)), members: new Set(members) };
    else if (users.length !== 1) return settle();
    const u = users[0]!;
    if (u.op.def.pointwise !== true || u.moduleInputs.length > 0 || !sameNumbers(u.shape.lens, out.shape.lens)) return settle();
    if (!u.inputs.every((i) => i === out || dependsOnlyOnLiterals(i) || (i === kept?.value && kept.readers.has(u)))) return settle();
    members.add(u);
    kept?.readers.delete(u);
    out = u;
  }
}

export function fuseGemmModule(program: Program, m: Module): void {
  for (const gemm of m.instructions()) {
    if (gemm.owner !== m || (gemm.op.name !== 'dot' && gemm.op.name !== 'quant_dot')) continue;
    if (gemm.inputs.every((i) => dependsOnlyOnLiterals(i))) continue;
    const members = new Set([gemm]);
    absorbPrologue(members, gemm);
    const output = absorbEpilogue(m, members, gemm);
    // Scales and zero points go inside; weights stay outside as the kernel's inputs.
    const inlineConstant = (i: Instruction) => scalarConstant(i) !== undefined;
    // Named after its dot: an epilogue quantize belongs to the next node, the one it quantizes for.
    outline(program, m, members, output, program.freshModuleName('gemm'), makeOp('group', { tag: 'gemm' }), { scalar: false, inlineConstant, originFrom: gemm });
  }
}

export const fuseGemm: Pass = {
  name: 'fuse-gemm',
  apply(program: Program) {
    fuseGemmModule(program, program.mainModule());
  },
};
