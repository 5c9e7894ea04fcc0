// Kernel symbol names, by MIGraphX's rule (generate_name_from_ops; migraphx.md §6): the op names of
// the kernel's computation in order, nested fused submodules contributing their own ops, skipping
// builtins (@param, @literal, @return), multibroadcast, contiguous, identity and layout, joined by `_`.
// Kernels with a GEMM (dot, quant_dot; so attention too) get the prefix `wgsl_` where MIGraphX's MLIR
// kernels get `mlir_`; the others (pointwise, reduce, copies) end in `_kernel` as MIGraphX's do:
//   quantizelinear_kernel, dequantizelinear_reduce_max_sub_exp_reduce_sum_div_quantizelinear_kernel,
//   wgsl_quantizelinear_quant_dot_dequantizelinear_convert

import type { Module } from '../ir/module.js';

/** The prefix of GEMM and attention kernels (docs/fusion.md says why this one). */
export const GEMM_KERNEL_PREFIX = 'wgsl_';

const SKIPPED = new Set(['multibroadcast', 'contiguous', 'identity', 'layout']);
const GEMMS = new Set(['dot', 'quant_dot']);

function collect(m: Module, names: string[], seen: { gemm: boolean; first?: string }): void {
  for (const ins of m) {
    if (ins.op.def.builtin) continue;
    seen.first ??= ins.op.name;
    if (GEMMS.has(ins.op.name)) seen.gemm = true;
    if (ins.moduleInputs.length > 0) {
      for (const sub of ins.moduleInputs) collect(sub, names, seen);
      continue;
    }
    if (!SKIPPED.has(ins.op.name)) names.push(ins.op.name);
  }
}

/** The symbol of the kernel that runs `computation` (a kernel instruction's submodule). */
export function kernelSymbol(computation: Module): string {
  const names: string[] = [];
  const seen: { gemm: boolean; first?: string } = { gemm: false };
  collect(computation, names, seen);
  if (names.length === 0) names.push(seen.first ?? 'copy'); // e.g. a lone contiguous
  return seen.gemm ? `${GEMM_KERNEL_PREFIX}${names.join('_')}` : `${names.join('_')}_kernel`;
}
