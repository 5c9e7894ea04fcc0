// The state lowering builds: buffers, launches and the value (a view into a buffer) of every
// instruction lowered so far, with the helpers the per-family lowerings share (a fresh output
// buffer, a typed launch, a narrowing convert). Not here: which kernel an op uses (lower-*.ts).

import type { Instruction } from '../ir/instruction.js';
import { Shape } from '../ir/shape.js';
import { typeId, type ElementType } from '../ir/types.js';
import type { DeviceCapabilities } from './capabilities.js';
import { mergeDims, pad8, MAX_KERNEL_RANK } from './dims.js';
import { ceilDiv, grid1d } from './grid.js';
import { KERNELS, variantKey, type KernelSpec, type SlotChoices } from './kernel-catalog.js';
import { DUMMY_BUFFER, type BufferDecl, type BufferKind, type Launch, type LaunchConstants, type ValueView } from './launch.js';
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

export class LoweringContext {
  readonly buffers: BufferDecl[] = [];
  readonly launches: Launch[] = [];
  readonly values = new Map<Instruction, ValueView>();
  /** The instruction being lowered (labels and errors). */
  current: Instruction | undefined;

  constructor(readonly caps: DeviceCapabilities) {}

  addBuffer(bytes: number, kind: BufferKind, label: string, extra: Partial<Pick<BufferDecl, 'init' | 'param'>> = {}): number {
    const id = this.buffers.length;
    this.buffers.push({ id, bytes: Math.max(4, Math.ceil(bytes / 4) * 4), kind, label, ...extra });
    return id;
  }

  valueOf(ins: Instruction): ValueView {
    const v = this.values.get(ins);
    if (!v) throw new Error(`webgpu lowering: ${ins.op} is used before it is lowered`);
    return v;
  }

  /** A fresh standard buffer for a value of `shape` (the current instruction's result by default). */
  newValue(shape: Shape, kind: BufferKind = 'intermediate'): ValueView {
    const standard = shape.standard ? shape : shape.asStandard();
    const bytes = standard.elements() * elementBytes(standard.type);
    return { buffer: this.addBuffer(bytes, kind, this.describe()), shape: standard, offset: 0 };
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
    if (this.caps.specializeCodes && spec.codes) {
      const uniforms = request.uniforms as unknown as Readonly<Record<string, number | readonly number[]>>;
      for (const [name, [field, component]] of Object.entries(spec.codes)) {
        const v = uniforms[field]!;
        constants[name] = typeof v === 'number' ? v : v[component]!;
      }
    }
    this.launches.push({
      variant,
      constants,
      uniforms: packUniforms(spec.uniforms, request.uniforms, label),
      bindings: request.bindings,
      workgroups: request.workgroups,
      label,
    });
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
    const uniforms = {
      count,
      rank: merged.lens.length,
      contiguous: contiguous ? 1 : 0,
      op: codes.op ?? 0,
      types: [...types, typeId(output.shape.type)],
      flags: [codes.saturate === false ? 0 : 1, codes.hasZeroPoint ? 1 : 0, 0, 0],
      lens: pad8(merged.lens),
      offsets: [...offsets, 0],
      strides_a: strides[0]!,
      strides_b: strides[1]!,
      strides_c: strides[2]!,
    };
    const bindings = [0, 1, 2].map((k) => inputs[k]?.buffer ?? DUMMY_BUFFER);
    this.launch(spec, {
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
