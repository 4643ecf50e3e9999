// Serializes commands on one container (rm, the end of a run, stop's bookkeeping) across processes:
// an exclusive flock on <container dir>/lock (through withFileLock, which also queues holders of one
// process). The directory may be removed by whoever held the lock before us, so every holder checks
// that the container still exists once it has the lock; if it is gone already, the body runs
// unlocked and sees that.
import * as path from 'node:path';
import type { Kernel } from '../../hooks/index.js';
import { withFileLock } from '../../hooks/file-lock.js';

export function withContainerLock<T>(kernel: Kernel, containerDir: string, body: () => Promise<T>): Promise<T> {
  return withFileLock(kernel, path.join(containerDir, 'lock'), body, { missingDirectory: 'unlocked' });
}
