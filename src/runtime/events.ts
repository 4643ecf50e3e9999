// `events`: what happened to containers, as a log the runtime writes (a daemonless runtime has no
// daemon to ask): <root>/events.log, one JSON object per line in Docker's event shape, appended with
// O_APPEND (one write per event, so concurrent commands never interleave within a line). Kept to
// about 4 MB: past that the file moves to events.log.1 (the one before is dropped). Writing an event
// never fails a command: the event is lost, the container's own state is what counts.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface RuntimeEvent {
  Type: 'container';
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  /** Seconds and nanoseconds since the epoch, as Docker's `time` and `timeNano`. */
  time: number;
  timeNano: number;
}

const FILE = 'events.log';
const ROTATE_BYTES = 4 * 1024 * 1024;

export function eventFiles(rootDir: string): string[] {
  return [path.join(rootDir, `${FILE}.1`), path.join(rootDir, FILE)];
}

/** Appends one container event; attributes as Docker's (name, image, exitCode, signal, ...). */
export function recordEvent(rootDir: string, action: string, id: string, attributes: Record<string, string>, now = Date.now()): void {
  const event: RuntimeEvent = { Type: 'container', Action: action, Actor: { ID: id, Attributes: attributes }, time: Math.floor(now / 1000), timeNano: now * 1e6 };
  const file = path.join(rootDir, FILE);
  try {
    if ((fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0) > ROTATE_BYTES) fs.renameSync(file, `${file}.1`);
    const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o600);
    try {
      fs.writeSync(fd, `${JSON.stringify(event)}\n`);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // a full disk or a root being removed: the event is lost, nothing else
  }
}

/** Docker's attributes of a container event: its name and image (and labels, as Docker adds them). */
export function eventAttributes(record: { name: string; image: { ref: string }; labels?: Record<string, string> }, extra: Record<string, string> = {}): Record<string, string> {
  return { ...(record.labels ?? {}), image: record.image.ref, name: record.name, ...extra };
}

/** Docker's one-line form: "2026-12-01T21:40:00.123456789Z container start ID (image=busybox, name=web)". */
export function formatEvent(e: RuntimeEvent): string {
  // timeNano is past 2^53 (a double rounds its last digits): the milliseconds it was made from.
  const when = new Date(Math.round(e.timeNano / 1e6)).toISOString().replace(/Z$/, '000000Z');
  const attributes = Object.entries(e.Actor.Attributes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return `${when} ${e.Type} ${e.Action} ${e.Actor.ID}${attributes ? ` (${attributes})` : ''}`;
}

export interface EventQuery {
  /** Nanoseconds since the epoch (parseLogTime reads Docker's forms); absent: from now on. */
  since?: bigint;
  /** Stop there; absent: follow until the caller stops iterating. */
  until?: bigint;
  pollMs?: number;
}

/** The recorded events in [since, until), oldest first, then (without until) new ones as they come. */
export async function* readEvents(rootDir: string, query: EventQuery): AsyncGenerator<RuntimeEvent> {
  const nanos = (e: RuntimeEvent): bigint => BigInt(Math.round(e.timeNano / 1e6)) * 1_000_000n;
  const start = query.since ?? BigInt(Date.now()) * 1_000_000n;
  const inRange = (e: RuntimeEvent): boolean => nanos(e) >= start && (query.until === undefined || nanos(e) < query.until);
  const [older, current] = eventFiles(rootDir);
  let offset = 0;
  let partial = '';
  const readNew = (): RuntimeEvent[] => {
    let fd: number;
    try {
      fd = fs.openSync(current!, 'r');
    } catch {
      return [];
    }
    try {
      if (fs.fstatSync(fd).size < offset) offset = 0; // rotated meanwhile
      const chunks: Buffer[] = [];
      const buf = Buffer.alloc(65536);
      for (let n; (n = fs.readSync(fd, buf, 0, buf.length, offset)) > 0; offset += n) chunks.push(Buffer.from(buf.subarray(0, n)));
      const lines = (partial + Buffer.concat(chunks).toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      return lines.flatMap(parseEvent);
    } finally {
      fs.closeSync(fd);
    }
  };
  if (query.since !== undefined) {
    for (const line of readOr(older!).split('\n')) for (const e of parseEvent(line)) if (inRange(e)) yield e;
  }
  for (;;) {
    for (const e of readNew()) if (inRange(e)) yield e;
    if (query.until !== undefined && BigInt(Date.now()) * 1_000_000n >= query.until) return;
    await new Promise((resolve) => setTimeout(resolve, query.pollMs ?? 100));
  }
}

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function parseEvent(line: string): RuntimeEvent[] {
  if (line.trim() === '') return [];
  try {
    const e = JSON.parse(line) as RuntimeEvent;
    return typeof e.Action === 'string' && typeof e.timeNano === 'number' && typeof e.Actor?.ID === 'string' ? [e] : [];
  } catch {
    return []; // a line cut by a full disk: skipped
  }
}
