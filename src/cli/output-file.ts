// `-o FILE` of save and export, written as Docker's CLI writes it: into a temporary file beside it,
// renamed over it only once complete. A failure (no such image, a full disk, ^C) leaves neither a
// half archive nor an empty file, and an unwritable place is refused before any work is done.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MydockerError, fileError } from '../errors.js';

export interface OutputFile {
  readonly stream: fs.WriteStream;
  /** Puts the finished file in place. */
  commit(): void;
  /** Removes what was written (harmless after commit). */
  abort(): void;
}

export function openOutput(file: string): OutputFile {
  if (fs.statSync(file, { throwIfNoEntry: false })?.isDirectory()) throw new MydockerError(`cannot write ${file}: it is a directory`);
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.mydocker-${process.pid}`);
  let fd: number;
  try {
    fd = fs.openSync(temporary, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o666);
  } catch (error) {
    throw fileError(error, 'write', file);
  }
  let done = false;
  const stream = fs.createWriteStream('', { fd });
  return {
    stream,
    commit: () => {
      try {
        fs.renameSync(temporary, file);
      } catch (error) {
        throw fileError(error, 'write', file);
      }
      done = true;
    },
    abort: () => {
      stream.destroy();
      if (!done) fs.rmSync(temporary, { force: true });
    },
  };
}
