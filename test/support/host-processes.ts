// The host's process table as the containerd tests need it: each live process's parent, command
// line, working directory and cgroups, read from /proc in the test's own process. Zombies are left
// out: they hold nothing and vanish when their parent (often PID 1 here) reaps them.
import * as fs from 'node:fs';

export interface HostProcess {
  pid: number;
  ppid: number;
  /** The arguments, NUL-separated as in /proc/PID/cmdline. */
  cmdline: string;
  /** The working directory, or '' when it cannot be read. */
  cwd: string;
  /** The cgroup paths of the process, one per hierarchy line of /proc/PID/cgroup. */
  cgroups: string[];
}

export function hostProcesses(): HostProcess[] {
  const found: HostProcess[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may hold spaces and parentheses: the fields start after the last ')'.
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z' || state === 'X') continue;
      let cwd = '';
      try {
        cwd = fs.readlinkSync(`/proc/${entry}/cwd`);
      } catch {
        // a kernel thread, or gone meanwhile
      }
      found.push({
        pid: Number(entry),
        ppid: Number(ppid),
        cmdline: fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8'),
        cwd,
        cgroups: fs.readFileSync(`/proc/${entry}/cgroup`, 'utf8').split('\n').filter(Boolean).map((line) => line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1)),
      });
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** `roots` and every live descendant of them, from one reading of the process table. */
export function withDescendants(table: HostProcess[], roots: HostProcess[]): HostProcess[] {
  const chosen = new Map(roots.map((p) => [p.pid, p]));
  for (let grew = true; grew; ) {
    grew = false;
    for (const p of table) {
      if (!chosen.has(p.pid) && chosen.has(p.ppid)) {
        chosen.set(p.pid, p);
        grew = true;
      }
    }
  }
  return [...chosen.values()];
}

/** A readable line for a leftover process. */
export function describeProcess(p: HostProcess): string {
  return `process ${p.pid} (${p.cmdline.split('\0').filter(Boolean).join(' ').slice(0, 160)})`;
}
