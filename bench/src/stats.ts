/** Latency figures in milliseconds, from every sample (not a histogram's buckets). */
export interface Latency {
  count: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles of the samples; all NaN when there are none. */
export function summarize(samples: readonly number[] | Float64Array): Latency {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  if (n === 0) return { count: 0, p50: NaN, p99: NaN, max: NaN, mean: NaN };
  const at = (p: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1))] ?? NaN;
  let sum = 0;
  for (const v of sorted) sum += v;
  return { count: n, p50: at(0.5), p99: at(0.99), max: sorted[n - 1] ?? NaN, mean: sum / n };
}

/** A growable list of numbers that does not box each one. */
export class Samples {
  private values = new Float64Array(1024);
  length = 0;
  push(v: number): void {
    if (this.length === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.length++] = v;
  }
  toArray(): Float64Array {
    return this.values.subarray(0, this.length);
  }
}
