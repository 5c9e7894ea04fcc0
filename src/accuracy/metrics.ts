// Error metrics of a quantized tensor x̂ against its float reference x (reference/quantization.md §5.1),
// accumulated over several samples as if they were one concatenated tensor (as ORT's qdq_loss_debug does):
//   SQNR = 10·log10(Σx² / Σ(x − x̂)²) dB      cosine = Σx·x̂ / √(Σx²·Σx̂²)      max-abs = max |x − x̂|
// Sums run in float64. Elements where either side is NaN or infinite are left out of the sums and
// counted apart (`nonFinite` counts those where the two sides differ). Not here: what is compared.

export interface ErrorMetrics {
  /** +Infinity when x̂ equals x; -Infinity when x is all zero and x̂ is not. */
  readonly sqnrDb: number;
  /** 1 when both are all zero, 0 when only one is. */
  readonly cosine: number;
  readonly maxAbs: number;
  /** max |x|, to read max-abs against. */
  readonly refMaxAbs: number;
  /** ‖x − x̂‖ / ‖x‖ = 10^(−SQNR/20). */
  readonly relL2: number;
  /** Finite element pairs compared. */
  readonly elements: number;
  /** Element pairs where a NaN or infinity appears on one side but not identically on the other. */
  readonly nonFinite: number;
}

export class ErrorAccumulator {
  private signal = 0;
  private noise = 0;
  private cross = 0;
  private test = 0;
  private maxAbs = 0;
  private refMax = 0;
  private count = 0;
  private bad = 0;

  /** Adds one sample (the same length on both sides). */
  add(ref: ArrayLike<number>, quantized: ArrayLike<number>): void {
    if (ref.length !== quantized.length) throw new Error(`cannot compare ${ref.length} reference values with ${quantized.length} quantized ones`);
    for (let i = 0; i < ref.length; i++) {
      const x = ref[i]!;
      const y = quantized[i]!;
      if (!Number.isFinite(x) || !Number.isFinite(y)) {
        if (!Object.is(x, y)) this.bad++;
        continue;
      }
      const d = x - y;
      this.signal += x * x;
      this.noise += d * d;
      this.cross += x * y;
      this.test += y * y;
      const a = d < 0 ? -d : d;
      if (a > this.maxAbs) this.maxAbs = a;
      const r = x < 0 ? -x : x;
      if (r > this.refMax) this.refMax = r;
      this.count++;
    }
  }

  result(): ErrorMetrics {
    const { signal, noise } = this;
    const sqnrDb = noise === 0 ? Infinity : signal === 0 ? -Infinity : 10 * Math.log10(signal / noise);
    let cosine: number;
    if (signal === 0 && this.test === 0) cosine = 1;
    else if (signal === 0 || this.test === 0) cosine = 0;
    else cosine = this.cross / Math.sqrt(signal * this.test);
    const relL2 = noise === 0 ? 0 : signal === 0 ? Infinity : Math.sqrt(noise / signal);
    return { sqnrDb, cosine, maxAbs: this.maxAbs, refMaxAbs: this.refMax, relL2, elements: this.count, nonFinite: this.bad };
  }
}

/** Metrics of one pair of arrays. */
export function compareValues(ref: ArrayLike<number>, quantized: ArrayLike<number>): ErrorMetrics {
  const acc = new ErrorAccumulator();
  acc.add(ref, quantized);
  return acc.result();
}
