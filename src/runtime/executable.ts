// A lowered program made ready on a device: buffers allocated and literals uploaded, uniforms in one
// buffer, pipelines and bind groups built once. Each run uploads the parameters, records every launch
// into one command buffer (one compute pass; one pass per launch when timing, for timestampWrites),
// copies the outputs to staging buffers and reads them back as IR Tensors. Validation, out-of-memory
// and device-loss failures become WebGpuErrors; nothing waits forever on a lost device.

import type { Launch, LoweredProgram } from '../codegen/launch.js';
import { storageBytes } from '../codegen/lower.js';
import { sameNumbers } from '../ir/shape.js';
import { allocStorage, Tensor } from '../ir/tensor.js';
import { typeSize } from '../ir/types.js';
import { allocateBuffers, checkLimits, dummySlot, padded, type BufferSlot } from './buffers.js';
import { DUMMY_BUFFER } from '../codegen/launch.js';
import { BufferUsage, MAP_MODE_READ } from './dawn.js';
import type { WebGpuDevice } from './device.js';
import { WebGpuError, message } from './errors.js';

interface Dispatch {
  readonly pipeline: GPUComputePipeline;
  readonly bindGroup: GPUBindGroup;
  readonly workgroups: readonly [number, number, number];
  readonly label: string;
}

export interface KernelTiming {
  readonly label: string;
  /** GPU time of the launch's compute pass (timestamp queries). */
  readonly ns: number;
}

export interface RunOptions {
  /** Time each launch with timestamp queries (needs the `timestamp-query` feature). */
  readonly timestamps?: boolean;
}

export interface RunResult {
  readonly outputs: Tensor[];
  readonly timings?: readonly KernelTiming[];
}

export interface ProfileResult {
  /** GPU ns of each launch (outer) in each iteration (inner); empty without timestamp-query. */
  readonly kernelNs: readonly (readonly number[])[];
  /** Wall-clock ms from submit to completion of all iterations, divided by the iteration count. */
  readonly wallMsPerIteration: number;
}

/** WebGPU caps a query set at 4096 queries. */
const MAX_QUERIES = 4096;

export class ExecutableProgram {
  private running = false;
  private destroyed = false;

  private constructor(
    private readonly gpu: WebGpuDevice,
    readonly lowered: LoweredProgram,
    private readonly slots: Map<number, BufferSlot>,
    private readonly uniforms: GPUBuffer,
    private readonly dispatches: readonly Dispatch[],
    /** One staging buffer per output buffer id. */
    private readonly staging: Map<number, GPUBuffer>,
  ) {}

