import { test } from 'node:test';
import assert from 'node:assert/strict';
import { floatToHalf } from '../../src/numerics/float16.js';
import { halvesOf } from '../../src/ref/values.js';
import { seededRandom } from './helpers.js';

// halvesOf is a faster path to the same bits as floatToHalf (itself checked against an independent
// reference in test/numerics): compare the two on values chosen to hit every branch.
test('halvesOf gives the bits of floatToHalf, doubles and floats, ties, subnormals, overflow, NaN', () => {
  const rnd = seededRandom(3);
  const values: number[] = [0, -0, NaN, -NaN, Infinity, -Infinity, 65504, 65519.99, 65520, 65536, 1e9, 2 ** -14, 2 ** -24, 2 ** -25, 2 ** -26, 6e-8, -6e-5];
  for (let i = 0; i < 20000; i++) {
    const e = Math.floor(rnd() * 44) - 28;
    values.push((rnd() * 2 - 1) * 2 ** e);
  }
  // Half ties (a half value plus half its ulp) and doubles a hair either side of them: where rounding to
  // float32 first would round twice.
  for (let i = 0; i < 4000; i++) {
    const h = 1 + Math.floor(rnd() * 1023) / 1024;
    const tie = (h + 2 ** -11) * 2 ** (Math.floor(rnd() * 28) - 14);
    values.push(tie, tie * (1 + 2 ** -40), tie * (1 - 2 ** -40), -tie);
  }
  // Subnormal ties and their neighbours, and values rounding up to the smallest normal.
  for (let i = 0; i < 2000; i++) {
    const tie = (Math.floor(rnd() * 1024) + 0.5) * 2 ** -24;
    values.push(tie, tie * (1 + 2 ** -30), tie * (1 - 2 ** -30), -tie);
  }
  values.push(2 ** -14 - 2 ** -26, 2 ** -14 - 2 ** -25, (1023 + 0.5) * 2 ** -24);
  const doubles = Float64Array.from(values);
  const fromDoubles = halvesOf(doubles);
  const floats = Float32Array.from(values);
  const fromFloats = halvesOf(floats);
  for (let i = 0; i < values.length; i++) {
    assert.equal(fromDoubles[i], floatToHalf(doubles[i]!), `double ${doubles[i]}`);
    assert.equal(fromFloats[i], floatToHalf(floats[i]!), `float ${floats[i]}`);
  }
});
