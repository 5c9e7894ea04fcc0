// The state lowering builds: buffers, launches and the value (a view into a buffer) of every
// instruction lowered so far, with the helpers the per-family lowerings share (a fresh output
// buffer, a typed launch, a narrowing convert). Inside a kernel instruction of a lowered program, a
// result goes to the kernel's output buffer (the `target`, handed to the instruction that computes the
// kernel's result) and every other temporary to the shared workspace (first fit, 256-byte aligned,
// freed when its last reader is lowered). Not here: which kernel an op uses (lower-*.ts).

import type { Instruction } from '../ir/instruction.js';
import { Shape } from '../ir/shape.js';
import { typeId, type ElementType } from '../ir/types.js';
import { SPECIALIZE_ELEMENTS, type DeviceCapabilities } from './capabilities.js';
import { mergeDims, pad8, MAX_KERNEL_RANK } from './dims.js';
import { ceilDiv, grid1d } from './grid.js';
import { KERNELS, variantKey, type KernelSpec, type SlotChoices } from './kernel-catalog.js';
import { DUMMY_BUFFER, type BufferDecl, type BufferKind, type Launch, type LaunchConstants, type LoweringFallback, type ValueView } from './launch.js';
import { elementBytes } from './type-classes.js';
import { packUniforms, type UniformValues } from './uniforms.js';
import { unsupported } from './unsupported.js';

export interface LaunchRequest<S extends KernelSpec> {
  readonly slots?: SlotChoices;
  readonly constants: LaunchConstants<S>;
  readonly uniforms: UniformValues<S['uniforms']>;
  /** Storage bindings in the kernel's order (DUMMY_BUFFER for an unused input). */
  readonly bindings: readonly number[];
  readonly workgroups: readonly [number, number, number];
  /**
   * Elements the launch computes: from SPECIALIZE_ELEMENTS on, its codes are override constants even
   * where the device keeps them in uniforms (capabilities.ts says why).
   */
  readonly elements?: number;
}

/** Pointwise launch operands: up to three input views and the output. */
export interface PointwiseOperands {
  readonly inputs: readonly ValueView[];
  readonly output: ValueView;
}

/** The codes of a pointwise launch besides the operand types (which come from the operands). */
export interface PointwiseCodes {
  readonly op?: number;
  readonly saturate?: boolean;
  readonly hasZeroPoint?: boolean;
}

/** Byte alignment of views (scratch and workspace): WebGPU's largest minStorageBufferOffsetAlignment. */
export const VIEW_ALIGNMENT = 256;

/** Temporaries of one kernel instruction, placed first fit in the shared workspace. */
class WorkspaceRegion {
  /** [start, end) byte ranges in use, sorted by start. */
  private readonly used: [number, number, number][] = [];
  peak = 0;

  allocate(bytes: number, buffer: number): number {
    const size = Math.max(VIEW_ALIGNMENT, Math.ceil(bytes / VIEW_ALIGNMENT) * VIEW_ALIGNMENT);
    let start = 0;
    let at = 0;
    for (; at < this.used.length; at++) {
      const [s, e] = this.used[at]!;
      if (s - start >= size) break;
      start = e;
    }
    this.used.splice(at, 0, [start, start + size, buffer]);
    this.peak = Math.max(this.peak, start + size);
    return start;
  }

  release(buffer: number): void {
    const k = this.used.findIndex((u) => u[2] === buffer);
    if (k >= 0) this.used.splice(k, 1);
  }
}

export class LoweringContext {
  readonly buffers: BufferDecl[] = [];
  readonly launches: Launch[] = [];
  readonly values = new Map<Instruction, ValueView>();
  readonly fallbacks: LoweringFallback[] = [];
  /** The instruction being lowered (labels and errors). */
  current: Instruction | undefined;
  /** Where the value being lowered must go (a kernel's output buffer); taken by the first matching newValue. */
  private target: ValueView | undefined;
  private region: WorkspaceRegion | undefined;
  private workspaceId: number | undefined;
  private workspaceBytes = 0;

