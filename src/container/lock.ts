// Serializes commands on one container (run and start while they set it up, rm, the end of a run)
// across processes: an exclusive flock on <root>/locks/<id> (through withFileLock, which also queues
// holders of one process). The lock lives outside the container's directory, so deleting that
// directory can never delete the lock with it (two `rm -f` would then both "hold" it). Whoever holds
// it last, when the container is gone, unlinks it; a waiter then finds its file unlinked and opens
// the path again (see withFileLock). Every holder reads the record again once it holds the lock.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Kernel } from '../../hooks/index.js';
import { withFileLock } from '../../hooks/file-lock.js';

export function containerLockFile(rootDir: string, id: string): string {
  return path.join(rootDir, 'locks', id);
}

/** `containerDir` says whether the container still exists once the body is done. */
export function withContainerLock<T>(kernel: Pick<Kernel, 'flock'>, rootDir: string, id: string, containerDir: string, body: () => Promise<T>): Promise<T> {
  return withFileLock(kernel, containerLockFile(rootDir, id), body, { removeAfter: () => !fs.existsSync(containerDir) });
}

/** Runs `body` under the container's lock if nobody holds it; otherwise returns `busy` (a run or rm at work). */
export function tryContainerLock<T>(kernel: Pick<Kernel, 'flock'>, rootDir: string, id: string, containerDir: string, body: () => Promise<T>, busy: T): Promise<T> {
  return withFileLock(kernel, containerLockFile(rootDir, id), body, { removeAfter: () => !fs.existsSync(containerDir), tryOnly: { busy: () => busy } });
}

/** withContainerLock for a store's container. */
export function lockContainer<T>(kernel: Pick<Kernel, 'flock'>, store: { rootDir: string; dir(id: string): string }, id: string, body: () => Promise<T>): Promise<T> {
  return withContainerLock(kernel, store.rootDir, id, store.dir(id), body);
}
