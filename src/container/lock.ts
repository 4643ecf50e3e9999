// Serializes commands on one container (rm, the end of a run, stop's bookkeeping) across processes:
// an exclusive flock on <container dir>/lock. The directory may be removed by whoever held the lock
// before us, so every holder checks that the container still exists once it has the lock.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Kernel } from '../../hooks/index.js';

const LOCK_EX = 2;
const LOCK_UN = 8;

export async function withContainerLock<T>(kernel: Kernel, containerDir: string, body: () => Promise<T>): Promise<T> {
  let fd: number;
  try {
    fd = fs.openSync(path.join(containerDir, 'lock'), fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
  } catch (error) {
    // The container was removed: nothing to serialize against, the body sees it is gone.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return body();
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
}
