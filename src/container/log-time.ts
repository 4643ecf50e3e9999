// The times `logs --since/--until` accept, as Docker reads them: an RFC 3339 time (with or without
// seconds, fraction and zone; no zone is local time), a date alone, a Unix time in seconds (with a
// fraction), or a Go duration before now ("10m", "1h30m", "1.5s"). As nanoseconds since the epoch,
// because the log's times have nanoseconds.
import { MydockerError } from '../errors.js';

const NS_PER_MS = 1_000_000n;
const UNITS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

export function parseLogTime(text: string, flag: string, nowMs = Date.now()): bigint {
  const unix = /^(\d+)(?:\.(\d{1,9}))?$/.exec(text);
  if (unix) return BigInt(unix[1]!) * 1_000_000_000n + BigInt((unix[2] ?? '').padEnd(9, '0') || '0');
  const duration = goDuration(text);
  if (duration !== null) return BigInt(nowMs) * NS_PER_MS - duration;
  const time = /^(\d{4}-\d\d-\d\d)(?:[T ](\d\d:\d\d)(?::(\d\d)(?:\.(\d{1,9}))?)?)?(Z|[+-]\d\d:\d\d)?$/.exec(text);
  if (time) {
    const [, date, hm, seconds, fraction, zone] = time;
    const ms = Date.parse(`${date}T${hm ?? '00:00'}:${seconds ?? '00'}${zone ?? ''}`);
    if (!Number.isNaN(ms)) return BigInt(ms) * NS_PER_MS + BigInt((fraction ?? '').padEnd(9, '0') || '0');
  }
  throw new MydockerError(`invalid value for ${flag}: "${text}"`, { hint: 'a time (2026-01-02T15:04:05Z), a Unix time, or a duration before now (10m, 1h30m)' });
}

/** Go's time.ParseDuration, positive only; null when the text is not one. */
function goDuration(text: string): bigint | null {
  if (!/^(\d+(\.\d+)?(ns|us|\u00b5s|ms|s|m|h))+$/.test(text)) return null;
  let total = 0;
  for (const [, value, , unit] of text.matchAll(/(\d+(\.\d+)?)(ns|us|\u00b5s|ms|s|m|h)/g)) total += Number(value) * UNITS[unit!]!;
  return BigInt(Math.round(total));
}

/** A log entry's time ("2026-01-02T03:04:05.123456789Z") in nanoseconds; null when unreadable. */
export function entryTime(time: string): bigint | null {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(time);
  if (!match) return null;
  const ms = Date.parse(`${match[1]}Z`);
  return Number.isNaN(ms) ? null : BigInt(ms) * NS_PER_MS + BigInt((match[2] ?? '').padEnd(9, '0') || '0');
}
