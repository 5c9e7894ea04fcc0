// The kernels: one typed descriptor per kernels/*.wgsl file, naming its source, the shared WGSL it
// needs (kernels/lib/), its template slots, overrides, uniform struct and storage bindings. This is
// the only place kernel sources are tied to TypeScript; test/kernels/kernel-contracts.test.ts parses
// each .wgsl file and checks it against its descriptor, and test/kernels/compile-all.test.ts compiles
// every variant listed by `kernelVariants`. Not here: which kernel an op lowers to (lower-*.ts).

import type { UniformLayout } from './uniforms.js';

/**
 * Template slots: the typed holes a kernel leaves for its working types. Each choice pulls in one
 * library file that declares the slot's alias and helpers (no text is spliced into kernel sources):
 *   domain: `alias Work` — kernels/lib/domain-{f32,i32,u32}.wgsl
 *   tile:   `alias Tile` — kernels/lib/tile-{f32,f16}.wgsl (f16 needs shader-f16 and `enable f16;`)
 *   block:  `const TM, TN` — kernels/lib/gemm-block-{4x4,8x8}.wgsl (outputs per GEMM invocation)
 */
export interface SlotChoices {
  readonly domain?: 'f32' | 'i32' | 'u32';
  readonly tile?: 'f32' | 'f16';
  readonly block?: '4x4' | '8x8';
}

export type SlotName = keyof SlotChoices;

/** An override's default, or null when every launch must give it. */
export type OverrideDefaults = Readonly<Record<string, number | null>>;

export interface KernelSpec<O extends OverrideDefaults = OverrideDefaults, L extends UniformLayout = UniformLayout> {
  /** Kernel name, used in labels and error messages. */
  readonly name: string;
  /** Source file under kernels/. */
  readonly file: string;
  /**
   * WGSL generated for this kernel (fused pointwise / reduce programs, src/codegen/fused-*.ts), placed
   * between the libraries and `file`; part of the variant's identity.
   */
  readonly generated?: string;
  /** Shared files under kernels/lib/ (WGSL declarations are order-free; only `enable` must lead). */
  readonly libs: readonly string[];
  /** Slots a variant must fill. */
  readonly slots: readonly SlotName[];
  readonly overrides: O;
  /** Fields of `struct Params` (binding 0, uniform), in order. */
  readonly uniforms: L;
  /**
   * Storage bindings 1, 2, …: inputs, then the output. Kernels a lowered program runs declare their
   * inputs read_write too: one reading a range of the scratch buffer and writing another binds that
   * GPU buffer twice in one dispatch, which WebGPU allows only when every such binding is writable.
   */
  readonly bindings: readonly ('read' | 'read_write')[];
  /**
   * Overrides that default to DYNAMIC (0xFFFFFFFF) and then read a uniform: override → [uniform field,
   * component]. Launches always fill the uniforms; where the device specialises (capabilities.ts) the
   * same values also become override constants.
   */
  readonly codes?: Readonly<Record<string, readonly [string, number]>>;
}

/** The default of a code override: read the value from the uniforms. */
export const DYNAMIC = 0xffffffff;

function spec<const O extends OverrideDefaults, const L extends UniformLayout>(s: KernelSpec<O, L>): KernelSpec<O, L> {
  return s;
}

const CODEC = ['types.wgsl', 'float-codec.wgsl', 'element-codec.wgsl'];

/** What fused elementwise steps need (lib/fused-values.wgsl and what it calls). */
export const FUSED_VALUES = ['op-codes.wgsl', 'float-math.wgsl', 'float-ops.wgsl', 'exact-div.wgsl', 'quantize-value.wgsl', 'fused-values.wgsl'];

export const POINTWISE_UNIFORMS = {
  count: 'u32',
  rank: 'u32',
  contiguous: 'u32',
  op: 'u32',
  types: 'vec4u',
  flags: 'vec4u',
  lens: 'u32x8',
  offsets: 'vec4i',
  strides_a: 'i32x8',
  strides_b: 'i32x8',
  strides_c: 'i32x8',
} as const satisfies UniformLayout;

const POINTWISE_BINDINGS = ['read_write', 'read_write', 'read_write', 'read_write'] as const;

/** Overrides every pointwise kernel declares (kernels/lib/pointwise-io.wgsl). */
const POINTWISE_OVERRIDES = { A_TYPE: DYNAMIC, B_TYPE: DYNAMIC, C_TYPE: DYNAMIC, Y_TYPE: DYNAMIC, SATURATE: DYNAMIC, HAS_ZERO_POINT: DYNAMIC, WG: 64 } as const;

