// The ONNX operator registry: one lowering per (domain, op_type), each handling every opset version it
// supports through `ctx.opset`. The op files in src/onnx/ops/ register themselves; import.ts dispatches.
// A lowering returns the node's outputs in order (undefined for an output it does not produce).

import type { Instruction } from '../ir/instruction.js';
import type { NodeContext } from './context.js';

export type LoweredOutputs = Instruction | readonly (Instruction | undefined)[];

export interface OnnxOpDef {
  /** '' for the default ONNX domain, 'com.microsoft' for contrib ops. */
  readonly domain: string;
  readonly opType: string;
  /** The oldest opset version the lowering understands; older models get a ModelError. */
  readonly sinceVersion: number;
  lower(ctx: NodeContext): LoweredOutputs;
}

const registry = new Map<string, OnnxOpDef>();

function key(domain: string, opType: string): string {
  return `${domain}::${opType}`;
}

export interface DefineOptions {
  readonly domain?: string;
  readonly sinceVersion?: number;
}

/** Registers the lowering of one ONNX operator (several names may share a lowering). */
export function defineOnnxOp(opTypes: string | readonly string[], lower: (ctx: NodeContext) => LoweredOutputs, options: DefineOptions = {}): void {
  const domain = options.domain ?? '';
  for (const opType of typeof opTypes === 'string' ? [opTypes] : opTypes) {
    const k = key(domain, opType);
    if (registry.has(k)) throw new Error(`ONNX operator ${opType} (domain '${domain}') registered twice`);
    registry.set(k, { domain, opType, sinceVersion: options.sinceVersion ?? 1, lower });
  }
}

export function findOnnxOp(domain: string, opType: string): OnnxOpDef | undefined {
  return registry.get(key(domain, opType));
}

/** Every registered operator, sorted by domain then name (docs and the conformance runner use it). */
export function supportedOnnxOps(): OnnxOpDef[] {
  return [...registry.values()].sort((a, b) => a.domain.localeCompare(b.domain) || a.opType.localeCompare(b.opType));
}
