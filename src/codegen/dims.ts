// Dimension merging for strided kernels: axes of length 1 are dropped and neighbouring axes that are
// contiguous in every operand (stride[d] = stride[d+1] · len[d+1]) become one, so most launches index
// one or two dimensions and fit the kernels' limit of 8.

/** Views over the same logical lens: each operand's strides, merged together. */
export interface MergedDims {
  readonly lens: number[];
  readonly strides: number[][];
}

export const MAX_KERNEL_RANK = 8;

export function mergeDims(lens: readonly number[], strides: readonly (readonly number[])[]): MergedDims {
  const keep = lens.map((_, d) => d).filter((d) => lens[d] !== 1);
  const outLens: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (const d of keep) {
    const last = outLens.length - 1;
    const mergeable = last >= 0 && strides.every((s, k) => outStrides[k]![last] === s[d]! * lens[d]!);
    if (mergeable) {
      outLens[last] = outLens[last]! * lens[d]!;
      strides.forEach((s, k) => (outStrides[k]![last] = s[d]!));
    } else {
      outLens.push(lens[d]!);
      strides.forEach((s, k) => outStrides[k]!.push(s[d]!));
    }
  }
  return { lens: outLens, strides: outStrides };
}

/** Row-major strides of `lens`. */
export function standardStrides(lens: readonly number[]): number[] {
  const s = new Array<number>(lens.length);
  let acc = 1;
  for (let i = lens.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= Math.max(lens[i]!, 1);
  }
  return s;
}

export function product(xs: readonly number[]): number {
  return xs.reduce((a, b) => a * b, 1);
}

/** Pads a list to 8 entries for an `array<vec4<…>, 2>` uniform. */
export function pad8(xs: readonly number[]): number[] {
  if (xs.length > MAX_KERNEL_RANK) throw new Error(`${xs.length} dimensions exceed the kernels' ${MAX_KERNEL_RANK}`);
  return [...xs, ...new Array<number>(MAX_KERNEL_RANK - xs.length).fill(0)];
}
