// The exit status a detached container's shim wrote when its PID 1 ended: the code and when.
import * as fs from 'node:fs';
import type { ContainerRecord } from './record.js';

export function readExitFile(file: string): { code: number; at: string } | null {
  try {
    const code = Number(fs.readFileSync(file, 'utf8').trim());
    if (!Number.isInteger(code)) return null;
    return { code, at: fs.statSync(file).mtime.toISOString() };
  } catch {
    return null;
  }
}

/** Exit code and time: from the record, or from the shim's exit file before its cleanup ran. */
export function endOf(r: ContainerRecord): { exitCode: number | null; finishedAt: string | null } {
  if (r.state.exitCode === null && r.detached) {
    const exit = readExitFile(r.detached.exitFile);
    if (exit) return { exitCode: exit.code, finishedAt: exit.at };
  }
  return { exitCode: r.state.exitCode, finishedAt: r.state.finishedAt };
}
