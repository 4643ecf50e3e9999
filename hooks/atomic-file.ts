// Writes a file so that readers see either the old or the new content, never half of one:
// a temporary file in the same directory, renamed over the target. Every byte is written (a write
// on a nearly full disk may write only part of what it was given: the rest is written again, or the
// error thrown) and a failure leaves no temporary file. `durable` also fsyncs the file before the
// rename and its directory after it, for the files whose loss loses data (image records and names,
// the address maps, container names); container records are not fsync'd: after a host crash their
// status is derived from the process table anyway, and an fsync per write would cost every `run`
// several milliseconds of disk flushes. `untorn` fsyncs the file alone: after a host crash it is
// whole (the old content or the new, never an empty or half-written one), but the rename itself
// may be lost (the address maps: see src/network/ipam.ts). A helper of hooks/, for plugins and the
// core alike.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The calls the writer makes: node:fs, or a fake in tests (a disk that fills up half-way). */
export interface FileIo {
  openSync(file: string, flags: string | number, mode?: number): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  rmSync(file: string, options: { force: true }): void;
}

export interface AtomicWriteOptions {
  mode?: number;
  /** fsync the file before the rename and its directory after it. */
  durable?: boolean;
  /**
   * fsync the file before the rename only: a host crash leaves it whole, old or new, never torn;
   * the rename may be lost with it (the previous version then stays). Implied by `durable`.
   */
  untorn?: boolean;
  io?: FileIo;
}

/**
 * Writes all of `data` at the descriptor's position. write(2) may write fewer bytes than asked (a
 * disk that fills up, a signal): the rest is written again until all is, or the error is thrown.
 */
export function writeAll(fd: number, data: string | Uint8Array, io: Pick<FileIo, 'writeSync'> = fs): void {
  const buffer = typeof data === 'string' ? Buffer.from(data) : data;
  let offset = 0;
  while (offset < buffer.length) {
    const written = io.writeSync(fd, buffer, offset, buffer.length - offset);
    // A regular file never takes 0 bytes without an errno; were it to, looping would never end.
    if (written <= 0) throw Object.assign(new Error(`short write: ${offset} of ${buffer.length} bytes written`), { code: 'EIO' });
    offset += written;
  }
}

export function writeFileAtomic(file: string, content: string, options: AtomicWriteOptions | number = {}): void {
  const { mode = 0o644, durable = false, untorn = false, io = fs } = typeof options === 'number' ? { mode: options } : options;
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const fd = io.openSync(tmp, 'w', mode);
  try {
    try {
      writeAll(fd, content, io);
      if (durable || untorn) io.fsyncSync(fd);
    } finally {
      io.closeSync(fd);
    }
    io.renameSync(tmp, file);
  } catch (error) {
    io.rmSync(tmp, { force: true });
    throw error;
  }
  if (durable) syncDirectory(path.dirname(file), io);
}

export function writeJsonAtomic(file: string, value: unknown, options: AtomicWriteOptions = {}): void {
  writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`, options);
}

/** Makes a rename or a new name in `dir` survive a host crash. */
export function syncDirectory(dir: string, io: Pick<FileIo, 'openSync' | 'fsyncSync' | 'closeSync'> = fs): void {
  const fd = io.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
  try {
    io.fsyncSync(fd);
  } finally {
    io.closeSync(fd);
  }
}

/** Unvalidated: for files nobody but this process wrote. State files go through readStateFile (state-file.ts). */
export function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}
