// Writes a file so that readers see either the old or the new content, never half of one:
// a temporary file in the same directory, renamed over the target. No fsync: the state is for
// concurrent readers, and after a host crash the status is derived from the process table anyway;
// an fsync per write would cost every `run` several milliseconds of disk flushes. A helper of
// hooks/, for plugins and the core alike.
import * as fs from 'node:fs';

export function writeFileAtomic(file: string, content: string, mode = 0o644): void {
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const fd = fs.openSync(tmp, 'w', mode);
  try {
    fs.writeSync(fd, content);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(tmp, file);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  }
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

export function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}
