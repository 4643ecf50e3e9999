// Go's durations (time.ParseDuration), as Docker's `--health-interval 30s` and HEALTHCHECK
// `--interval=1m30s` take them, in nanoseconds, and back into Go's form (`1m30s`) for messages. Pure.

const UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Nanoseconds of `300ms`, `1.5s`, `1h2m3s` or `0`; null when it is not a Go duration. */
export function parseDuration(text: string): number | null {
  const value = text.trim();
  if (value === '0' || value === '+0' || value === '-0') return 0;
  const sign = value.startsWith('-') ? -1 : 1;
  let rest = value.replace(/^[+-]/, '');
  if (rest === '') return null;
  let total = 0;
  while (rest !== '') {
    const match = /^(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/.exec(rest);
    if (!match) return null;
    total += Number(match[1]) * UNITS[match[2]!]!;
    rest = rest.slice(match[0].length);
  }
  return sign * Math.round(total);
}

/** Go's String() of a duration: `30s`, `1m30s`, `500ms`, `1h0m0s`, `0s`. */
export function formatDuration(ns: number): string {
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  const abs = Math.abs(ns);
  if (abs < 1e3) return `${sign}${abs}ns`;
  if (abs < 1e6) return `${sign}${trim(abs / 1e3)}µs`;
  if (abs < 1e9) return `${sign}${trim(abs / 1e6)}ms`;
  const hours = Math.floor(abs / 3600e9);
  const minutes = Math.floor((abs % 3600e9) / 60e9);
  const seconds = `${trim((abs % 60e9) / 1e9)}s`;
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}`;
  return `${sign}${seconds}`;
}

function trim(n: number): string {
  return String(Number(n.toFixed(9)));
}
