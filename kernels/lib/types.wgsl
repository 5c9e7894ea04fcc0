// Element type codes: the IR's type ids (src/ir/types.ts, ELEMENT_TYPES order; MIGraphX's for 0–18).
// Kernels take the types of their operands as override constants holding these codes, so one source
// serves every storage type and the driver folds the switches away when the pipeline is built.
// test/kernels/kernel-contracts.test.ts checks each constant against typeId().

const T_BOOL: u32 = 0u;
const T_HALF: u32 = 1u;
const T_FLOAT: u32 = 2u;
const T_DOUBLE: u32 = 3u;
const T_UINT8: u32 = 4u;
const T_INT8: u32 = 5u;
const T_UINT16: u32 = 6u;
const T_INT16: u32 = 7u;
const T_INT32: u32 = 8u;
const T_INT64: u32 = 9u;
const T_UINT32: u32 = 10u;
const T_UINT64: u32 = 11u;
const T_FP8E4M3FNUZ: u32 = 12u;
const T_FP8E4M3FN: u32 = 13u;
const T_FP8E5M2: u32 = 14u;
const T_BF16: u32 = 15u;
const T_FP8E5M2FNUZ: u32 = 16u;
const T_INT4: u32 = 19u;
const T_UINT4: u32 = 20u;
const T_INT2: u32 = 21u;
const T_UINT2: u32 = 22u;
const T_FP4E2M1: u32 = 23u;
const T_FP8E8M0: u32 = 24u;

// Bytes one element occupies in a buffer (sub-byte types are held one per byte, as in the IR).
fn type_bytes(t: u32) -> u32 {
  switch t {
    case T_HALF, T_BF16, T_UINT16, T_INT16: { return 2u; }
    case T_FLOAT, T_INT32, T_UINT32: { return 4u; }
    case T_DOUBLE, T_INT64, T_UINT64: { return 8u; }
    default: { return 1u; }
  }
}

// Buffers are arrays of u32 words; an element narrower than a word sits at byte (i * bytes) % 4.
fn word_of(i: u32, bytes: u32) -> u32 {
  return (i * bytes) >> 2u;
}

// The `bytes`-wide element `i` (bytes 1, 2 or 4) of the word that holds it, zero-extended.
fn extract_bits(word: u32, i: u32, bytes: u32) -> u32 {
  if (bytes >= 4u) {
    return word;
  }
  let shift = ((i * bytes) & 3u) * 8u;
  return (word >> shift) & ((1u << (bytes * 8u)) - 1u);
}

// `word` with the `bytes`-wide element `i` replaced by `bits`.
fn insert_bits(word: u32, i: u32, bytes: u32, bits: u32) -> u32 {
  if (bytes >= 4u) {
    return bits;
  }
  let shift = ((i * bytes) & 3u) * 8u;
  let mask = ((1u << (bytes * 8u)) - 1u) << shift;
  return (word & ~mask) | ((bits << shift) & mask);
}

// Elements of `bytes` (1, 2 or 4) that share one word.
fn per_word(bytes: u32) -> u32 {
  return 4u / min(bytes, 4u);
}

// The invocation's position in a 1-D launch spread over a 2-D grid of workgroups (a dimension holds
// at most 65535 workgroups; src/codegen/grid.ts picks the grid).
fn linear_id(gid: vec3<u32>, groups: vec3<u32>, wg: u32) -> u32 {
  return gid.x + gid.y * groups.x * wg;
}
