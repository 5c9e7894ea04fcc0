// GPU memory for a lowered program: parameters, literals, outputs, the scratch buffer memory-coloring
// laid out and the kernels' shared workspace, checked against the device's limits before anything is
// allocated (a buffer over maxBufferSize, a kernel binding over maxStorageBufferBindingSize, a view at
// an offset the device cannot bind: each error names what), allocated inside an out-of-memory error
// scope. Every binding is a BufferSlot {buffer, offset, size}: a view is a byte range of its parent.

import type { BufferDecl, LoweredProgram } from '../codegen/launch.js';
import { DUMMY_BUFFER } from '../codegen/launch.js';
import { BufferUsage } from './dawn.js';
import { WebGpuError } from './errors.js';

export interface BufferSlot {
  readonly buffer: GPUBuffer;
  readonly offset: number;
  readonly size: number;
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** Throws a WebGpuError naming the first kernel binding or value over the device's limits. */
export function checkLimits(lowered: LoweredProgram, limits: GPUSupportedLimits): void {
  const maxBinding = limits.maxStorageBufferBindingSize;
  for (const launch of lowered.launches) {
    launch.bindings.forEach((id, k) => {
      if (id === DUMMY_BUFFER) return;
      const decl = lowered.buffers[id]!;
      if (decl.bytes > maxBinding) {
        throw new WebGpuError(
          `kernel ${launch.label}: binding ${k + 1} (${decl.label}) is ${decl.bytes} bytes (${mib(decl.bytes)}), over this device's maxStorageBufferBindingSize of ${maxBinding} bytes (${mib(maxBinding)})`,
        );
      }
    });
  }
  for (const decl of lowered.buffers) {
    if (decl.within) {
      if (decl.within.offset % limits.minStorageBufferOffsetAlignment !== 0) {
        throw new WebGpuError(`${decl.label} starts at byte ${decl.within.offset} of its buffer, not a multiple of this device's minStorageBufferOffsetAlignment ${limits.minStorageBufferOffsetAlignment}`);
      }
      continue;
    }
    if (decl.bytes > limits.maxBufferSize) {
      throw new WebGpuError(`${decl.label} needs a buffer of ${decl.bytes} bytes (${mib(decl.bytes)}), over this device's maxBufferSize of ${limits.maxBufferSize} bytes`);
    }
  }
}

/** Allocates every declared buffer (and the dummy); throws a WebGpuError when the device is out of memory. */
export async function allocateBuffers(device: GPUDevice, decls: readonly BufferDecl[]): Promise<Map<number, BufferSlot>> {
  const slots = new Map<number, BufferSlot>();
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  const usage = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;
  for (const d of decls) {
    if (d.within) {
      // Parents are declared before their views.
      const parent = slots.get(d.within.buffer);
      if (!parent) throw new WebGpuError(`${d.label} is a view of buffer ${d.within.buffer}, which is not declared before it`);
      slots.set(d.id, { buffer: parent.buffer, offset: parent.offset + d.within.offset, size: d.bytes });
      continue;
    }
    const buffer = device.createBuffer({ size: d.bytes, usage, label: d.label });
    slots.set(d.id, { buffer, offset: 0, size: d.bytes });
  }
  // Unused inputs bind DUMMY_BUFFER: binding k gets its own 16 bytes (dummySlot), since Dawn rejects
  // two writable bindings of one range in a dispatch.
  slots.set(DUMMY_BUFFER, { buffer: device.createBuffer({ size: DUMMY_STRIDE * MAX_BINDINGS, usage, label: 'unused input' }), offset: 0, size: 16 });
  const invalid = await device.popErrorScope();
  const oom = await device.popErrorScope();
  if (oom || invalid) {
    for (const s of slots.values()) s.buffer.destroy();
    const owned = decls.filter((d) => !d.within);
    const total = owned.reduce((a, d) => a + d.bytes, 0);
    const largest = owned.reduce<BufferDecl | undefined>((best, d) => (!best || d.bytes > best.bytes ? d : best), undefined);
    const what = `${owned.length} buffers, ${mib(total)} in total, the largest ${largest?.label ?? '-'} (${mib(largest?.bytes ?? 0)})`;
    if (oom) throw new WebGpuError(`out of GPU memory allocating ${what}: ${oom.message}`);
    throw new WebGpuError(`cannot allocate ${what}: ${invalid!.message}`);
  }
  return slots;
}

const DUMMY_STRIDE = 256;
const MAX_BINDINGS = 16;

/** The slot of an unused input bound at storage binding `k` (distinct per binding). */
export function dummySlot(dummy: BufferSlot, k: number): BufferSlot {
  return { buffer: dummy.buffer, offset: (k % MAX_BINDINGS) * DUMMY_STRIDE, size: 16 };
}

/** writeBuffer needs a multiple of 4 bytes: pads a copy when the data is not. */
export function padded(bytes: Uint8Array): Uint8Array {
  if (bytes.byteLength % 4 === 0) return bytes;
  const out = new Uint8Array(Math.ceil(bytes.byteLength / 4) * 4);
  out.set(bytes);
  return out;
}
