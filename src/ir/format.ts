// Number formatting as C++'s default ostream prints it (`%g` with 6 significant digits), which is how
// MIGraphX prints float attributes, literal values and perf figures: 0.1, 1e-05, 9745.39, inf, nan.

export function formatG(x: number, precision = 6): string {
  if (Number.isNaN(x)) return x < 0 ? '-nan' : 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  // toExponential gives the correctly rounded mantissa; its exponent decides the style, as in %g.
  const [mant, e] = x.toExponential(precision - 1).split('e') as [string, string];
  const X = Number(e);
  if (X < -4 || X >= precision) {
    const m = stripZeros(mant);
    const sign = X < 0 ? '-' : '+';
    const digits = String(Math.abs(X)).padStart(2, '0');
    return `${m}e${sign}${digits}`;
  }
  return stripZeros(x.toFixed(Math.max(0, precision - 1 - X)));
}

function stripZeros(s: string): string {
  if (!s.includes('.')) return s;
  s = s.replace(/0+$/, '');
  return s.endsWith('.') ? s.slice(0, -1) : s;
}

/** `{a, b, c}`: how MIGraphX prints vectors. */
export function formatList(values: readonly (number | string)[], fmt: (v: number) => string = String): string {
  return `{${values.map((v) => (typeof v === 'number' ? fmt(v) : v)).join(', ')}}`;
}
