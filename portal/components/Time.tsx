'use client';
// A time as "3 min ago" / "in 2 h" with the exact UTC time on hover.
import { useEffect, useState } from 'react';

export function relative(iso: string, now: number): string {
  const ms = new Date(iso).getTime() - now;
  const abs = Math.abs(ms);
  const units: [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1000, 's'],
  ];
  for (const [size, unit] of units) {
    if (abs >= size || unit === 's') {
      const n = Math.round(abs / size);
      if (unit === 's' && n < 5) return 'just now';
      return ms < 0 ? `${n} ${unit} ago` : `in ${n} ${unit}`;
    }
  }
  return iso;
}

export function Time({ value }: { value: string | null | undefined }) {
  const [now, setNow] = useState<number | undefined>();
  useEffect(() => {
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 15_000);
    return () => clearInterval(timer);
  }, []);
  if (!value) return <span className="muted">—</span>;
  return (
    <time dateTime={value} title={value}>
      {now === undefined ? value.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : relative(value, now)}
    </time>
  );
}
