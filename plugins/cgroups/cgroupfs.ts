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

/**
 * The group directories from just below a hierarchy's root (`mount`) down to `dir`, `dir` last; just
 * `dir` when it is not below `mount`.
 */
export function levelsBelow(mount: string | undefined, dir: string): string[] {
  if (mount === undefined || !dir.startsWith(`${mount}/`)) return [dir];
  const parts = dir.slice(mount.length + 1).split('/').filter((p) => p !== '');
  return parts.map((_, i) => path.join(mount, ...parts.slice(0, i + 1)));
}

/** The levels above `dir` (below `mount`) that do not exist: those a create would make. */
export function missingLevels(mount: string | undefined, dir: string): string[] {
  return levelsBelow(mount, dir)
    .slice(0, -1)
    .filter((level) => !fs.existsSync(level));
}

/** mkdir of one group; false when it is there already (another container made it meanwhile). */
export function makeGroup(dir: string): boolean {
  try {
    fs.mkdirSync(dir);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new Error(`cannot create cgroup ${dir}: ${(error as NodeJS.ErrnoException).code ?? error}`, { cause: error });
  }
}

/**
 * Removes the groups of `levels` that are left empty, deepest first: those a container's create made
 * above its own groups (and mydocker's own parent). One that still holds another container's group,
 * or a process, stays (EBUSY, ENOTEMPTY); one already gone is fine.
 */
export function removeEmptyLevels(levels: readonly string[]): void {
  const deepestFirst = [...new Set(levels)].sort((a, b) => b.split('/').length - a.split('/').length);
  for (const dir of deepestFirst) {
    try {
      fs.rmdirSync(dir);
    } catch {
      // ENOTEMPTY or EBUSY: another container is there; ENOENT: already gone.
    }
  }
}
