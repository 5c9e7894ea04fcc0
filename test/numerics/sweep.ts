// Runs an encoder and the reference over many inputs and reports the mismatches (the first few in hex),
// so a failing sweep says which inputs broke instead of only how many.

import assert from 'node:assert/strict';

const hex = (v: number): string => '0x' + (v >>> 0).toString(16);

/** Asserts `actual(bits) === expected(bits)` for every input pattern. Returns how many were checked. */
export function assertSameCodes(
  label: string,
  inputs: ArrayLike<number>,
  actual: (bits: number) => number,
  expected: (bits: number) => number,
): number {
  const examples: string[] = [];
  let mismatches = 0;
  for (let i = 0; i < inputs.length; i++) {
    const bits = inputs[i]!;
    const got = actual(bits);
    const want = expected(bits);
    if (got !== want) {
      mismatches++;
      if (examples.length < 8) examples.push(`${hex(bits)}: got ${hex(got)}, want ${hex(want)}`);
    }
  }
  assert.equal(mismatches, 0, `${label}: ${mismatches} of ${inputs.length} differ\n  ${examples.join('\n  ')}`);
  return inputs.length;
}

/** Same value, treating NaN as equal to NaN and telling -0 from +0. */
export function sameValue(a: number, b: number): boolean {
  return Object.is(a, b);
}