  constructor(readonly caps: DeviceCapabilities) {}

  addBuffer(bytes: number, kind: BufferKind, label: string, extra: Partial<Pick<BufferDecl, 'init' | 'param'>> = {}): number {
    const id = this.buffers.length;
    this.buffers.push({ id, bytes: Math.max(4, Math.ceil(bytes / 4) * 4), kind, label, ...extra });
    return id;
  }

  /** A view of bytes [offset, offset + bytes) of buffer `parent` (offset a multiple of VIEW_ALIGNMENT). */
  addView(parent: number, offset: number, bytes: number, label: string): number {
    const id = this.buffers.length;
    this.buffers.push({ id, bytes: Math.max(4, Math.ceil(bytes / 4) * 4), kind: 'view', label, within: { buffer: parent, offset } });
    return id;
  }

  /** Starts a kernel instruction: temporaries go to the workspace until `endKernel`. */
  beginKernel(): void {
    this.region = new WorkspaceRegion();
  }

  endKernel(): void {
    if (this.region) this.workspaceBytes = Math.max(this.workspaceBytes, this.region.peak);
    this.region = undefined;
    this.target = undefined;
  }

  /** Bytes of workspace the kernel being lowered has used at most so far. */
  get kernelWorkspace(): number {
    return this.region?.peak ?? 0;
  }

  /** The next newValue whose standard shape equals `view`'s (type and lens) returns `view`. */
  setTarget(view: ValueView | undefined): void {
    this.target = view;
  }

  /** The pending target, which the caller now owns (fused lowerings pass it on explicitly). */
  takeTarget(): ValueView | undefined {
    const t = this.target;
    this.target = undefined;
    return t;
  }

  /** Frees a workspace temporary (its last reader is lowered). */
  release(buffer: number): void {
    if (this.region && this.buffers[buffer]?.within?.buffer === this.workspaceId) this.region.release(buffer);
  }

  /** The workspace buffer's final size (call once lowering is done; 0 when no kernel needed one). */
  finishWorkspace(): number {
    if (this.workspaceId !== undefined) {
      const decl = this.buffers[this.workspaceId]!;
      this.buffers[this.workspaceId] = { ...decl, bytes: Math.max(4, this.workspaceBytes) };
    }
    return this.workspaceBytes;
  }

  valueOf(ins: Instruction): ValueView {
    const v = this.values.get(ins);
    if (!v) throw new Error(`webgpu lowering: ${ins.op} is used before it is lowered`);
    return v;
  }

  /**
   * A fresh standard buffer for a value of `shape`: the target when it matches, a workspace temporary
   * inside a kernel instruction, else a buffer of its own.
   */
  newValue(shape: Shape, kind: BufferKind = 'intermediate'): ValueView {
    const standard = shape.standard ? shape : shape.asStandard();
    const t = this.target;
    if (t && t.shape.type === standard.type && t.shape.standard && t.shape.lens.length === standard.lens.length && t.shape.lens.every((l, d) => l === standard.lens[d])) {
      this.target = undefined;
      return t;
    }
    return this.fresh(standard, kind);
  }

  /**
   * A fresh buffer for a value of `shape` in that shape's own memory order (a `layout` op's result: a
   * permutation of a standard layout): the target when it has exactly that shape.
   */
  newLaidOut(shape: Shape, kind: BufferKind = 'intermediate'): ValueView {
    if (shape.standard) return this.newValue(shape, kind);
    if (!shape.packed()) throw new Error(`webgpu lowering: ${shape} is not a dense layout`);
    const t = this.target;
    if (t && t.shape.equals(shape)) {
      this.target = undefined;
      return t;
    }
    return this.fresh(shape, kind);
  }

  private fresh(shape: Shape, kind: BufferKind): ValueView {
    const bytes = shape.elements() * elementBytes(shape.type);
    if (this.region) {
      if (this.workspaceId === undefined) this.workspaceId = this.addBuffer(4, 'workspace', 'kernel workspace');
      const id = this.buffers.length;
      const offset = this.region.allocate(bytes, id);
      return { buffer: this.addView(this.workspaceId, offset, bytes, this.describe()), shape, offset: 0 };
    }
    return { buffer: this.addBuffer(bytes, kind, this.describe()), shape, offset: 0 };
  }

