// The image store's lock, <root>/images/lock. Every command that writes to the store or stages
// files for it (import, commit, load, pull, the busybox build, save) holds it *shared* for as long
// as it works; `system check` takes it *exclusive*, without waiting, before it judges staging
// directories and layers that no image has: while anybody holds it, a staging directory may be in
// use and a layer may be one whose image record is about to be written. A flock dies with its
// process, so a command killed at any instant leaves no stale lock, only the staging it had made.
// Library code, run by the image commands and by `system check`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Kernel } from '../../hooks/index.js';

const LOCK_SH = 1;
const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;

export type LockKernel = Pick<Kernel, 'flock'>;

/** The lock file of the store whose records are in `imagesDir`. */
export function imageLockFile(imagesDir: string): string {
  return path.join(imagesDir, 'lock');
}

/**
 * Takes the lock shared and returns its release. Never blocks the thread: a sweep holding it
 * exclusive may be this very process (a script's Runtime), which needs the thread to finish.
 */
export async function holdImageLock(kernel: LockKernel, imagesDir: string): Promise<() => void> {
  fs.mkdirSync(imagesDir, { recursive: true, mode: 0o700 });
  const fd = fs.openSync(imageLockFile(imagesDir), fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
  try {
    while (!tryFlock(kernel, fd, LOCK_SH)) await new Promise((resolve) => setTimeout(resolve, 20));
  } catch (error) {
    fs.closeSync(fd);
    throw error;
  }
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    try {
      kernel.flock(fd, LOCK_UN);
    } finally {
      fs.closeSync(fd);
    }
  };
}

/**
 * Runs `body` holding the lock exclusive if nobody holds it; null, without running it, when somebody
 * does, or when there is no store yet: every image command makes the store's directory and takes
 * the lock before it stages anything, so without one there is nothing of theirs to judge.
 */
export async function withImageLockIfIdle<T>(kernel: LockKernel, imagesDir: string, body: () => Promise<T>): Promise<T | null> {
  if (!fs.existsSync(imagesDir)) return null;
  const fd = fs.openSync(imageLockFile(imagesDir), fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
  try {
    if (!tryFlock(kernel, fd, LOCK_EX)) return null;
    try {
      return await body();
    } finally {
      kernel.flock(fd, LOCK_UN);
    }
  } finally {
    fs.closeSync(fd);
  }
}

function tryFlock(kernel: LockKernel, fd: number, operation: number): boolean {
  try {
    kernel.flock(fd, operation | LOCK_NB);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return false;
    throw error;
  }
}
