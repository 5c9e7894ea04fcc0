// Values of fused elementwise work (the generated pointwise and reduce kernels, the GEMM prologue and
// epilogue): each value is the float32 that holds its element exactly (every float-coded type, bool and
// integers of at most 16 bits fit), and each step rounds its result to its type as the unfused kernel
// storing it would, so a fused chain computes what the separate kernels compute, bit for bit.
// Needs the codecs, lib/op-codes.wgsl, lib/float-ops.wgsl, lib/quantize-value.wgsl (and exact-div).

// Step kinds beyond the elementwise op codes (OP_* are below 60).
const STEP_CONVERT: u32 = 60u;
const STEP_QUANTIZE: u32 = 61u;
const STEP_DEQUANTIZE: u32 = 62u;

// A code fixed by an override constant, or read from the uniforms when the override is left DYNAMIC.
fn code_or(fixed: u32, dynamic_value: u32) -> u32 {
  return select(dynamic_value, fixed, fixed != 0xffffffffu);
}

// x rounded to type t (stored and read back).
fn fw_round(t: u32, x: f32, saturate: bool) -> f32 {
  return f32_of(t, store_f32_bits(t, bitcast<u32>(x), saturate));
}

// Element e of type t from the word that holds it.
fn fw_load(t: u32, word: u32, e: u32) -> f32 {
  return f32_of(t, extract_bits(word, e, type_bytes(t)));
}

fn fw_op(op: u32, t: u32, x: f32, y: f32, z: f32) -> f32 {
  return fw_round(t, float_op(op, x, y, z), true);
}

fn fw_convert(t: u32, saturate: u32, x: f32) -> f32 {
  return fw_round(t, x, saturate != 0u);
}

fn fw_quantize(t: u32, saturate: u32, x: f32, scale: f32, zero_point: f32) -> f32 {
  return f32_of(t, quantize_value(t, x, scale, zero_point, saturate != 0u));
}

// (x − zero point) · scale; x and the zero point are exact small values, so the difference is exact.
fn fw_dequantize(t: u32, x: f32, scale: f32, zero_point: f32) -> f32 {
  return fw_round(t, (x - zero_point) * scale, true);
}

fn fw_where(c: f32, x: f32, y: f32) -> f32 {
  return select(y, x, c != 0.0);
}

// One step of a GEMM prologue or epilogue on value v: kind (an op code or STEP_*), result type t,
// flags (bit 0: the operand comes first, bit 1: saturate) and its other operand (a scalar constant,
// or an element of the tensor operand; the scale for quantize / dequantize).
fn fw_step(kind: u32, t: u32, flags: u32, v: f32, operand: f32) -> f32 {
  switch kind {
    case 0u: { return v; }
    case STEP_CONVERT: { return fw_convert(t, (flags >> 1u) & 1u, v); }
    case STEP_QUANTIZE: { return fw_quantize(t, (flags >> 1u) & 1u, v, operand, 0.0); }
    case STEP_DEQUANTIZE: { return fw_dequantize(t, v, operand, 0.0); }
    default: {
      if ((flags & 1u) != 0u) {
        return fw_op(kind, t, operand, v, 0.0);
      }
      return fw_op(kind, t, v, operand, 0.0);
    }
  }
}
