// Direct N-D convolution (1-D, 2-D, 3-D, …) over logical-order float64 values, as MIGraphX's
// `convolution` defines it: x [N, C, spatial…], w [OC, C/group, kernel…], padding [begins…, ends…],
// stride, dilation, group. A table maps (output position, kernel tap) to an input position, or −1 where
// the tap falls in the padding, so the inner loop is the same for every rank.

import { elementCount } from './strided.js';

export interface ConvolutionParams {
  readonly padding: readonly number[];
  readonly stride: readonly number[];
  readonly dilation: readonly number[];
  readonly group: number;
}

/** y[n, oc, o…] = Σ_{ic in oc's group} Σ_{q…} x[n, ic, o·stride − padBegin + q·dilation] · w[oc, ic − groupStart, q…]. */
export function convolution(
  x: Float64Array,
  xLens: readonly number[],
  w: Float64Array,
  wLens: readonly number[],
  outLens: readonly number[],
  p: ConvolutionParams,
): Float64Array {
  const [batch, channels] = xLens as [number, number];
  const [outChannels, channelsPerGroup] = wLens as [number, number];
  const inSpatial = xLens.slice(2);
  const kernel = wLens.slice(2);
  const outSpatial = outLens.slice(2);
  const inSize = elementCount(inSpatial);
  const taps = elementCount(kernel);
  const outSize = elementCount(outSpatial);
  const outPerGroup = outChannels / p.group;
  const inputAt = tapTable(inSpatial, kernel, outSpatial, p);
  const y = new Float64Array(elementCount(outLens));

  for (let n = 0; n < batch; n++) {
    for (let oc = 0; oc < outChannels; oc++) {
      const g = Math.floor(oc / outPerGroup);
      const yBase = (n * outChannels + oc) * outSize;
      for (let icg = 0; icg < channelsPerGroup; icg++) {
        const xBase = (n * channels + g * channelsPerGroup + icg) * inSize;
        const wBase = (oc * channelsPerGroup + icg) * taps;
        for (let o = 0; o < outSize; o++) {
          let acc = 0;
          const row = o * taps;
          for (let q = 0; q < taps; q++) {
            const at = inputAt[row + q]!;
            if (at >= 0) acc += x[xBase + at]! * w[wBase + q]!;
          }
          y[yBase + o] += acc;
        }
      }
    }
  }
  return y;
}

/** table[o·taps + q] = flat input position read by output o at kernel tap q, or −1 in the padding. */
function tapTable(inSpatial: readonly number[], kernel: readonly number[], outSpatial: readonly number[], p: ConvolutionParams): Int32Array {
  const rank = inSpatial.length;
  const taps = elementCount(kernel);
  const outSize = elementCount(outSpatial);
  const table = new Int32Array(outSize * taps);
  const oc = new Array<number>(rank);
  const qc = new Array<number>(rank);
  for (let o = 0; o < outSize; o++) {
    unflatten(o, outSpatial, oc);
    for (let q = 0; q < taps; q++) {
      unflatten(q, kernel, qc);
      let at = 0;
      for (let d = 0; d < rank; d++) {
        const pos = oc[d]! * p.stride[d]! - p.padding[d]! + qc[d]! * p.dilation[d]!;
        if (pos < 0 || pos >= inSpatial[d]!) {
          at = -1;
          break;
        }
        at = at * inSpatial[d]! + pos;
      }
      table[o * taps + q] = at;
    }
  }
  return table;
}

function unflatten(flat: number, lens: readonly number[], coord: number[]): void {
  for (let d = lens.length - 1; d >= 0; d--) {
    coord[d] = flat % lens[d]!;
    flat = Math.floor(flat / lens[d]!);
  }
}
