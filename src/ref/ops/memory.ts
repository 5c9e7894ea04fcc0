// Reference computes of the memory ops (src/ops/memory.ts), so lowered programs evaluate too:
// `allocate` and `webgpu::allocate_memory` give zeroed buffers; `load` reinterprets a byte range of the
// scratch buffer as its shape's type — a view sharing the scratch's ArrayBuffer, as on the GPU.

import { allocStorage, Tensor, type Storage } from '../../ir/tensor.js';
import { typeSize } from '../../ir/types.js';
import { defineCompute } from '../registry.js';

defineCompute('allocate', (_op, _args, out) => Tensor.zeros(out));
defineCompute('webgpu::allocate_memory', (_op, _args, out) => Tensor.zeros(out));

defineCompute('load', (op, args, out) => {
  const scratch = args[0]!;
  const bytes = scratch.data as Storage;
  const byteOffset = bytes.byteOffset + (scratch.offset + op.int('offset')) * typeSize(scratch.type);
  const n = out.elementSpace();
  if (byteOffset % typeSize(out.type) !== 0) {
    throw new Error(`load: offset ${op.int('offset')} is not aligned for ${out.type}`);
  }
  const like = allocStorage(out.type, 0);
  const Ctor = like.constructor as new (buffer: ArrayBufferLike, byteOffset: number, length: number) => Storage;
  return new Tensor(out, new Ctor(bytes.buffer, byteOffset, n));
});
