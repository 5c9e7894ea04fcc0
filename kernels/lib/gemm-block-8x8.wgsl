// GEMM register block of 8 × 8 outputs per invocation (128 × 128 tiles with 16 × 16 invocations):
// twice the arithmetic per workgroup-memory read of 4 × 4, for large products. The `block` slot of
// kernels/gemm.wgsl.

const TM: u32 = 8u;
const TN: u32 = 8u;
