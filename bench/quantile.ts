// The benchmarks' one quantile: the value at floor(q·n) of the finite
// samples once sorted (no interpolation, so a p95 of 10 samples is the
// largest), NaN when there are none.

export function quantile(xs: number[], q: number): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
}
