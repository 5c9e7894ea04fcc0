// The accuracy metrics against hand-computed values on small tensors (reference/quantization.md §5.1),
// and the evaluation inputs' seeds against the generator's arithmetic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareValues, ErrorAccumulator } from '../../src/accuracy/metrics.js';
import { EVALUATION_OFFSET, EVALUATION_STRIDE, evaluationInputs, evaluationSeed, MAX_EVALUATION_SAMPLES } from '../../src/accuracy/evaluation-inputs.js';
import { randomInputs, seededRandom } from '../../src/inputs/random-inputs.js';
import { Program } from '../../src/ir/program.js';
import { Shape } from '../../src/ir/shape.js';

test('identical values: SQNR +∞, cosine 1, no error', () => {
  const m = compareValues([3, 4], [3, 4]);
  assert.equal(m.sqnrDb, Infinity);
  assert.equal(m.cosine, 1);
  assert.equal(m.maxAbs, 0);
  assert.equal(m.relL2, 0);
  assert.equal(m.refMaxAbs, 4);
});

test('x = [3, 4], x̂ = [3, 4.5]: SQNR 10·log10(25 / 0.25) = 20 dB, cosine 27 / (5·√29.25), max-abs 0.5', () => {
  const m = compareValues([3, 4], [3, 4.5]);
  assert.ok(Math.abs(m.sqnrDb - 20) < 1e-12, `${m.sqnrDb}`);
  assert.ok(Math.abs(m.cosine - 27 / (5 * Math.sqrt(29.25))) < 1e-15);
  assert.equal(m.maxAbs, 0.5);
  assert.ok(Math.abs(m.relL2 - 0.1) < 1e-15);
  assert.equal(m.elements, 2);
});

test('orthogonal vectors: cosine 0; x = [1, 0], x̂ = [0, 1] is 10·log10(1/2) ≈ −3.0103 dB', () => {
  const m = compareValues([1, 0], [0, 1]);
  assert.ok(Math.abs(m.sqnrDb - -3.010299956639812) < 1e-12);
  assert.equal(m.cosine, 0);
  assert.equal(m.maxAbs, 1);
});

test('all-zero reference: −∞ dB and cosine 0 when x̂ is not zero, +∞ and cosine 1 when it is', () => {
  const a = compareValues([0, 0], [0, 0.5]);
  assert.equal(a.sqnrDb, -Infinity);
  assert.equal(a.cosine, 0);
  assert.equal(a.relL2, Infinity);
  const b = compareValues([0, 0], [0, 0]);
  assert.equal(b.sqnrDb, Infinity);
  assert.equal(b.cosine, 1);
});

test('samples accumulate as one concatenated tensor', () => {
  const acc = new ErrorAccumulator();
  acc.add([1, 2], [1.1, 2]);
  acc.add([-3], [-2.5]);
  const split = acc.result();
  const whole = compareValues([1, 2, -3], [1.1, 2, -2.5]);
  assert.deepEqual(split, whole);
  // Σx² = 14, Σ(x − x̂)² = 0.01 + 0.25 = 0.26
  assert.ok(Math.abs(whole.sqnrDb - 10 * Math.log10(14 / 0.26)) < 1e-12);
  assert.ok(Math.abs(whole.maxAbs - 0.5) < 1e-15);
});

test('NaN and infinities are left out of the sums; mismatches are counted', () => {
  const m = compareValues([1, NaN, Infinity, 2, -Infinity], [1, NaN, 5, 2, -Infinity]);
  assert.equal(m.elements, 2);
  assert.equal(m.nonFinite, 1);
  assert.equal(m.sqnrDb, Infinity);
  assert.throws(() => compareValues([1], [1, 2]), /cannot compare 1 reference values with 2/);
});

test('evaluation seed i starts draw OFFSET + i·STRIDE of the calibration seed’s mulberry32 cycle', () => {
  // mulberry32's state after k draws from seed s is s + k·0x6d2b79f5: stepping k draws equals seeding there.
  const s = 12345;
  const stepped = seededRandom(s);
  for (let k = 0; k < 1000; k++) stepped();
  const direct = seededRandom(Number((BigInt(s) + 1000n * 0x6d2b79f5n) % 2n ** 32n));
  for (let k = 0; k < 5; k++) assert.equal(direct(), stepped());
  for (const [seed, i] of [[0, 0], [7, 3], [4294967295, MAX_EVALUATION_SAMPLES - 1]] as const) {
    const skip = BigInt(EVALUATION_OFFSET) + BigInt(i) * BigInt(EVALUATION_STRIDE);
    assert.equal(evaluationSeed(seed, i), Number((BigInt(seed) + skip * 0x6d2b79f5n) % 2n ** 32n));
  }
  assert.equal(MAX_EVALUATION_SAMPLES, 32);
  assert.throws(() => evaluationSeed(0, 32), /outside/);
});

test('evaluation inputs differ from the calibration inputs and from each other', () => {
  const m = new Program().mainModule();
  m.addParameter('x', new Shape('float_type', [64, 64]));
  const calibration = new Set(randomInputs(m, 0).get('x')!.toNumbers());
  const first = evaluationInputs(m, 0, 0).get('x')!.toNumbers();
  const second = evaluationInputs(m, 0, 1).get('x')!.toNumbers();
  // Overlapping stretches of one stream would repeat whole runs of values; not one value is shared.
  assert.equal(first.filter((v) => calibration.has(v)).length, 0);
  const firstSet = new Set(first);
  assert.equal(second.filter((v) => firstSet.has(v)).length, 0);
  assert.deepEqual(evaluationInputs(m, 0, 0).get('x')!.toNumbers(), first, 'reproducible');
});
