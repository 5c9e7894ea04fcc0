// GEMM register block of 4 × 4 outputs per invocation (64 × 64 tiles with 16 × 16 invocations):
// the choice for small and odd sizes. The `block` slot of kernels/gemm.wgsl.

const TM: u32 = 4u;
const TN: u32 = 4u;
