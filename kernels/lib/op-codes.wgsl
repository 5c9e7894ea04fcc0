// Op codes of the elementwise float and integer ops (the OP override of the elementwise kernels, the
// steps of the fused kernels and the GEMM epilogue). src/codegen/pointwise-ops.ts holds the same table by
// IR op name; test/kernels/kernel-contracts.test.ts checks that the two agree.

const OP_ABS: u32 = 1u;
const OP_NEG: u32 = 2u;
const OP_SIGN: u32 = 3u;
const OP_RELU: u32 = 4u;
const OP_SQRT: u32 = 5u;
const OP_RSQRT: u32 = 6u;
const OP_EXP: u32 = 7u;
const OP_LOG: u32 = 8u;
const OP_ERF: u32 = 9u;
const OP_TANH: u32 = 10u;
const OP_SIGMOID: u32 = 11u;
const OP_RECIP: u32 = 12u;
const OP_FLOOR: u32 = 13u;
const OP_CEIL: u32 = 14u;
const OP_NEARBYINT: u32 = 15u;
const OP_SIN: u32 = 16u;
const OP_COS: u32 = 17u;
const OP_NOT: u32 = 18u;
const OP_ISNAN: u32 = 19u;
const OP_ADD: u32 = 20u;
const OP_SUB: u32 = 21u;
const OP_MUL: u32 = 22u;
const OP_DIV: u32 = 23u;
const OP_POW: u32 = 24u;
const OP_MIN: u32 = 25u;
const OP_MAX: u32 = 26u;
const OP_MOD: u32 = 27u;
const OP_FMOD: u32 = 28u;
const OP_EQUAL: u32 = 29u;
const OP_LESS: u32 = 30u;
const OP_GREATER: u32 = 31u;
const OP_LOGICAL_AND: u32 = 32u;
const OP_LOGICAL_OR: u32 = 33u;
const OP_LOGICAL_XOR: u32 = 34u;
const OP_CLIP: u32 = 40u;
