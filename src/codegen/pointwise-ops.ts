// Op codes of the elementwise kernels by IR op name (the OP override); kernels/lib/op-codes.wgsl
// declares the same numbers as OP_<NAME> constants, and test/kernels/kernel-contracts.test.ts checks that
// both agree. Which ops exist on floats and on integers follows src/ref/ops/pointwise.ts.

export const POINTWISE_OPS = {
  abs: 1,
  neg: 2,
  sign: 3,
  relu: 4,
  sqrt: 5,
  rsqrt: 6,
  exp: 7,
  log: 8,
  erf: 9,
  tanh: 10,
  sigmoid: 11,
  recip: 12,
  floor: 13,
  ceil: 14,
  nearbyint: 15,
  sin: 16,
  cos: 17,
  not: 18,
  isnan: 19,
  add: 20,
  sub: 21,
  mul: 22,
  div: 23,
  pow: 24,
  min: 25,
  max: 26,
  mod: 27,
  fmod: 28,
  equal: 29,
  less: 30,
  greater: 31,
  logical_and: 32,
  logical_or: 33,
  logical_xor: 34,
  clip: 40,
} as const;

export type PointwiseOpName = keyof typeof POINTWISE_OPS;

/** convert's code in kernels/elementwise-wide.wgsl (OP_CONVERT there), which also converts. */
export const WIDE_CONVERT_OP = 50;

/** Ops the int64 / uint64 kernel (kernels/elementwise-wide.wgsl) emulates. */
export const WIDE_OPS: ReadonlySet<PointwiseOpName> = new Set(['add', 'sub', 'mul', 'neg', 'abs', 'sign', 'relu', 'not', 'min', 'max', 'equal', 'less', 'greater', 'clip']);

/** Ops defined only on floats (the integer kernel has no case for them). */
export const FLOAT_ONLY_OPS: ReadonlySet<PointwiseOpName> = new Set([
  'sqrt',
  'rsqrt',
  'exp',
  'log',
  'erf',
  'tanh',
  'sigmoid',
  'recip',
  'floor',
  'ceil',
  'nearbyint',
  'sin',
  'cos',
]);

/** Ops defined only on integers and bool. */
export const INTEGER_ONLY_OPS: ReadonlySet<PointwiseOpName> = new Set(['not', 'logical_and', 'logical_or', 'logical_xor']);

export function isPointwiseOp(name: string): name is PointwiseOpName {
  return Object.prototype.hasOwnProperty.call(POINTWISE_OPS, name);
}
