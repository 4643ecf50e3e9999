// An exclusive lock across processes (flock on a file) that async code can hold across awaits.
// flock conflicts between two descriptors of the *same* process too, and it blocks the main thread:
// a second holder inside this process would wait forever for the first, which can only finish on
// that very thread. So holders in one process queue on a promise first, and only the head of the
// queue takes the flock. A helper of hooks/, for plugins and the core alike (container, network and
// IPAM locks; the network plugin's endpoint list; the bridge driver's published ports).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Kernel } from './index.js';

const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;

const queues = new Map<string, Promise<unknown>>();

export interface FileLockOptions {
  /**
   * Unlinks the lock file before letting go of it when this returns true after the body (e.g. the
   * thing it protected is gone). Safe: a waiter that then gets the flock sees that its file is no
   * longer the one at the path, and opens the path again.
   */
  removeAfter?: () => boolean;
  /** Take the lock only if nobody holds it: otherwise resolve with `busy` without running the body. */
  tryOnly?: { busy: () => unknown };
}

export async function withFileLock<T>(kernel: Pick<Kernel, 'flock'>, file: string, body: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const previous = queues.get(file) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  const tail = previous.then(() => mine);
  queues.set(file, tail);
  await previous;
  try {
    const fd = lockFd(kernel, file, options.tryOnly !== undefined);
    if (fd === null) return options.tryOnly!.busy() as T;
    try {
      return await body();
    } finally {
      try {
        if (options.removeAfter?.()) fs.rmSync(file, { force: true });
      } catch {
        // A lock file left behind excludes nobody wrongly: the next holder unlinks it.
      }
      try {
        kernel.flock(fd, LOCK_UN);
      } finally {
        fs.closeSync(fd);
      }
    }
  } finally {
    release();
    if (queues.get(file) === tail) queues.delete(file);
  }
}

/**
 * Opens (creating) and flocks the file, until the flocked file is the one at the path: whoever held
 * it before may have unlinked it (removeAfter), and a lock on an unlinked file excludes nobody.
 * Null when `tryOnly` and someone holds it.
 */
function lockFd(kernel: Pick<Kernel, 'flock'>, file: string, tryOnly: boolean): number | null {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  for (;;) {
    const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
    try {
      kernel.flock(fd, LOCK_EX | (tryOnly ? LOCK_NB : 0));
    } catch (error) {
      fs.closeSync(fd);
      const code = (error as NodeJS.ErrnoException).code;
      if (tryOnly && (code === 'EAGAIN' || code === 'EWOULDBLOCK')) return null;
      throw error;
    }
    const atPath = fs.statSync(file, { throwIfNoEntry: false });
    if (atPath !== undefined && atPath.ino === fs.fstatSync(fd).ino) return fd;
    kernel.flock(fd, LOCK_UN);
    fs.closeSync(fd);
  }
}
