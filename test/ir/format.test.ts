import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatG } from '../../src/ir/format.js';

test('formatG matches C++ default ostream output (6 significant digits, %g)', () => {
  const cases: [number, string][] = [
    [0.1026126, '0.102613'],
    [0.1026125, '0.102612'], // the double just below the tie: printf rounds the binary value,
    [9745.39123, '9745.39'],
    [1e-5, '1e-05'],
    [0.0001, '0.0001'],
    [1e6, '1e+06'],
    [123456, '123456'],
    [1234567, '1.23457e+06'],
    [0.125, '0.125'],
    [2, '2'],
    [-0.0568935, '-0.0568935'],
    [0, '0'],
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
    [NaN, 'nan'],
    [0.7978845608, '0.797885'],
  ];
  for (const [x, s] of cases) assert.equal(formatG(x), s, `formatG(${x})`);
});
