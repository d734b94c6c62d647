// Percentiles and units for printed figures.

export interface Summary {
  count: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles of `samples` (milliseconds or anything else). */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) return { count: 0, min: NaN, p50: NaN, p90: NaN, p99: NaN, max: NaN, mean: NaN };
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
  let total = 0;
  for (const value of sorted) total += value;
  return { count: sorted.length, min: sorted[0], p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[sorted.length - 1], mean: total / sorted.length };
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Milliseconds with a unit: µs below 1 ms, s above 10 s. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  if (abs < 1) return `${(value * 1000).toFixed(0)} µs`;
  if (abs >= 10_000) return `${(value / 1000).toFixed(2)} s`;
  return `${value.toFixed(abs < 10 ? 2 : 1)} ms`;
}

export function perSecond(count: number, elapsedMs: number, unit = 'tasks'): string {
  return `${Math.round((count * 1000) / elapsedMs).toLocaleString('en-US')} ${unit}/s`;
}

/** A latency row for console.table. */
export function latencyRow(samples: readonly number[]): Record<string, string | number> {
  const s = summarize(samples);
  return { calls: s.count, p50: ms(s.p50), p90: ms(s.p90), p99: ms(s.p99), max: ms(s.max) };
}

export function ratio(value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '–';
}
