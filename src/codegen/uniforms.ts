// Uniform records: each kernel's `struct Params` as a typed field list (kernel-catalog.ts) and the
// packing of a record into the bytes WGSL reads (scalars 4-byte aligned, vectors and arrays 16).
// The field lists are checked against the structs in kernels/*.wgsl by test/kernels/kernel-contracts.test.ts.
// Fields whose name starts with `_` are padding: they take no value and are written as 0.

export type UniformKind = 'u32' | 'i32' | 'f32' | 'vec4u' | 'vec4i' | 'vec4f' | 'u32x8' | 'i32x8' | 'u32x12' | 'f32x12';

export type UniformLayout = Readonly<Record<string, UniformKind>>;

type ValueOf<K extends UniformKind> = K extends 'u32' | 'i32' | 'f32' ? number : readonly number[];

/** The values a launch gives for layout L: every non-padding field, typed by its kind. */
export type UniformValues<L extends UniformLayout> = {
  readonly [F in keyof L as F extends `_${string}` ? never : F]: ValueOf<L[F]>;
};

/** The WGSL spelling of each kind, as the kernel structs declare it. */
export const WGSL_UNIFORM_TYPES: Readonly<Record<UniformKind, string>> = {
  u32: 'u32',
  i32: 'i32',
  f32: 'f32',
  vec4u: 'vec4<u32>',
  vec4i: 'vec4<i32>',
  vec4f: 'vec4<f32>',
  u32x8: 'array<vec4<u32>, 2>',
  i32x8: 'array<vec4<i32>, 2>',
  u32x12: 'array<vec4<u32>, 3>',
  f32x12: 'array<vec4<f32>, 3>',
};

function slots(kind: UniformKind): number {
  switch (kind) {
    case 'u32':
    case 'i32':
    case 'f32':
      return 1;
    case 'vec4u':
    case 'vec4i':
    case 'vec4f':
      return 4;
    case 'u32x8':
    case 'i32x8':
      return 8;
    case 'u32x12':
    case 'f32x12':
      return 12;
    default:
      return kind satisfies never;
  }
}

/** The scalar type of a kind's components. */
function elementOf(kind: UniformKind): 'u32' | 'i32' | 'f32' {
  return kind.startsWith('f32') || kind === 'vec4f' ? 'f32' : kind.startsWith('u32') || kind === 'vec4u' ? 'u32' : 'i32';
}

/** Where each field of `layout` starts (in 32-bit words), and the record's length in words. */
function placeFields(layout: UniformLayout): { placed: { name: string; kind: UniformKind; at: number }[]; words: number } {
  let words = 0;
  const placed: { name: string; kind: UniformKind; at: number }[] = [];
  for (const [name, kind] of Object.entries(layout)) {
    const n = slots(kind);
    if (n > 1) words = Math.ceil(words / 4) * 4;
    placed.push({ name, kind, at: words });
    words += n;
  }
  return { placed, words };
}

/** Packs `values` laid out as `layout`; throws naming the field when a value is missing or too long. */
export function packUniforms<L extends UniformLayout>(layout: L, values: UniformValues<L>, what: string): ArrayBuffer {
  const { placed, words } = placeFields(layout);
  const buffer = new ArrayBuffer(Math.max(16, Math.ceil(words / 4) * 16));
  const u32 = new Uint32Array(buffer);
  const i32 = new Int32Array(buffer);
  const f32 = new Float32Array(buffer);
  const given = values as unknown as Readonly<Record<string, number | readonly number[] | undefined>>;
  for (const { name, kind, at } of placed) {
    if (name.startsWith('_')) continue;
    const v = given[name];
    if (v === undefined) throw new Error(`${what}: uniform '${name}' has no value`);
    const list = typeof v === 'number' ? [v] : v;
    if (list.length > slots(kind)) throw new Error(`${what}: uniform '${name}' takes ${slots(kind)} values, got ${list.length}`);
    const element = elementOf(kind);
    list.forEach((x, j) => {
      if (element === 'f32') f32[at + j] = x;
      else if (element === 'u32') u32[at + j] = x >>> 0;
      else i32[at + j] = x | 0;
    });
  }
  return buffer;
}

/** The values packed in `bytes` as `layout` (padding fields left out): for comparing launches. */
export function unpackUniforms(layout: UniformLayout, bytes: ArrayBuffer): Record<string, number | number[]> {
  const u32 = new Uint32Array(bytes);
  const i32 = new Int32Array(bytes);
  const f32 = new Float32Array(bytes);
  const out: Record<string, number | number[]> = {};
  for (const { name, kind, at } of placeFields(layout).placed) {
    if (name.startsWith('_')) continue;
    const view = { f32, u32, i32 }[elementOf(kind)];
    const values = Array.from(view.subarray(at, at + slots(kind)));
    out[name] = values.length === 1 ? values[0]! : values;
  }
  return out;
}
