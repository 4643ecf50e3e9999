// Small file operations on cgroup filesystems, with errors that name the file and the value.
// Plain synchronous fs calls: each is well under a millisecond, and enterNamespace runs in a
// synchronous window anyway.
import * as fs from 'node:fs';
import * as path from 'node:path';

export function writeControl(dir: string, file: string, value: string | number): void {
  try {
    fs.writeFileSync(path.join(dir, file), String(value));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new Error(`cannot write ${value} to ${path.join(dir, file)}: ${code}`, { cause: error });
  }
}

export function readControl(dir: string, file: string): string | null {
  try {
    return fs.readFileSync(path.join(dir, file), 'utf8').trim();
  } catch {
    return null;
  }
}

/** Whether a group's cgroup.procs lists the process. */
export function isMember(dir: string, pid: number): boolean {
  return (readControl(dir, 'cgroup.procs') ?? '').split('\n').includes(String(pid));
}

/** "key value" lines (cpu.stat, memory.events, memory.oom_control) as a map. */
export function readKeyed(dir: string, file: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of (readControl(dir, file) ?? '').split('\n')) {
    const [key, value] = line.split(/\s+/);
    if (key && value !== undefined) out.set(key, Number(value));
  }
  return out;
}

export function exists(dir: string, file: string): boolean {
  return fs.existsSync(path.join(dir, file));
}

/**
 * rmdir that waits briefly for the last processes to be gone (EBUSY) and accepts ENOENT. Groups
 * made below it go first, deepest first: a privileged container (or a runtime or systemd inside
 * one) may have made its own, and the kernel refuses to remove a group that has children (EBUSY).
 * Its processes are gone with its PID 1, so those groups are empty.
 */
export function removeGroup(dir: string): void {
  for (const child of childGroups(dir)) removeGroup(child);
  for (let attempt = 0; ; attempt++) {
    try {
      fs.rmdirSync(dir);
      return;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || attempt >= 50) throw new Error(`cannot remove cgroup ${dir}: ${code}`, { cause: error });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20); // 20 ms, synchronously
    }
  }
}

/** The sub-directories of a group: its child groups (a cgroup filesystem has no other directories). */
function childGroups(dir: string): string[] {
  try {
    return fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => path.join(dir, entry.name));
  } catch {
    return []; // ENOENT: already removed
  }
}

/** Removes mydocker's parent group when no container is left in it; another run may be using it. */
export function removeParentIfEmpty(dir: string): void {
  try {
    fs.rmdirSync(dir);
  } catch {
    // ENOTEMPTY or EBUSY: other containers are there; ENOENT: already gone.
  }
}
