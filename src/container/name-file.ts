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