  /** Records that the fused op being lowered runs as separate launches, and why. */
  fallback(reason: string): void {
    this.fallbacks.push({ instruction: this.describe(), reason });
  }

  describe(): string {
    const ins = this.current;
    if (!ins) return '(program)';
    const node = ins.origin ? ` (ONNX node '${ins.origin.node}')` : '';
    return `${ins.op}${node}`;
  }

  launch<S extends KernelSpec>(spec: S, request: LaunchRequest<S>): void {
    const variant = { spec, slots: request.slots ?? {} };
    const label = `${variantKey(variant)} for ${this.describe()}`;
    const [x, y, z] = request.workgroups;
    if (x === 0 || y === 0 || z === 0) return; // nothing to compute (an empty tensor)
    const max = this.caps.maxComputeWorkgroupsPerDimension;
    if (x > max || y > max || z > max) {
      throw unsupported(this.current!, `${label} needs ${x}×${y}×${z} workgroups, over this device's ${max} per dimension`);
    }
    const constants: Record<string, number> = {};
    for (const [name, def] of Object.entries(spec.overrides)) {
      const given = (request.constants as Readonly<Record<string, number | undefined>>)[name];
      if (given !== undefined) constants[name] = given;
      else if (def === null) throw new Error(`${label}: override ${name} needs a value`);
    }
    if ((this.caps.specializeCodes || (request.elements ?? 0) >= SPECIALIZE_ELEMENTS) && spec.codes) {
      const uniforms = request.uniforms as unknown as Readonly<Record<string, number | readonly number[]>>;
      for (const [name, [field, component]] of Object.entries(spec.codes)) {
        const v = uniforms[field]!;
        constants[name] = typeof v === 'number' ? v : v[component]!;
      }
    }
    const bindings = this.separateBindings(spec, request.bindings);
    this.launches.push({
      variant,
      constants,
      uniforms: packUniforms(spec.uniforms, request.uniforms, label),
      bindings,
      workgroups: request.workgroups,
      label,
    });
  }

  /** A launch built elsewhere (the attention kernel's attentionLaunch), with its bindings separated. */
  addLaunch(l: Launch): void {
    const [x, y, z] = l.workgroups;
    if (x === 0 || y === 0 || z === 0) return;
    this.launches.push({ ...l, bindings: this.separateBindings(l.variant.spec, l.bindings) });
  }

  /** The buffer a binding's bytes live in, and the byte range. */
  private range(id: number): { root: number; start: number; end: number } {
    let root = id;
    let start = 0;
    for (let d = this.buffers[root]; d?.within; d = this.buffers[root]) {
      start += d.within.offset;
      root = d.within.buffer;
    }
    return { root, start, end: start + this.buffers[id]!.bytes };
  }

  /**
   * WebGPU lets a dispatch bind a buffer writable only if every binding of it there is writable, and
   * Dawn rejects writable bindings of one buffer that overlap (the same value read twice: mul(x, x)).
   * An input that would break either rule is read from a copy of its bytes in a buffer of its own.
   */
  private separateBindings(spec: KernelSpec, bindings: readonly number[]): number[] {
    const out = [...bindings];
    const writable = (k: number) => spec.bindings[k] === 'read_write';
    const last = out.length - 1;
    for (let k = 0; k < last; k++) {
      if (out[k] === DUMMY_BUFFER) continue;
      const r = this.range(out[k]!);
      const clash = out.some((id, j) => {
        if (j === k || id === DUMMY_BUFFER || (j > k && j !== last)) return false;
        const o = this.range(id);
        if (o.root !== r.root) return false;
        if (writable(k) && writable(j)) return o.start < r.end && r.start < o.end;
        return writable(k) || writable(j);
      });
      if (clash) out[k] = this.rawCopy(out[k]!);
    }
    return out;
  }

