/** Formatting shared by the terminal and Slack: every count has separators, every duration a unit. */

const counts = new Intl.NumberFormat('en-US');

export function formatCount(n: number): string {
  return counts.format(n);
}

export function formatPercent(done: number, total: number): string {
  const ratio = total > 0 ? Math.min(done / total, 1) : 1;
  return `${(ratio * 100).toFixed(1)}%`;
}

/** 850 ms, 4.2 s, 3 min 12 s, 1 h 05 min. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))} ms`;
  const seconds = ms / 1_000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes} min ${String(whole % 60).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** An age given in whole units, as typed: 7 d, 6 h, 30 min, 90 s. */
export function formatAge(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['min', 60_000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size} ${unit}`;
  }
  return `${Math.round(ms / 1_000)} s`;
}

/** 512 kB, 3.4 MB, 1.2 GB (powers of 1,024, as PostgreSQL's pg_size_pretty). */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1_024 && unit < units.length - 1) {
    value /= 1_024;
    unit += 1;
  }
  return unit === 0 ? `${Math.round(value)} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatRate(rowsPerSecond: number): string {
  return `${formatCount(Math.round(rowsPerSecond))} rows/s`;
}

/** `2026-11-28 17:42:06 UTC`: unambiguous at 3 a.m. in any time zone. */
export function formatTimestamp(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
