// mydocker-proxy (shim/mydocker-proxy.c), the userland side of a container's published ports, as
// its command line names it: what the bridge driver starts it with, and how it and `system check`
// find a proxy again in the process table without any saved state (a run killed between spawning
// it and saving its PID). A helper of hooks/: the driver (plugins/) and the core both read it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PortMapping } from './network-driver.js';

export const PROXY_PROGRAM = 'mydocker-proxy';

/** Who a proxy serves, as its command line says. */
export interface ProxyOwner {
  /** The state root of the container. */
  readonly root: string;
  /** The container's full ID. */
  readonly container: string;
  /** Host PID of the container's first process, and its start time (clock ticks since boot). */
  readonly pid: number;
  readonly start: number;
}

/** The proxy's arguments: who it serves, then one listener per binding, forwarding to `address`. */
export function proxyArgs(owner: ProxyOwner, address: string, bindings: readonly PortMapping[]): string[] {
  return [
    '--root', owner.root,
    '--container', owner.container,
    '--pid', String(owner.pid),
    '--start', String(owner.start),
    ...bindings.map((b) => [b.protocol, b.hostIp, b.hostPort, address, b.containerPort].join(',')),
  ];
}

/** A proxy's owner read back from its /proc/PID/cmdline (NUL-separated), or null for any other process. */
export function proxyOwnerOf(cmdline: string): ProxyOwner | null {
  const argv = cmdline.split('\0');
  if (path.basename(argv[0] ?? '') !== PROXY_PROGRAM) return null;
  const value = (flag: string): string | undefined => {
    const at = argv.indexOf(flag);
    return at < 0 ? undefined : argv[at + 1];
  };
  const [root, container, pid, start] = [value('--root'), value('--container'), value('--pid'), value('--start')];
  if (root === undefined || container === undefined || !/^\d+$/.test(pid ?? '') || !/^\d+$/.test(start ?? '')) return null;
  return { root, container, pid: Number(pid), start: Number(start) };
}

/** Every running proxy: its PID and owner (a zombie, whose sockets are closed already, is not one). */
export function runningProxies(procRoot = '/proc'): Array<{ pid: number; owner: ProxyOwner }> {
  const found: Array<{ pid: number; owner: ProxyOwner }> = [];
  for (const entry of fs.readdirSync(procRoot)) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = fs.readFileSync(path.join(procRoot, entry, 'cmdline'), 'latin1');
    } catch {
      continue; // ended meanwhile
    }
    const owner = proxyOwnerOf(cmdline);
    if (owner !== null) found.push({ pid: Number(entry), owner });
  }
  return found;
}
