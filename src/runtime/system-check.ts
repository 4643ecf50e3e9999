// `system check`: what of this state root belongs to no container — remains of runs and removals
// killed half-way (a directory without a record, a name holding an ID that is no container, mounts
// under the root, a renamed directory of an interrupted `rm`), lock files of nothing, addresses the
// IPAM holds for no container, networks' directories without their record, build cache entries of
// no image and staging directories of builds killed half-way — and, with `fix`, their
// removal. Only what this root proves its own is touched: things under the root, and what the
// teardowns find by the IDs found there (cgroups named after the ID under this process's parent, the
// veth and iptables rules named and tagged after it). A container whose lock is held is at work (a
// run setting it up, an rm) and left alone.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REMOVING_PREFIX } from '../container/store.js';
import { tryContainerLock } from '../container/lock.js';
import { deriveStatus } from '../container/status.js';
import type { ContainerRecord } from '../container/record.js';
import { NetworkStore } from '../network/store.js';
import type { ReleaseDeps } from './release.js';
import { removeRemains } from './remains.js';
import { cacheEntries } from '../build/cache.js';
import { orphanStagings } from '../build/staging.js';

export interface Finding {
  /** One line: what it is, and why it is an orphan. */
  readonly what: string;
  /** Removes it (what `--fix` runs). */
  fix(): Promise<void>;
}

const ID = /^[0-9a-f]{64}$/;

/** Everything orphaned in the root; with `fix`, each is removed as it is found (failures are thrown together). */
export async function systemCheck(deps: ReleaseDeps, options: { fix: boolean }): Promise<string[]> {
  const findings: Finding[] = [];
  for (const id of knownIds(deps)) findings.push(...(await containerFindings(deps, id, options.fix)));
  findings.push(...nameFindings(deps));
  findings.push(...(await networkFindings(deps)));
  findings.push(...buildCacheFindings(deps));
  for (const dir of orphanStagings(deps.root.tmp)) findings.push({ what: `build staging ${dir}: its build is no longer running`, fix: async () => fs.rmSync(dir, { recursive: true, force: true }) });
  if (options.fix) for (const finding of findings) await finding.fix();
  return findings.map((f) => f.what);
}

/** Every container ID the root has a trace of: directories, names, locks, removals under way, storage. */
function knownIds(deps: ReleaseDeps): string[] {
  const ids = new Set<string>(deps.containers.ids());
  for (const { id } of deps.containers.names()) if (ID.test(id)) ids.add(id);
  for (const entry of list(path.join(deps.root.dir, 'locks'))) if (ID.test(entry)) ids.add(entry);
  for (const entry of list(deps.root.tmp)) if (entry.startsWith(REMOVING_PREFIX) && ID.test(entry.slice(REMOVING_PREFIX.length))) ids.add(entry.slice(REMOVING_PREFIX.length));
  for (const driver of deps.host.storageDriverNames()) for (const entry of list(deps.root.storage(driver))) if (ID.test(entry)) ids.add(entry);
  return [...ids].sort();
}

async function containerFindings(deps: ReleaseDeps, id: string, fix: boolean): Promise<Finding[]> {
  const dir = deps.containers.dir(id);
  // Looked at under the container's lock, if free: a run or rm holding it is at work, not an orphan.
  // The lock file of a container that is gone is unlinked on the way out only when fixing.
  const body = async (): Promise<Finding[]> => {
    const record = readRecord(deps, id);
    if (record !== null) return mountFindings(deps, record);
    const traces = traceList(deps, id);
    if (traces.length === 0) {
      const lock = path.join(deps.root.dir, 'locks', id);
      return fs.existsSync(lock) ? [{ what: `lock ${lock}: no such container`, fix: async () => void (await tryContainerLock(deps.kernel, deps.root.dir, id, dir, async () => {}, undefined)) }] : [];
    }
    return [
      {
        what: `container ${id.slice(0, 12)}: left without a record by a run or rm killed half-way (${traces.join(', ')})`,
        fix: async () => void (await tryContainerLock(deps.kernel, deps.root.dir, id, dir, () => removeRemains(deps, id), false)),
      },
    ];
  };
  if (fix) return tryContainerLock(deps.kernel, deps.root.dir, id, dir, body, []);
  // Report only: a lock file stays as it was (one made just to look is unlinked again).
  const { withFileLock } = await import('../../hooks/file-lock.js');
  const lock = path.join(deps.root.dir, 'locks', id);
  const existed = fs.existsSync(lock);
  return withFileLock(deps.kernel, lock, body, { tryOnly: { busy: () => [] }, removeAfter: () => !existed });
}

