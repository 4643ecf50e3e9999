// Reads a process's start time, to tell a live process from a recycled pid. A helper of hooks/:
// the core (containers' first processes) and plugins (the port proxy) alike.
import * as fs from 'node:fs';

/** Field 22 of /proc/<pid>/stat, or null if no live process has that pid (zombies count as dead). */
export function processStartTime(pid: number, procRoot = '/proc'): number | null {
  let stat: string;
  try {
    stat = fs.readFileSync(`${procRoot}/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return null;
  const value = Number(fields[19]);
  return Number.isFinite(value) ? value : null;
}

export function isSameProcessAlive(pid: number | null, startTime: number | null, procRoot = '/proc'): boolean {
  if (pid === null || startTime === null) return false;
  return processStartTime(pid, procRoot) === startTime;
}
