// The matmul micro-kernel as WebAssembly SIMD (f64x2), assembled here from a few named instructions.
// It computes exactly what `multiplyPacked` in matmul.ts computes — the same packed panels, the same
// products, summed over k in the same order with a separate multiply and add (no fused multiply-add) —
// so results are bit-identical, about 3-4× faster (calibration runs whole models on this interpreter).
// Not here: packing (matmul.ts) and anything that is not a 4×4 tile. Without SIMD support callers fall
// back to the plain kernel.

/** A tiny WebAssembly assembler: just the instructions the kernel needs, named as in the spec. */
class Code {
  readonly bytes: number[] = [];

  localGet(i: number): this {
    return this.op(0x20, ...uleb(i));
  }
  localSet(i: number): this {
    return this.op(0x21, ...uleb(i));
  }
  localTee(i: number): this {
    return this.op(0x22, ...uleb(i));
  }
  i32Const(v: number): this {
    return this.op(0x41, ...sleb(v));
  }
  i32Add(): this {
    return this.op(0x6a);
  }
  i32Mul(): this {
    return this.op(0x6c);
  }
  i32GeU(): this {
    return this.op(0x4f);
  }
  /** `block` and `loop` with no result type. */
  block(): this {
    return this.op(0x02, 0x40);
  }
  loop(): this {
    return this.op(0x03, 0x40);
  }
  end(): this {
    return this.op(0x0b);
  }
  br(depth: number): this {
    return this.op(0x0c, ...uleb(depth));
  }
  brIf(depth: number): this {
    return this.op(0x0d, ...uleb(depth));
  }
  /** v128.load with 16-byte alignment hint. */
  v128Load(offset: number): this {
    return this.simd(0x00, 4, ...uleb(offset));
  }
  /** v128.load64_splat: one f64 from memory into both lanes. */
  v128Load64Splat(offset: number): this {
    return this.simd(0x0a, 3, ...uleb(offset));
  }
  v128Store(offset: number): this {
    return this.simd(0x0b, 4, ...uleb(offset));
  }
  v128Zero(): this {
    return this.simd(0x0c, ...new Array<number>(16).fill(0));
  }
  f64x2Add(): this {
    return this.simd(0xf0);
  }
  f64x2Mul(): this {
    return this.simd(0xf2);
  }

  private simd(opcode: number, ...immediates: number[]): this {
    return this.op(0xfd, ...uleb(opcode), ...immediates);
  }

  private op(...bytes: number[]): this {
    this.bytes.push(...bytes);
    return this;
  }
}

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

const I32 = 0x7f;
const V128 = 0x7b;

// Kernel parameters (locals 0-7), then its own locals.
const PA = 0; // byte address of the packed A panels (MR·K doubles each)
const PB = 1; // byte address of the packed B panels (NR·K doubles each)
const C = 2; // byte address of C, row-major with `LDC` bytes per row, rows padded to whole panels
const ROW_PANELS = 3;
const COL_START = 4; // column panels [COL_START, COL_END) of this call
const COL_END = 5;
const K = 6;
const LDC = 7;
const IP = 8;
const JP = 9;
const KA = 10;
const KB = 11;
const A_END = 12;
const CP = 13;
const ACC = 14; // 8 accumulators: ACC + 2r holds C[r][0..1], ACC + 2r + 1 holds C[r][2..3]
const B01 = 22;
const B23 = 23;
const A_R = 24;
const PANEL_BYTES = 4 * 8; // one k step of a panel: 4 doubles

/**
 * for ip < ROW_PANELS, for jp in [COL_START, COL_END): a 4×4 tile of C = Σ_k A[ip][k] ⊗ B[jp][k].
 * Lanes run over columns, so each accumulator pair is one row of the tile and stores straight into C.
 */