  static async prepare(gpu: WebGpuDevice, lowered: LoweredProgram): Promise<ExecutableProgram> {
    gpu.checkAlive();
    const { device } = gpu;
    checkLimits(lowered, device.limits);
    const pipelines = await Promise.all(lowered.launches.map((l) => gpu.pipelines.pipeline(l.variant, l.constants)));
    const slots = await allocateBuffers(device, lowered.buffers);
    for (const decl of lowered.buffers) {
      if (decl.init) device.queue.writeBuffer(slots.get(decl.id)!.buffer, 0, padded(decl.init));
    }
    // Every launch's uniforms in one buffer, at offsets the device allows.
    const align = device.limits.minUniformBufferOffsetAlignment;
    const offsets: number[] = [];
    let total = 0;
    for (const l of lowered.launches) {
      offsets.push(total);
      total += Math.ceil(l.uniforms.byteLength / align) * align;
    }
    const uniforms = device.createBuffer({ size: Math.max(total, 16), usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST, label: 'uniforms' });
    lowered.launches.forEach((l, i) => device.queue.writeBuffer(uniforms, offsets[i]!, l.uniforms));

    device.pushErrorScope('validation');
    const dispatches = lowered.launches.map((l, i): Dispatch => {
      const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: uniforms, offset: offsets[i]!, size: l.uniforms.byteLength } }];
      l.bindings.forEach((id, k) => {
        const s = id === DUMMY_BUFFER ? dummySlot(slots.get(id)!, k) : slots.get(id)!;
        entries.push({ binding: k + 1, resource: { buffer: s.buffer, offset: s.offset, size: s.size } });
      });
      const bindGroup = device.createBindGroup({ layout: pipelines[i]!.layout, entries, label: l.label });
      return { pipeline: pipelines[i]!.pipeline, bindGroup, workgroups: l.workgroups, label: l.label };
    });
    const invalid = await device.popErrorScope();
    if (invalid) {
      for (const s of slots.values()) s.buffer.destroy();
      throw new WebGpuError(`binding the kernels' buffers failed: ${invalid.message}`);
    }
    const staging = new Map<number, GPUBuffer>();
    for (const out of lowered.outputs) {
      if (staging.has(out.buffer)) continue;
      const size = slots.get(out.buffer)!.size;
      staging.set(out.buffer, device.createBuffer({ size, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST, label: 'readback' }));
    }
    return new ExecutableProgram(gpu, lowered, slots, uniforms, dispatches, staging);
  }

  /** Launches, in order, with the kernel names and instructions they run. */
  get launchLabels(): string[] {
    return this.dispatches.map((d) => d.label);
  }

  async run(params: ReadonlyMap<string, Tensor>, options: RunOptions = {}): Promise<RunResult> {
    if (this.destroyed) throw new WebGpuError('this program was destroyed');
    if (this.running) throw new WebGpuError('this program is already running (runs of one program cannot overlap)');
    this.gpu.checkAlive();
    this.running = true;
    try {
      return await this.runOnce(params, options);
    } finally {
      this.running = false;
    }
  }

  /**
   * Times the program's launches: uploads the parameters once, records `iterations` repetitions of
   * every launch, each in its own compute pass with timestamps (where the device has them), in one
   * command buffer, and reads the timestamps back. No outputs are read. For benchmarks.
   */
  async profile(params: ReadonlyMap<string, Tensor>, iterations: number): Promise<ProfileResult> {
    if (this.destroyed) throw new WebGpuError('this program was destroyed');
    this.gpu.checkAlive();
    const { device } = this.gpu;
    this.uploadParams(params);
    const launches = this.dispatches.length;
    const timed = this.gpu.features.has('timestamp-query') && launches > 0;
    if (timed && 2 * launches * iterations > MAX_QUERIES) throw new WebGpuError(`profiling ${launches} launches × ${iterations} iterations needs more than ${MAX_QUERIES} timestamps`);
    const count = 2 * launches * iterations;
    const querySet = timed ? device.createQuerySet({ type: 'timestamp', count }) : undefined;
    const encoder = device.createCommandEncoder({ label: 'profile' });
    for (let it = 0; it < iterations; it++) {
      this.dispatches.forEach((d, i) => {
        const q = 2 * (it * launches + i);
        const pass = encoder.beginComputePass(querySet ? { label: d.label, timestampWrites: { querySet, beginningOfPassWriteIndex: q, endOfPassWriteIndex: q + 1 } } : { label: d.label });
        record(pass, d);
        pass.end();
      });
    }
    let readback: GPUBuffer | undefined;
    let resolved: GPUBuffer | undefined;
    if (querySet) {
      resolved = device.createBuffer({ size: 8 * count, usage: BufferUsage.QUERY_RESOLVE | BufferUsage.COPY_SRC });
      readback = device.createBuffer({ size: 8 * count, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
      encoder.resolveQuerySet(querySet, 0, count, resolved, 0);
      encoder.copyBufferToBuffer(resolved, 0, readback, 0, 8 * count);
    }
    const t0 = performance.now();
    device.queue.submit([encoder.finish()]);
    await device.queue.onSubmittedWorkDone();
    const wallMsPerIteration = (performance.now() - t0) / iterations;
    const kernelNs: number[][] = this.dispatches.map(() => []);
    if (readback) {
      await readback.mapAsync(MAP_MODE_READ);
      const ticks = new BigInt64Array(readback.getMappedRange().slice(0));
      readback.unmap();
      for (let it = 0; it < iterations; it++) {
        for (let i = 0; i < launches; i++) {
          const q = 2 * (it * launches + i);
          kernelNs[i]!.push(Number(ticks[q + 1]! - ticks[q]!));
        }
      }
      readback.destroy();
      resolved!.destroy();
      querySet!.destroy();
    }
    return { kernelNs, wallMsPerIteration };
  }

  /**
   * Whole-program timings as migraphx-driver's perf takes them: parameters uploaded once, then each
   * iteration recorded, submitted and waited for (host wall clock, ms). With `submit: false`, only the
   * recording is timed: the host-side overhead of a run.
   */
  async timeRuns(params: ReadonlyMap<string, Tensor>, iterations: number, submit = true): Promise<number[]> {
    if (this.destroyed) throw new WebGpuError('this program was destroyed');
    this.gpu.checkAlive();
    const { device } = this.gpu;
    this.uploadParams(params);
    await device.queue.onSubmittedWorkDone();
    const times: number[] = [];
    for (let it = 0; it < iterations; it++) {
      const t0 = performance.now();
      const encoder = device.createCommandEncoder({ label: 'perf' });
      if (this.dispatches.length > 0) {
        const pass = encoder.beginComputePass({ label: 'program' });
        for (const d of this.dispatches) record(pass, d);
        pass.end();
      }
      const commands = encoder.finish();
      if (submit) {
        device.queue.submit([commands]);
        await device.queue.onSubmittedWorkDone();
      }
      times.push(performance.now() - t0);
    }
    return times;
  }

  /** The launch each dispatch came from (the order `profile`'s kernelNs follow). */
  get launches(): readonly Launch[] {
    return this.lowered.launches;
  }

  private uploadParams(params: ReadonlyMap<string, Tensor>): void {
    const { device } = this.gpu;
    for (const p of this.lowered.params) {
      const t = params.get(p.name);
      if (!t) throw new Error(`missing parameter '${p.name}': expected ${p.shape}`);
      if (t.type !== p.shape.type || !sameNumbers(t.shape.lens, p.shape.lens)) {
        throw new Error(`parameter '${p.name}': expected ${p.shape}, given ${t.shape}`);
      }
      const data = t.contiguous();
      const bytes = storageBytes(data.data).subarray(0, p.shape.elements() * typeSize(p.shape.type));
      if (bytes.byteLength > 0) device.queue.writeBuffer(this.slots.get(p.buffer)!.buffer, 0, padded(bytes));
    }
  }

  private async runOnce(params: ReadonlyMap<string, Tensor>, options: RunOptions): Promise<RunResult> {
    const { device } = this.gpu;
    this.uploadParams(params);

    const timed = options.timestamps === true;
    if (timed && !this.gpu.features.has('timestamp-query')) throw new WebGpuError('timing needs the timestamp-query feature, which this device lacks');
    const querySet = timed && this.dispatches.length > 0 ? device.createQuerySet({ type: 'timestamp', count: 2 * this.dispatches.length }) : undefined;

    device.pushErrorScope('internal');
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    const encoder = device.createCommandEncoder({ label: 'run' });
    if (querySet) {
      this.dispatches.forEach((d, i) => {
        const pass = encoder.beginComputePass({ label: d.label, timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } });
        record(pass, d);
        pass.end();
      });
    } else if (this.dispatches.length > 0) {
      const pass = encoder.beginComputePass({ label: 'program' });
      for (const d of this.dispatches) record(pass, d);
      pass.end();
    }
    let resolved: GPUBuffer | undefined;
    let timestamps: GPUBuffer | undefined;
    if (querySet) {
      const bytes = 16 * this.dispatches.length;
      resolved = device.createBuffer({ size: bytes, usage: BufferUsage.QUERY_RESOLVE | BufferUsage.COPY_SRC });
      timestamps = device.createBuffer({ size: bytes, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
      encoder.resolveQuerySet(querySet, 0, 2 * this.dispatches.length, resolved, 0);
      encoder.copyBufferToBuffer(resolved, 0, timestamps, 0, bytes);
    }
    for (const [id, staging] of this.staging) {
      const s = this.slots.get(id)!;
      encoder.copyBufferToBuffer(s.buffer, s.offset, staging, 0, s.size);
    }
    device.queue.submit([encoder.finish()]);
    const invalid = await device.popErrorScope();
    const oom = await device.popErrorScope();
    const internal = await device.popErrorScope();
    const failure = invalid ?? oom ?? internal;
    if (failure) throw new WebGpuError(`running the program failed (${failure.constructor.name}): ${failure.message}`);

    const lost = device.lost.then((info) => {
      throw new WebGpuError(`the WebGPU device was lost while running the program (${info.reason}: ${info.message})`);
    });
    await Promise.race([device.queue.onSubmittedWorkDone(), lost]);
    const read = new Map<number, Uint8Array>();
    await Promise.race([
      Promise.all(
        [...this.staging].map(async ([id, staging]) => {
          await staging.mapAsync(MAP_MODE_READ);
          read.set(id, new Uint8Array(staging.getMappedRange().slice(0)));
          staging.unmap();
        }),
      ),
      lost,
    ]).catch((e: unknown) => {
      throw e instanceof WebGpuError ? e : new WebGpuError(`reading results back failed: ${message(e)}`);
    });
    const outputs = this.lowered.outputs.map((v) => {
      const bytes = read.get(v.buffer)!;
      const storage = allocStorage(v.shape.type, Math.floor(bytes.byteLength / typeSize(v.shape.type)));
      new Uint8Array(storage.buffer, storage.byteOffset, storage.byteLength).set(bytes.subarray(0, storage.byteLength));
      return new Tensor(v.shape, storage, v.offset);
    });
    let timings: KernelTiming[] | undefined;
    if (timestamps) {
      await timestamps.mapAsync(MAP_MODE_READ);
      const ticks = new BigInt64Array(timestamps.getMappedRange().slice(0));
      timestamps.unmap();
      timings = this.dispatches.map((d, i) => ({ label: d.label, ns: Number(ticks[2 * i + 1]! - ticks[2 * i]!) }));
      timestamps.destroy();
      resolved!.destroy();
      querySet!.destroy();
    }
    return timings ? { outputs, timings } : { outputs };
  }

  /** Releases the program's buffers (the device and its pipeline cache stay). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    for (const s of this.slots.values()) s.buffer.destroy();
    for (const s of this.staging.values()) s.destroy();
    this.uniforms.destroy();
  }
}

function record(pass: GPUComputePassEncoder, d: Dispatch): void {
  pass.setPipeline(d.pipeline);
  pass.setBindGroup(0, d.bindGroup);
  pass.dispatchWorkgroups(d.workgroups[0], d.workgroups[1], d.workgroups[2]);
}