const POINTWISE_CODES = {
  A_TYPE: ['types', 0],
  B_TYPE: ['types', 1],
  C_TYPE: ['types', 2],
  Y_TYPE: ['types', 3],
  SATURATE: ['flags', 0],
  HAS_ZERO_POINT: ['flags', 1],
} as const;

export const KERNELS = {
  elementwiseFloat: spec({
    name: 'elementwise-float',
    file: 'elementwise-float.wgsl',
    libs: [...CODEC, 'pointwise-io.wgsl', 'pointwise-ops.wgsl', 'op-codes.wgsl', 'float-math.wgsl', 'float-ops.wgsl'],
    slots: [],
    overrides: { OP: DYNAMIC, ...POINTWISE_OVERRIDES },
    uniforms: POINTWISE_UNIFORMS,
    bindings: POINTWISE_BINDINGS,
    codes: { OP: ['op', 0], ...POINTWISE_CODES },
  }),
  elementwiseInt: spec({
    name: 'elementwise-int',
    file: 'elementwise-int.wgsl',
    libs: [...CODEC, 'pointwise-io.wgsl', 'pointwise-ops.wgsl', 'op-codes.wgsl'],
    slots: ['domain'],
    overrides: { OP: DYNAMIC, ...POINTWISE_OVERRIDES },
    uniforms: POINTWISE_UNIFORMS,
    bindings: POINTWISE_BINDINGS,
    codes: { OP: ['op', 0], ...POINTWISE_CODES },
  }),
  elementwiseWide: spec({
    name: 'elementwise-wide',
    file: 'elementwise-wide.wgsl',
    libs: [...CODEC, 'pointwise-io.wgsl', 'pointwise-ops.wgsl', 'op-codes.wgsl'],
    slots: [],
    overrides: { OP: DYNAMIC, ...POINTWISE_OVERRIDES },
    uniforms: POINTWISE_UNIFORMS,
    bindings: POINTWISE_BINDINGS,
    codes: { OP: ['op', 0], ...POINTWISE_CODES },
  }),
  convert: spec({
    name: 'convert',
    file: 'convert.wgsl',
    libs: [...CODEC, 'pointwise-io.wgsl'],
    slots: [],
    overrides: POINTWISE_OVERRIDES,
    uniforms: POINTWISE_UNIFORMS,
    bindings: POINTWISE_BINDINGS,
    codes: POINTWISE_CODES,
  }),
  quantizeLinear: spec({
    name: 'quantize-linear',
    file: 'quantize-linear.wgsl',
    libs: [...CODEC, 'pointwise-io.wgsl', 'float-math.wgsl', 'exact-div.wgsl', 'quantize-value.wgsl'],
    slots: [],
    overrides: POINTWISE_OVERRIDES,
    uniforms: POINTWISE_UNIFORMS,
    bindings: POINTWISE_BINDINGS,
    codes: POINTWISE_CODES,
  }),
  dequantizeLinear: spec({
    name: 'dequantize-linear',
    file: 'dequantize-linear.wgsl',
    libs: [...CODEC, 'pointwise-io.wgsl'],
    slots: [],
    overrides: POINTWISE_OVERRIDES,
    uniforms: POINTWISE_UNIFORMS,
    bindings: POINTWISE_BINDINGS,
    codes: POINTWISE_CODES,
  }),
  where: spec({
    name: 'where',
    file: 'where.wgsl',
    libs: ['types.wgsl', 'pointwise-io.wgsl'],
    slots: [],
    overrides: POINTWISE_OVERRIDES,
    uniforms: POINTWISE_UNIFORMS,
    bindings: POINTWISE_BINDINGS,
    codes: POINTWISE_CODES,
  }),
  copy: spec({
    name: 'copy',
    file: 'copy.wgsl',
    libs: ['types.wgsl'],
    slots: [],
    overrides: { ELEM_BYTES: null, WG: 64 },
    uniforms: {
      words: 'u32',
      first_word: 'u32',
      row_elems: 'u32',
      band_start: 'u32',
      band_len: 'u32',
      rank: 'u32',
      offset: 'i32',
      _unused: 'u32',
      lens: 'u32x8',
      strides: 'i32x8',
    },
    bindings: ['read_write', 'read_write'],
  }),
  gather: spec({
    name: 'gather',
    file: 'gather.wgsl',
    libs: ['types.wgsl'],
    slots: [],
    overrides: { ELEM_BYTES: null, INDEX_TYPE: null, WG: 64 },
    uniforms: {
      count: 'u32',
      index_count: 'u32',
      inner: 'u32',
      axis_len: 'u32',
      data_rank: 'u32',
      index_rank: 'u32',
      data_offset: 'i32',
      index_offset: 'i32',
      data_lens: 'u32x8',
      data_strides: 'i32x8',
      index_lens: 'u32x8',
      index_strides: 'i32x8',
    },
    bindings: ['read_write', 'read_write', 'read_write'],
  }),
  reduce: spec({
    name: 'reduce',
    file: 'reduce.wgsl',
    libs: [...CODEC, 'row-reduce.wgsl'],
    slots: ['domain'],
    overrides: { OP: DYNAMIC, X_TYPE: DYNAMIC, WG: 64, LANES: 64 },
    codes: { OP: ['op', 0], X_TYPE: ['x_type', 0] },
    uniforms: {
      outputs: 'u32',
      count: 'u32',
      kept_rank: 'u32',
      reduced_rank: 'u32',
      offset: 'i32',
      init_bits: 'u32',
      op: 'u32',
      x_type: 'u32',
      kept_lens: 'u32x8',
      kept_strides: 'i32x8',
      reduced_lens: 'u32x8',
      reduced_strides: 'i32x8',
    },
    bindings: ['read_write', 'read_write'],
  }),
  softmax: spec({
    name: 'softmax',
    file: 'softmax.wgsl',
    libs: [...CODEC, 'row-reduce.wgsl'],
    slots: [],
    overrides: { X_TYPE: null, LOG: 0, WG: 64, LANES: 64 },
    uniforms: {
      rows: 'u32',
      length: 'u32',
      kept_rank: 'u32',
      _unused0: 'u32',
      offset: 'i32',
      axis_stride: 'i32',
      out_axis_stride: 'i32',
      _unused1: 'u32',
      kept_lens: 'u32x8',
      kept_strides: 'i32x8',
      out_kept_strides: 'i32x8',
    },
    bindings: ['read_write', 'read_write'],
  }),
  gemm: spec({
    name: 'gemm',
    file: 'gemm.wgsl',
    libs: [...CODEC, 'fp8-packed.wgsl', ...FUSED_VALUES],
    slots: ['tile', 'block'],
    overrides: { A_TYPE: DYNAMIC, B_TYPE: DYNAMIC, B_FROM_A: DYNAMIC, A_PROLOGUE: DYNAMIC, B_PROLOGUE: DYNAMIC, WG_X: 16, WG_Y: 16, TILE_K: 16, FUSION: 0, DIRECT: 0 },
    codes: { A_TYPE: ['a_type', 0], B_TYPE: ['b_type', 0], B_FROM_A: ['b_from_a', 0] },
    uniforms: {
      m: 'u32',
      n: 'u32',
      k: 'u32',
      batch_rank: 'u32',
      a_packed: 'u32',
      b_packed: 'u32',
      a_type: 'u32',
      b_type: 'u32',
      batch_lens: 'vec4u',
      a_batch_strides: 'vec4i',
      b_batch_strides: 'vec4i',
      a_view: 'vec4i',
      b_view: 'vec4i',
      y_type: 'u32',
      b_from_a: 'u32',
      epilogue_steps: 'u32',
      c_type: 'u32',
      a_prologue: 'vec4u',
      b_prologue: 'vec4u',
      prologue_scales: 'vec4f',
      epi_kinds: 'u32x12',
      epi_types: 'u32x12',
      epi_flags: 'u32x12',
      epi_scalars: 'f32x12',
      c_view: 'vec4i',
      c_batch_strides: 'vec4i',
    },
    bindings: ['read_write', 'read_write', 'read_write', 'read_write'],
  }),
  matmulBaseline: spec({
    name: 'matmul-baseline',
    file: 'bench/matmul-baseline.wgsl',
    libs: [],
    slots: [],
    overrides: {},
    uniforms: { m: 'u32', n: 'u32', k: 'u32', _unused: 'u32' },
    bindings: ['read', 'read', 'read_write'],
  }),
} as const;

