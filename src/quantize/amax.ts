// max |x| of a tensor, the statistic FP8 calibration keeps per capture (MIGraphX: max(|max|, |min|)).
// Fast on the storage the interpreter produces: float arrays are scanned in place, half and bf16 through
// their bit patterns (|x| orders like its low 15 bits), views that cover their span without gaps too.
// Not here: choosing a scale from it (scale.ts).

import type { Tensor } from '../ir/tensor.js';
import { bf16ToFloat, halfToFloat } from '../numerics/float16.js';
import { readFloat32 } from '../ref/values.js';

/** max |x| over every element; NaN when any element is NaN; 0 for an empty tensor. */
export function absMax(t: Tensor): number {
  const n = t.shape.elements();
  if (n === 0) return 0;
  // A view whose elements fill [offset, offset + n) exactly (standard, transposed, …) is scanned as stored.
  const dense = n === t.shape.elementSpace();
  switch (t.type) {
    case 'half_type':
      if (dense) return halfBitsAbsMax(t.data as Uint16Array, t.offset, n, 0x7c00, halfToFloat);
      break;
    case 'bf16_type':
      if (dense) return halfBitsAbsMax(t.data as Uint16Array, t.offset, n, 0x7f80, bf16ToFloat);
      break;
    case 'float_type':
    case 'double_type':
      if (dense) return floatAbsMax(t.data as Float32Array | Float64Array, t.offset, n);
      break;
    default:
      break;
  }
  return floatAbsMax(readFloat32(t), 0, n);
}

function floatAbsMax(data: Float32Array | Float64Array, start: number, n: number): number {
  let m = 0;
  for (let i = start; i < start + n; i++) {
    const v = data[i]!;
    const a = v < 0 ? -v : v;
    if (a > m) m = a;
    else if (a !== a) return NaN;
  }
  return m;
}

/** 16-bit floats: the largest magnitude pattern, decoded once; patterns above `inf` are NaN. */
function halfBitsAbsMax(bits: Uint16Array, start: number, n: number, inf: number, decode: (b: number) => number): number {
  let m = 0;
  for (let i = start; i < start + n; i++) {
    const a = bits[i]! & 0x7fff;
    if (a > m) m = a;
  }
  return m > inf ? NaN : decode(m);
}
