// The exit status a detached container's shim wrote when its PID 1 ended: the code and when.
import * as fs from 'node:fs';

export function readExitFile(file: string): { code: number; at: string } | null {
  try {
    const code = Number(fs.readFileSync(file, 'utf8').trim());
    if (!Number.isInteger(code)) return null;
    return { code, at: fs.statSync(file).mtime.toISOString() };
  } catch {
    return null;
  }
}