export type KernelName = keyof typeof KERNELS;

/** A kernel with its slots filled: one shader module. */
export interface KernelVariant {
  readonly spec: KernelSpec;
  readonly slots: SlotChoices;
}

/** Stable key of a variant (shader-module cache key and test name). */
export function variantKey(v: KernelVariant): string {
  const filled = v.spec.slots.map((s) => `${s}=${v.slots[s] ?? '?'}`);
  return filled.length > 0 ? `${v.spec.name}[${filled.join(',')}]` : v.spec.name;
}

/** Whether the variant needs the `shader-f16` feature. */
export function variantNeedsF16(v: KernelVariant): boolean {
  return v.slots.tile === 'f16';
}

const SLOT_CHOICES: { readonly [S in SlotName]-?: readonly NonNullable<SlotChoices[S]>[] } = {
  domain: ['f32', 'i32', 'u32'],
  tile: ['f32', 'f16'],
  block: ['4x4', '8x8'],
};

/** Slot choices each kernel accepts (a kernel written for integers takes no f32 domain). */
const ALLOWED: Partial<Record<string, SlotChoices[]>> = {
  'elementwise-int': [{ domain: 'i32' }, { domain: 'u32' }],
};

/** Every variant of every kernel: the shader modules the lowering can ask for. */
export function kernelVariants(): KernelVariant[] {
  const out: KernelVariant[] = [];
  for (const s of Object.values(KERNELS) as KernelSpec[]) {
    const allowed = ALLOWED[s.name];
    if (allowed) {
      for (const slots of allowed) out.push({ spec: s, slots });
      continue;
    }
    let combos: SlotChoices[] = [{}];
    for (const slot of s.slots) {
      combos = combos.flatMap((c) => SLOT_CHOICES[slot].map((choice) => ({ ...c, [slot]: choice })));
    }
    for (const slots of combos) out.push({ spec: s, slots });
  }
  return out;
}

