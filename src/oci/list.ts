// What `state`, `list` and `ps` show of OCI containers: the state document (runtime-spec "State",
// the status derived now, paused included), the list as runc prints it, and a container's
// processes (host pids, from its cgroup).
import { isFrozen } from './freezer.js';
import { containerPids } from './signal.js';
import { stateDocument, type OciState } from './state.js';
import { statusNow, type OciContainer, type OciStore } from './store.js';

export function stateOf(container: OciContainer): OciState {
  return stateDocument(container, statusNow(container, () => isFrozen(container)), container.engine.rootfs);
}

export function listContainers(store: OciStore): OciState[] {
  return store.ids().flatMap((id) => {
    const container = store.read(id);
    return container === null ? [] : [stateOf(container)];
  });
}

export function formatList(states: readonly OciState[], format: 'table' | 'json', quiet: boolean): string {
  if (quiet) return states.map((s) => `${s.id}\n`).join('');
  if (format === 'json') return `${JSON.stringify(states.map((s) => ({ ...s, owner: 'root' })))}\n`;
  const rows = [['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'], ...states.map((s) => [s.id, String(s.pid), s.status, s.bundle, s.created, 'root'])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => `${r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]! + 3))).join('')}\n`).join('');
}

/** The container's processes: every pid of its cgroup, the first process first. */
export function processesOf(container: OciContainer): number[] {
  const pids = containerPids(container);
  const first = container.pid;
  return first !== null && pids.includes(first) ? [first, ...pids.filter((p) => p !== first)] : pids;
}

/**
 * `ps` (its options, -ef by default) of the host, cut down to these pids, as runc's table.
 * node:child_process (and node:net with it) is loaded here only: `state`, which shares this module,
 * runs no program.
 */
export async function psTable(pids: readonly number[], options: readonly string[]): Promise<string> {
  const { spawnSync } = await import('node:child_process');
  const result = spawnSync('ps', options.length > 0 ? [...options] : ['-ef'], { encoding: 'utf8' });
  const lines = (result.stdout ?? '').split('\n');
  const header = lines[0] ?? '';
  const pidColumn = header.trim().split(/\s+/).indexOf('PID');
  const wanted = new Set(pids.map(String));
  const rows = lines.slice(1).filter((line) => line.trim() !== '' && pidColumn >= 0 && wanted.has(line.trim().split(/\s+/)[pidColumn]!));
  return [header, ...rows].map((l) => `${l}\n`).join('');
}
