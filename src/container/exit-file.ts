// The exit status a detached container's shim wrote when its PID 1 ended: the code and when. The
// shim writes "<code>\n" atomically (shim/mydocker-shim.c); anything else (an empty file, say) is
// reported, never read as 0: an exit code that is not known is shown as none.
import * as fs from 'node:fs';
import { StateFileError, isStateFileError } from '../../hooks/state-file.js';
import type { ContainerRecord } from './record.js';

/** The code and the time the shim wrote it; null while there is no file; a bad one throws a StateFileError. */
export function readExitFile(file: string): { code: number; at: string } | null {
  let text: string;
  let stat: fs.Stats;
  try {
    text = fs.readFileSync(file, 'utf8');
    stat = fs.statSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const match = /^(\d{1,3})\n?$/.exec(text);
  if (!match || Number(match[1]) > 255) {
    throw new StateFileError(file, text === '' ? 'empty, it must hold an exit code' : 'it must hold an exit code (0-255)', 'the exit code of that run is not known');
  }
  return { code: Number(match[1]), at: stat.mtime.toISOString() };
}

/**
 * Exit code and time: from the record, or from the shim's exit file before its cleanup ran. An
 * exit file that cannot be read gives no code, and says why in `error` (inspect's State.Error).
 */
export function endOf(r: ContainerRecord): { exitCode: number | null; finishedAt: string | null; error?: string } {
  if (r.state.exitCode === null && r.detached) {
    try {
      const exit = readExitFile(r.detached.exitFile);
      if (exit) return { exitCode: exit.code, finishedAt: exit.at };
    } catch (error) {
      if (!isStateFileError(error)) throw error;
      return { exitCode: null, finishedAt: r.state.finishedAt, error: error.message };
    }
  }
  return { exitCode: r.state.exitCode, finishedAt: r.state.finishedAt };
}