/**
 * The fused attention kernel (kernels/attention.wgsl): launches come from attentionLaunch in
 * src/codegen/attention-kernel.ts, which also lists its variants. Kept out of KERNELS (and so out of
 * compile-all.test.ts, which needs sample constants per kernel) until lowering uses it; its contract
 * and compile tests are test/kernels/attention-contract.test.ts.
 */
export const ATTENTION_KERNEL = spec({
  name: 'attention',
  file: 'attention.wgsl',
  libs: [...CODEC, 'float-math.wgsl', 'exact-div.wgsl'],
  slots: ['tile'],
  overrides: {
    IN_TYPE: DYNAMIC,
    MASK_KIND: DYNAMIC,
    MASK_TYPE: DYNAMIC,
    CAUSAL: DYNAMIC,
    SOFTCAP: DYNAMIC,
    OUT_TYPE: DYNAMIC,
    SATURATE: DYNAMIC,
    QUANTIZE: DYNAMIC,
    FACTOR: DYNAMIC,
    FACTOR_TYPE: DYNAMIC,
    HEAD_DIM: null,
    HEAD_DIM_V: null,
    BQ: 32,
    BK: 16,
    RQ: 4,
    TD: 8,
    WG: 64,
  },
  codes: {
    IN_TYPE: ['codes', 0],
    MASK_TYPE: ['codes', 1],
    OUT_TYPE: ['codes', 2],
    SATURATE: ['codes', 3],
    MASK_KIND: ['flags', 0],
    CAUSAL: ['flags', 1],
    SOFTCAP: ['flags', 2],
    QUANTIZE: ['flags', 3],
    FACTOR: ['factor_codes', 0],
    FACTOR_TYPE: ['factor_codes', 1],
  },
  uniforms: {
    batch: 'u32',
    heads: 'u32',
    group: 'u32',
    seq_q: 'u32',
    seq_kv: 'u32',
    past: 'i32',
    mask_offset: 'i32',
    packed: 'u32',
    scale_log2: 'f32',
    cap_in: 'f32',
    cap_out: 'f32',
    mask_fill: 'f32',
    out_scale: 'f32',
    mask_keep: 'u32',
    zero_probs: 'u32',
    zero_offset: 'i32',
    factor_offset: 'i32',
    mask_sign: 'f32',
    _unused0: 'u32',
    _unused1: 'u32',
    codes: 'vec4u',
    flags: 'vec4u',
    factor_codes: 'vec4u',
    offsets: 'vec4i',
    q_strides: 'vec4i',
    k_strides: 'vec4i',
    v_strides: 'vec4i',
    out_strides: 'vec4i',
    mask_strides: 'vec4i',
    zero_strides: 'vec4i',
    factor_strides: 'vec4i',
  },
  bindings: ['read_write', 'read_write', 'read_write', 'read_write', 'read_write', 'read_write', 'read_write'],
});
