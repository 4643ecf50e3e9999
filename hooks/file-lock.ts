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
const LOCK_UN = 8;

const queues = new Map<string, Promise<unknown>>();

export interface FileLockOptions {
  /**
   * When the lock file's directory does not exist: make it (the default), or run the body without
   * a lock (a container's directory that is gone means there is nothing left to serialize against).
   */
  missingDirectory?: 'create' | 'unlocked';
}

export async function withFileLock<T>(kernel: Pick<Kernel, 'flock'>, file: string, body: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const previous = queues.get(file) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  const tail = previous.then(() => mine);
  queues.set(file, tail);
  await previous;
  try {
    if (options.missingDirectory !== 'unlocked') fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    let fd: number;
    try {
      fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
    } catch (error) {
      if (options.missingDirectory === 'unlocked' && (error as NodeJS.ErrnoException).code === 'ENOENT') return await body();
      throw error;
    }
    try {
      kernel.flock(fd, LOCK_EX);
      return await body();
    } finally {
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