function kernelBody(): number[] {
  const c = new Code();
  c.i32Const(0).localSet(IP);
  c.block().loop(); // row panels
  c.localGet(IP).localGet(ROW_PANELS).i32GeU().brIf(1);
  c.localGet(COL_START).localSet(JP);
  c.block().loop(); // column panels
  c.localGet(JP).localGet(COL_END).i32GeU().brIf(1);
  // ka = PA + ip·K·32 ; aEnd = ka + K·32 ; kb = PB + jp·K·32
  c.localGet(PA).localGet(IP).localGet(K).i32Mul().i32Const(PANEL_BYTES).i32Mul().i32Add().localTee(KA);
  c.localGet(K).i32Const(PANEL_BYTES).i32Mul().i32Add().localSet(A_END);
  c.localGet(PB).localGet(JP).localGet(K).i32Mul().i32Const(PANEL_BYTES).i32Mul().i32Add().localSet(KB);
  for (let r = 0; r < 8; r++) c.v128Zero().localSet(ACC + r);
  c.block().loop(); // k
  c.localGet(KA).localGet(A_END).i32GeU().brIf(1);
  c.localGet(KB).v128Load(0).localSet(B01);
  c.localGet(KB).v128Load(16).localSet(B23);
  for (let r = 0; r < 4; r++) {
    c.localGet(KA).v128Load64Splat(8 * r).localSet(A_R);
    // acc += a·b as two roundings, like `c += a * b` in JavaScript.
    c.localGet(ACC + 2 * r).localGet(A_R).localGet(B01).f64x2Mul().f64x2Add().localSet(ACC + 2 * r);
    c.localGet(ACC + 2 * r + 1).localGet(A_R).localGet(B23).f64x2Mul().f64x2Add().localSet(ACC + 2 * r + 1);
  }
  c.localGet(KA).i32Const(PANEL_BYTES).i32Add().localSet(KA);
  c.localGet(KB).i32Const(PANEL_BYTES).i32Add().localSet(KB);
  c.br(0).end().end();
  // cp = C + ip·4·LDC + jp·32: the tile's top-left element.
  c.localGet(C).localGet(IP).i32Const(4).i32Mul().localGet(LDC).i32Mul().i32Add();
  c.localGet(JP).i32Const(PANEL_BYTES).i32Mul().i32Add().localSet(CP);
  for (let r = 0; r < 4; r++) {
    c.localGet(CP).localGet(ACC + 2 * r).v128Store(0);
    c.localGet(CP).localGet(ACC + 2 * r + 1).v128Store(16);
    c.localGet(CP).localGet(LDC).i32Add().localSet(CP);
  }
  c.localGet(JP).i32Const(1).i32Add().localSet(JP);
  c.br(0).end().end();
  c.localGet(IP).i32Const(1).i32Add().localSet(IP);
  c.br(0).end().end();
  c.end();
  const locals = [...uleb(2), ...uleb(6), I32, ...uleb(11), V128];
  return [...locals, ...c.bytes];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function vector(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

/** The module: one exported memory and `kernel(pa, pb, c, rowPanels, colStart, colEnd, k, ldc)`. */
export function kernelModuleBytes(): Uint8Array {
  const body = kernelBody();
  const params = new Array<number[]>(8).fill([I32]);
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
    ...section(1, vector([[0x60, ...vector(params), 0]])), // type: (i32 × 8) -> ()
    ...section(3, vector([[0]])), // function 0 has type 0
    ...section(5, vector([[0x00, 1]])), // memory: at least 1 page, no maximum
    ...section(7, vector([[...name('memory'), 0x02, 0], [...name('kernel'), 0x00, 0]])),
    ...section(10, vector([[...uleb(body.length), ...body]])),
  ]);
}

/**
 * The part of the WebAssembly JavaScript API used here: the project compiles without the DOM lib, which
 * is where TypeScript declares it (Node provides it at run time).
 */
declare const WebAssembly: {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { readonly exports: Record<string, unknown> };
};

interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/** True when this JavaScript engine accepts the kernel module (WebAssembly with SIMD). */
export function simdSupported(): boolean {
  try {
    return typeof WebAssembly !== 'undefined' && WebAssembly.validate(kernelModuleBytes());
  } catch {
    return false;
  }
}

type KernelFn = (pa: number, pb: number, c: number, rowPanels: number, colStart: number, colEnd: number, k: number, ldc: number) => void;

/** The instantiated kernel with its memory; `undefined` where WebAssembly SIMD is unavailable. */
export class SimdKernel {
  private constructor(
    private readonly memory: WasmMemory,
    private readonly kernel: KernelFn,
  ) {}

  private static instance: SimdKernel | null | undefined;

  static get(): SimdKernel | undefined {
    if (SimdKernel.instance === undefined) {
      SimdKernel.instance = null;
      try {
        if (simdSupported()) {
          const inst = new WebAssembly.Instance(new WebAssembly.Module(kernelModuleBytes()));
          SimdKernel.instance = new SimdKernel(inst.exports['memory'] as WasmMemory, inst.exports['kernel'] as KernelFn);
        }
      } catch {
        SimdKernel.instance = null;
      }
    }
    return SimdKernel.instance ?? undefined;
  }

  /**
   * Float64 views of at least `aLen`, `bLen` and `cLen` doubles in the kernel's memory (A, B, C in that
   * order), growing it when needed; `undefined` when the memory cannot grow that far.
   * NOTE: views from an earlier call are invalid after a later one (growing detaches the buffer).
   */
  buffers(aLen: number, bLen: number, cLen: number): { a: Float64Array; b: Float64Array; c: Float64Array } | undefined {
    const bytes = (aLen + bLen + cLen) * 8;
    const have = this.memory.buffer.byteLength;
    if (bytes > 2 ** 32 - 65536) return undefined;
    if (bytes > have) {
      try {
        this.memory.grow(Math.ceil((bytes - have) / 65536));
      } catch {
        return undefined;
      }
    }
    const buf = this.memory.buffer;
    return {
      a: new Float64Array(buf, 0, aLen),
      b: new Float64Array(buf, aLen * 8, bLen),
      c: new Float64Array(buf, (aLen + bLen) * 8, cLen),
    };
  }

  /**
   * C = A·B over the panels last placed by `buffers` (same lengths): `rowPanels` panels of A, column
   * panels [colStart, colEnd) of B, C row-major with `ldc` doubles per row.
   */
  multiply(aLen: number, bLen: number, rowPanels: number, colStart: number, colEnd: number, k: number, ldc: number): void {
    this.kernel(0, aLen * 8, (aLen + bLen) * 8, rowPanels, colStart, colEnd, k, ldc * 8);
  }
}
