// The error for programs the WebGPU backend cannot run: an op on a type WGSL has no arithmetic for
// (int64, uint64 and double move as bits but are not computed on; docs/webgpu.md), an op without a
// kernel yet, or a shape past a kernel's limits. A ModelError, so the CLI prints one line naming the
// ONNX node and exits 1.

import { ModelError } from '../errors.js';
import type { Instruction } from '../ir/instruction.js';

export class UnsupportedOnWebGpuError extends ModelError {
  override name = 'UnsupportedOnWebGpuError';
}

/** `unsupported on webgpu: <op> with <type>` (or another reason), located at the instruction's node. */
export function unsupported(ins: Instruction, reason: string): UnsupportedOnWebGpuError {
  const where = ins.origin ? { node: ins.origin.node, opType: ins.origin.opType } : {};
  return new UnsupportedOnWebGpuError(`unsupported on webgpu: ${reason}`, where);
}