  /** A buffer of its own holding the bytes of buffer `id` (a word copy). */
  private rawCopy(id: number): number {
    const bytes = this.buffers[id]!.bytes;
    const words = Math.ceil(bytes / 4);
    const copy = this.addBuffer(bytes, 'intermediate', `copy of ${this.buffers[id]!.label}`);
    this.launch(KERNELS.copy, {
      constants: { ELEM_BYTES: 4 },
      uniforms: { words, first_word: 0, row_elems: words, band_start: 0, band_len: words, rank: 1, offset: 0, lens: pad8([words]), strides: pad8([1]) },
      bindings: [id, copy],
      workgroups: grid1d(ceilDiv(words, 64), this.caps.maxComputeWorkgroupsPerDimension),
    });
    return copy;
  }

  /**
   * A pointwise launch (elementwise, convert, quantize, where): merges the dimensions of the output
   * and the input views, and fills the shared uniform record.
   */
  pointwise<S extends KernelSpec>(spec: S, slots: SlotChoices, codes: PointwiseCodes, operands: PointwiseOperands): void {
    const { inputs, output } = operands;
    const lens = output.shape.lens;
    const merged = mergeDims(lens, [Shape.standardStrides(lens), ...inputs.map((v) => v.shape.strides)]);
    if (merged.lens.length > MAX_KERNEL_RANK) throw unsupported(this.current!, `${spec.name} over ${merged.lens.length} non-mergeable dimensions`);
    const inStrides = merged.strides.slice(1);
    const contiguous = merged.lens.length <= 1 && inStrides.every((s) => s.length === 0 || s[0] === 1);
    const count = output.shape.elements();
    const bytes = elementBytes(output.shape.type);
    const words = bytes === 8 ? count * 2 : ceilDiv(count, 4 / bytes);
    const wg = 64;
    const offsets = [0, 1, 2].map((k) => inputs[k]?.offset ?? 0);
    const strides = [0, 1, 2].map((k) => pad8(inStrides[k] ?? []));
    const types = [0, 1, 2].map((k) => (inputs[k] ? typeId(inputs[k].shape.type) : 0));
    // sources[k]: 0 reads its own binding, j + 1 reads input j's (the same buffer appears earlier).
    const sources = [0, 1, 2].map((k) => {
      const j = inputs.findIndex((v, jj) => jj < k && v.buffer === inputs[k]?.buffer);
      return j < 0 ? 0 : j + 1;
    });
    const uniforms = {
      count,
      rank: merged.lens.length,
      contiguous: contiguous ? 1 : 0,
      op: codes.op ?? 0,
      types: [...types, typeId(output.shape.type)],
      flags: [codes.saturate === false ? 0 : 1, codes.hasZeroPoint ? 1 : 0, sources[1]!, sources[2]!],
      lens: pad8(merged.lens),
      offsets: [...offsets, 0],
      strides_a: strides[0]!,
      strides_b: strides[1]!,
      strides_c: strides[2]!,
    };
    // A repeated input buffer is bound once; the later input reads the earlier one's binding.
    const bindings = [0, 1, 2].map((k) => (inputs[k] && sources[k] === 0 ? inputs[k].buffer : DUMMY_BUFFER));
    this.launch(spec, {
      elements: count,
      slots,
      constants: {} as LaunchConstants<S>,
      uniforms: uniforms as unknown as UniformValues<S['uniforms']>,
      bindings: [...bindings, output.buffer],
      workgroups: count === 0 ? [0, 1, 1] : grid1d(ceilDiv(words, wg), this.caps.maxComputeWorkgroupsPerDimension),
    });
  }

  /** Converts a standard 32-bit work value into the instruction's (narrower) output type. */
  convertInto(source: ValueView, target: ElementType): ValueView {
    const output = this.newValue(source.shape.withType(target));
    this.pointwise(KERNELS.convert, {}, {}, { inputs: [source], output });
    return output;
  }
}