function readRecord(deps: ReleaseDeps, id: string): ContainerRecord | null {
  try {
    return deps.containers.load(id);
  } catch {
    return null;
  }
}

/** What of the container `id` is there, for the report. */
function traceList(deps: ReleaseDeps, id: string): string[] {
  const traces: string[] = [];
  if (fs.existsSync(deps.containers.dir(id))) traces.push(`directory ${deps.containers.dir(id)}`);
  const removing = path.join(deps.root.tmp, `${REMOVING_PREFIX}${id}`);
  if (fs.existsSync(removing)) traces.push(`directory ${removing}`);
  for (const { name } of deps.containers.names().filter((n) => n.id === id)) traces.push(`name ${name}`);
  for (const driver of deps.host.storageDriverNames()) {
    const storage = path.join(deps.root.storage(driver), id);
    if (!fs.existsSync(storage)) continue;
    traces.push(`storage ${storage}`);
    for (const mount of mountsUnder(storage)) traces.push(`mount ${mount}`);
  }
  return traces;
}

/**
 * A container whose end is recorded and released (its record says so) keeps nothing mounted on the
 * host. One that ended without its end recorded yet belongs to its shim's cleanup, or to `rm`.
 */
function mountFindings(deps: ReleaseDeps, record: ContainerRecord): Finding[] {
  if (deriveStatus(record) === 'running' || record.state.status !== 'exited' || record.rootfs !== null) return [];
  const storage = path.join(deps.root.storage(record.storageDriver), record.id);
  return mountsUnder(storage)
    .reverse()
    .map((mount) => ({
      what: `mount ${mount}: container ${record.name} is not running`,
      fix: async () => unmountAll(deps, mount),
    }));
}

/** Names holding something that is no container ID (an ID's name with no container is in its remains). */
function nameFindings(deps: ReleaseDeps): Finding[] {
  return deps.containers
    .names()
    .filter((n) => !ID.test(n.id))
    .map((n) => ({ what: `name ${n.name}: holds no container ID`, fix: async () => fs.rmSync(path.join(deps.root.names, n.name), { force: true }) }));
}

/** Addresses held for IDs that are no container (not at work either), and network directories without their record. */
async function networkFindings(deps: ReleaseDeps): Promise<Finding[]> {
  const store = new NetworkStore(path.join(deps.root.dir, 'networks'));
  const findings: Finding[] = [];
  for (const entry of list(store.dir)) {
    if (ID.test(entry) && !fs.existsSync(path.join(store.dir, entry, 'network.json'))) {
      findings.push({
        what: `network directory ${path.join(store.dir, entry)}: no network record`,
        fix: () => deps.host.networks.withLock(async () => {
          if (!fs.existsSync(path.join(store.dir, entry, 'network.json'))) store.delete(entry);
        }),
      });
    }
  }
  for (const network of deps.host.networks.all()) {
    for (const { address, owner } of await deps.host.networks.ipam.allocated(network)) {
      if (fs.existsSync(deps.containers.dir(owner))) continue;
      const idle = await tryContainerLock(deps.kernel, deps.root.dir, owner, deps.containers.dir(owner), async () => true, false);
      if (!idle) continue;
      findings.push({ what: `address ${address} of network ${network.name}: held by ${owner.slice(0, 12)}, which is no container`, fix: () => deps.host.networks.ipam.release(network, owner) });
    }
  }
  return findings;
}

/** Mount points at or below `dir`, from this process's mount table, in table order. */
export function mountsUnder(dir: string): string[] {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(' ')[4]!.replace(/\\(\d{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))))
    .filter((m) => m === dir || m.startsWith(`${dir}/`));
}

function unmountAll(deps: ReleaseDeps, mount: string): void {
  for (let i = 0; i < 16 && mountsUnder(mount).includes(mount); i++) deps.kernel.umount(mount, 2 /* MNT_DETACH */);
}

function list(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Build cache entries that lead nowhere: their image is gone (rmi removes its entries; a process
 * killed between the two leaves them), or the entry cannot be read. A build takes either for a miss.
 */
function buildCacheFindings(deps: ReleaseDeps): Finding[] {
  return cacheEntries(deps.root.dir).flatMap(({ file, image }) => {
    const fix = async (): Promise<void> => fs.rmSync(file, { force: true });
    if (image === null) return [{ what: `build cache entry ${file}: not a valid entry`, fix }];
    if (fs.existsSync(path.join(deps.root.images, `${image.slice(7)}.json`))) return [];
    return [{ what: `build cache entry ${file}: its image ${image.slice(7, 19)} is gone`, fix }];
  });
}
