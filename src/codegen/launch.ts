// What lowering produces and the runtime executes: buffers (by id, with their sizes and where their
// contents come from) and kernel launches over them. Pure data, no WebGPU objects, so lowering is
// tested without an adapter. A lowered program's temporaries are views (`within`) of one scratch
// buffer at the offsets memory-coloring chose; kernel-internal temporaries are views of one shared
// workspace buffer (kernels run one after another). The runtime binds each id as {buffer, offset, size}.

import type { Instruction } from '../ir/instruction.js';
import type { Shape } from '../ir/shape.js';
import type { KernelSpec, KernelVariant } from './kernel-catalog.js';

/**
 * param: uploaded at each run; output: a lowered program's output parameter (`main:#output_k`), written
 * by a kernel and read back, never uploaded; literal: uploaded once; intermediate: a value of an
 * unlowered program; scratch / workspace: the planned temporaries and kernels' own; view: a byte range
 * of another buffer (`within`).
 */
export type BufferKind = 'param' | 'output' | 'literal' | 'intermediate' | 'scratch' | 'workspace' | 'view';

export interface BufferDecl {
  readonly id: number;
  /** Bytes, a multiple of 4 (buffers are read as u32 words), at least 4. */
  readonly bytes: number;
  readonly kind: BufferKind;
  /** What it holds, for error messages: `@param:x`, `@literal`, `%3 = dot`, … */
  readonly label: string;
  /** Contents uploaded once when the program is prepared (literals). */
  readonly init?: Uint8Array;
  /** The parameter whose value is uploaded at each run. */
  readonly param?: string;
  /** For views: the buffer they are part of and their byte offset in it (a multiple of 256). */
  readonly within?: { readonly buffer: number; readonly offset: number };
}

/** A value: a view (lens, strides, element offset) into a buffer. */
export interface ValueView {
  readonly buffer: number;
  readonly shape: Shape;
  readonly offset: number;
}

/** Binding id of the runtime's small dummy buffer, bound where a kernel's input is unused. */
export const DUMMY_BUFFER = -1;

export interface Launch {
  readonly variant: KernelVariant;
  /** Override constants (pipeline creation). */
  readonly constants: Readonly<Record<string, number>>;
  /** The packed `struct Params`. */
  readonly uniforms: ArrayBuffer;
  /** Buffer ids for storage bindings 1, 2, … in the kernel's order. */
  readonly bindings: readonly number[];
  readonly workgroups: readonly [number, number, number];
  /** `gemm[tile=f32] for dot (ONNX node 'MatMul_0')`: names the kernel and the instruction. */
  readonly label: string;
  /** The main-module instruction this launch computes (perf attributes GPU time to it). */
  readonly instruction?: Instruction;
}

/** A fused op that lowering ran as separate launches instead of its one-launch kernel. */
export interface LoweringFallback {
  /** The main-module instruction, as labels name it (`gpu::code_object[…] (ONNX node 'MatMul_1')`). */
  readonly instruction: string;
  /** Why its fused kernel does not take it. */
  readonly reason: string;
}

export interface LoweredProgram {
  readonly buffers: readonly BufferDecl[];
  readonly launches: readonly Launch[];
  readonly params: readonly { readonly name: string; readonly buffer: number; readonly shape: Shape }[];
  readonly outputs: readonly ValueView[];
  /** Fused ops that run as several launches (attention groups outside the fused kernel), with the reason. */
  readonly fallbacks: readonly LoweringFallback[];
}

/** The override constants of a launch: required ones must be given, defaulted ones may be. */
export type LaunchConstants<S extends KernelSpec> = {
  readonly [K in keyof S['overrides'] as S['overrides'][K] extends null ? K : never]: number;
} & {
  readonly [K in keyof S['overrides'] as S['overrides'][K] extends null ? never : K]?: number;
};
