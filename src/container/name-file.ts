// A container name's reservation: <root>/names/<name>, created exclusively, holding the ID of the
// container that has the name. Written whole and fsync'd (with its directory): a name whose file is
// lost could be given twice; a file left empty (a full disk) would block the name for good, so one
// that cannot be written completely is removed again.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { StateFileError } from '../../hooks/state-file.js';
import { syncDirectory, writeAll, type FileIo } from '../../hooks/atomic-file.js';

const ID = /^[0-9a-f]{64}$/;

type NameIo = Pick<FileIo, 'openSync' | 'writeSync' | 'fsyncSync' | 'closeSync' | 'rmSync'>;

/** Reserves the name for `id`; false when it is taken already. Nothing is left when it throws. */
export function reserveName(file: string, id: string, io: NameIo = fs): boolean {
  let fd: number;
  try {
    fd = io.openSync(file, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error; // nothing was created
  }
  try {
    try {
      writeAll(fd, id, io);
      io.fsyncSync(fd);
    } finally {
      io.closeSync(fd);
    }
    syncDirectory(path.dirname(file), io);
  } catch (error) {
    io.rmSync(file, { force: true }); // ours: created exclusively above
    throw error;
  }
  return true;
}

/** What reserveNameSyncingLater calls: reserveName's, with fsync through libuv's pool. */
export type LaterNameIo = Pick<FileIo, 'openSync' | 'writeSync' | 'closeSync' | 'rmSync'> & {
  fsync(fd: number, done: (error: NodeJS.ErrnoException | null) => void): void;
};

/**
 * reserveName without waiting for the disk: the ID is written whole now, then the file and its
 * directory are fsync'd on libuv's pool while the caller goes on; null when the name is taken.
 * The promise settles when both are on disk: `run` awaits it before the container's command
 * starts, so the name is as durable by then as reserveName makes it, and the two journal commits
 * (1-10 ms here) overlap the rootfs and the launch instead of preceding them. A failure rejects it
 * and leaves the file, which holds the container's ID: the caller's undo removes it with the rest.
 */
export function reserveNameSyncingLater(file: string, id: string, io: LaterNameIo = fs): Promise<void> | null {
  let fd: number;
  try {
    fd = io.openSync(file, 'wx', 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw error; // nothing was created
  }
  try {
    writeAll(fd, id, io);
  } catch (error) {
    io.closeSync(fd);
    io.rmSync(file, { force: true }); // ours: created exclusively above
    throw error;
  }
  const sync = (target: number): Promise<void> => new Promise((resolve, reject) => io.fsync(target, (error) => (error ? reject(error) : resolve())));
  return (async () => {
    try {
      await sync(fd);
    } finally {
      io.closeSync(fd);
    }
    const dir = io.openSync(path.dirname(file), fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    try {
      await sync(dir);
    } finally {
      io.closeSync(dir);
    }
  })();
}

/** The ID a name file holds, or null when there is no such file; a file that holds no ID is reported. */
export function readNameFile(file: string): string | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    // No such name (a name too long or with a "/" cannot be one either).
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENAMETOOLONG' || code === 'ENOTDIR') return null;
    throw error;
  }
  const id = text.trim();
  if (ID.test(id)) return id;
  throw new StateFileError(file, text === '' ? 'empty, it must hold a container ID' : 'it must hold a container ID (64 hex digits)', `if no container has the name ${path.basename(file)}, remove the file`);
}
