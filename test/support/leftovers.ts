// For the crash tests (test/integration/crash-*.test.ts): every container ID a world has a trace of,
// and everything of the host that could be left of those containers (port proxies included) — what
// must be empty once `rm -f` (or `system check --fix`) has run after a mydocker process was killed
// at some step.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { containerTag, vethName } from '../../plugins/network/bridge/rules.js';
import { runningProxies } from '../../hooks/port-proxy.js';
import { waitFor, type World } from './world.js';

/** Container IDs this world has any trace of: directories, names, locks, removals under way. */
export function tracedIds(w: World): string[] {
  const ids = new Set<string>(w.containerIds());
  for (const name of w.list('names')) {
    try {
      ids.add(fs.readFileSync(path.join(w.root, 'names', name), 'utf8').trim());
    } catch {
      // gone meanwhile
    }
  }
  for (const lock of w.list('locks')) ids.add(lock);
  for (const entry of w.list('tmp')) if (entry.startsWith('removing-')) ids.add(entry.slice('removing-'.length));
  return [...ids].filter((id) => /^[0-9a-f]{64}$/.test(id));
}

/** Waits until no process names the world's root (a shim, its `mydocker cleanup`). */
export async function quiet(w: World): Promise<void> {
  await waitFor(() => !processesMentioning(w.root), 'the shims and cleanups of the world to end', 30_000);
}

/**
 * What is left of the containers `ids` (and of any container) in the world and on the host: files
 * under the root, mounts, cgroups, veths, iptables rules, addresses, and the system check's findings.
 */
export function leftovers(w: World, ids: string[]): string[] {
  const found: string[] = [];
  for (const dir of ['containers', 'names', 'locks']) for (const entry of w.list(dir)) found.push(`${dir}/${entry}`);
  for (const entry of w.list('tmp')) found.push(`tmp/${entry}`);
  for (const driver of w.list('storage')) for (const entry of w.list(`storage/${driver}`)) found.push(`storage/${driver}/${entry}`);
  found.push(...w.mounts().map((m) => `mount ${m}`));
  found.push(...w.cgroups().map((c) => `cgroup ${c}`));
  const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout;
  for (const id of ids) if (links.includes(` ${vethName(id)}@`) || links.includes(` ${vethName(id)}:`)) found.push(`link ${vethName(id)}`);
  const rules = spawnSync('iptables-save', [], { encoding: 'utf8' }).stdout.split('\n');
  for (const id of ids) found.push(...rules.filter((r) => r.includes(containerTag(id))).map((r) => `rule ${r}`));
  for (const network of w.list('networks').filter((n) => /^[0-9a-f]{64}$/.test(n))) {
    const ipam = path.join(w.root, 'networks', network, 'ipam.json');
    if (!fs.existsSync(ipam)) continue;
    const owners = (JSON.parse(fs.readFileSync(ipam, 'utf8')) as { owners: Record<string, string> }).owners;
    found.push(...Object.entries(owners).map(([address, owner]) => `address ${address} held by ${owner}`));
  }
  for (const { pid, owner } of runningProxies()) if (owner.root === w.root) found.push(`port proxy ${pid} of ${owner.container}`);
  found.push(...w.systemCheck().map((line) => `system check: ${line}`));
  return found;
}

function processesMentioning(text: string): boolean {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text) && !fs.readFileSync(`/proc/${entry}/stat`, 'utf8').includes(') Z')) return true;
    } catch {
      // gone meanwhile
    }
  }
  return false;
}
