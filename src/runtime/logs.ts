// Reads a detached container's log, as its shim writes it: one JSON object per line,
//   {"time":"2026-01-02T03:04:05.123456789Z","stream":"stdout","log":"text\n"}
// in the order the lines arrived, both streams in one file.
import * as fs from 'node:fs';
import { entryTime } from '../container/log-time.js';

export interface LogEntry {
  time: string;
  stream: 'stdout' | 'stderr';
  log: string;
}

/** What a caller of the runtime's `logs` may ask for. */
export type LogQuery = Pick<LogOptions, 'tail' | 'follow' | 'since' | 'until'>;

export interface LogOptions {
  /** Only the last N entries that exist when reading starts (of those within since/until). */
  tail?: number;
  /** Only entries at or after this time, and (until) before it: nanoseconds since the epoch. */
  since?: bigint;
  until?: bigint;
  /** Keep reading new entries until `running()` turns false. */
  follow?: boolean;
  running?: () => boolean;
  pollMs?: number;
}

export async function* readLog(file: string, options: LogOptions = {}): AsyncGenerator<LogEntry> {
  let offset = 0;
  let partial = '';
  const readNew = (): LogEntry[] => {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch {
      return [];
    }
    try {
      const chunks: Buffer[] = [];
      const buf = Buffer.alloc(65536);
      for (;;) {
        const n = fs.readSync(fd, buf, 0, buf.length, offset);
        if (n === 0) break;
        chunks.push(Buffer.from(buf.subarray(0, n)));
        offset += n;
      }
      const text = partial + Buffer.concat(chunks).toString('utf8');
      const lines = text.split('\n');
      partial = lines.pop() ?? ''; // a record the shim is still writing
      return lines.filter(Boolean).flatMap(parseEntry);
    } finally {
      fs.closeSync(fd);
    }
  };

  const { since, until } = options;
  const inRange = (e: LogEntry): boolean => {
    if (since === undefined && until === undefined) return true;
    const t = entryTime(e.time);
    return t !== null && (since === undefined || t >= since) && (until === undefined || t < until);
  };
  let first = readNew().filter(inRange);
  if (options.tail !== undefined) first = options.tail === 0 ? [] : first.slice(-options.tail);
  yield* first;
  if (!options.follow) return;
  const running = options.running ?? (() => false);
  for (;;) {
    const stillRunning = running();
    // Read after checking: whatever was written before the end is still shown.
    yield* readNew().filter(inRange);
    // Following ends at --until, as Docker's.
    if (!stillRunning || (until !== undefined && BigInt(Date.now()) * 1_000_000n >= until)) return;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 100));
  }
}

function parseEntry(line: string): LogEntry[] {
  try {
    const entry = JSON.parse(line) as LogEntry;
    return typeof entry.log === 'string' && (entry.stream === 'stdout' || entry.stream === 'stderr') ? [entry] : [];
  } catch {
    return []; // a damaged line (disk full) is skipped, not fatal
  }
}
