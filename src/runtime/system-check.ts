// `system check`: what of this state root belongs to nothing — remains of runs and removals killed
// half-way (a directory without a record, a name holding an ID that is no container, storage and its
// mounts, a renamed directory of an interrupted `rm`), mounts of containers that are not running,
// lock files of nothing, addresses the IPAM holds for no container, networks' directories without
// their record, port proxies whose container has ended (proxy-check.ts), and what image commands
// killed half-way left (check-images.ts) — one finding per
// object, and with `fix` their removal. Only what this root proves its own is touched: things under
// the root, and what the teardowns find by the IDs found there (cgroups named after the ID under this
// process's parent, the veth and iptables rules named and tagged after it). A container whose lock is
// held is at work (a run setting it up, an rm) and left alone; so is the image store while an image
// command (a build included) holds its lock. Build cache entries of no image and staging directories
// of builds killed half-way are found too.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REMOVING_PREFIX } from '../container/store.js';
import { tryContainerLock } from '../container/lock.js';
import { deriveStatus } from '../container/status.js';
import { shortId } from '../container/ids.js';
import type { ContainerRecord } from '../container/record.js';
import { NetworkStore } from '../network/store.js';
import { describe } from '../errors.js';
import type { ReleaseDeps } from './release.js';
import { removeRemains } from './remains.js';
import { imageFindings } from './check-images.js';
import { withImageLockIfIdle } from '../image/image-lock.js';
import { cacheEntries } from '../build/cache.js';
import { orphanStagings } from '../build/staging.js';

/** One orphaned object: its kind, what it is, where it is, and why it belongs to nothing. */
export interface Finding {
  readonly kind: string;
  readonly what: string;
  readonly where: string;
  readonly why: string;
  /** Removes it (what `--fix` runs). Findings of one container share one removal. */
  fix(): Promise<void>;
}

export interface CheckReport {
  /** One line per orphan (`findingLine`); with `fix`, those removed. */
  findings: string[];
  /** With `fix`: the orphans that could not be removed, and why. */
  failed: Array<{ finding: string; reason: string }>;
}

const ID = /^[0-9a-f]{64}$/;

/** "name victim: /root/names/victim (holds …)": kind, what, where, why. */
export function findingLine(f: Pick<Finding, 'kind' | 'what' | 'where' | 'why'>): string {
  return `${f.kind} ${f.what}: ${f.where} (${f.why})`;
}

/** Everything orphaned in the root; with `fix`, each is removed (a failure is reported, the others still go). */
export async function systemCheck(deps: ReleaseDeps, options: { fix: boolean }): Promise<CheckReport> {
  const report: CheckReport = { findings: [], failed: [] };
  for (const id of knownIds(deps)) await settle(await containerFindings(deps, id, options.fix), options.fix, report);
  await settle(nameFindings(deps), options.fix, report);
  await settle(await networkFindings(deps), options.fix, report);
  await settle(buildFindings(deps), options.fix, report);
  await settle((await import('./proxy-check.js')).proxyFindings(deps.root.dir), options.fix, report);
  // Looked at (and fixed) only while no image command works: its staging and its new layer, whose
  // record is about to be written, would look like a killed command's remains.
  await withImageLockIfIdle(deps.kernel, deps.root.images, async () => settle(imageFindings(deps.root), options.fix, report));
  return report;
}

/** Reports the findings, and with `fix` removes them one by one; a failure is kept with its finding. */
export async function settle(findings: Finding[], fix: boolean, report: CheckReport): Promise<void> {
  for (const finding of findings) {
    const line = findingLine(finding);
    if (!fix) {
      report.findings.push(line);
      continue;
    }
    try {
      await finding.fix();
      report.findings.push(line);
    } catch (error) {
      report.failed.push({ finding: line, reason: describe(error) });
    }
  }
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
    const remains = remainsOf(deps, id);
    if (remains.length === 0) {
      const lock = path.join(deps.root.dir, 'locks', id);
      const unlink = async (): Promise<void> => void (await tryContainerLock(deps.kernel, deps.root.dir, id, dir, async () => {}, undefined));
      return fs.existsSync(lock) ? [{ kind: 'lock', what: shortId(id), where: lock, why: 'no such container', fix: unlink }] : [];
    }
    // One removal for all of them: the teardowns find everything by the ID.
    let removal: Promise<void> | undefined;
    const remove = (): Promise<void> => (removal ??= (async () => void (await tryContainerLock(deps.kernel, deps.root.dir, id, dir, () => removeRemains(deps, id), false)))());
    return remains.map((r) => ({ ...r, why: `${r.why}; container ${shortId(id)} has no record: a run or rm killed half-way`, fix: remove }));
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

type Remain = Omit<Finding, 'fix'>;

/** What of the container `id` is there, one object each. */
function remainsOf(deps: ReleaseDeps, id: string): Remain[] {
  const remains: Remain[] = [];
  const short = shortId(id);
  if (fs.existsSync(deps.containers.dir(id))) remains.push({ kind: 'directory', what: short, where: deps.containers.dir(id), why: 'a container directory' });
  const removing = path.join(deps.root.tmp, `${REMOVING_PREFIX}${id}`);
  if (fs.existsSync(removing)) remains.push({ kind: 'directory', what: short, where: removing, why: 'a container directory being removed' });
  for (const { name } of deps.containers.names().filter((n) => n.id === id)) {
    remains.push({ kind: 'name', what: name, where: path.join(deps.root.names, name), why: `held for ${short}` });
  }
  for (const driver of deps.host.storageDriverNames()) {
    const storage = path.join(deps.root.storage(driver), id);
    if (!fs.existsSync(storage)) continue;
    remains.push({ kind: 'storage', what: short, where: storage, why: `the ${driver} driver's directory` });
    for (const mount of mountsUnder(storage)) remains.push({ kind: 'mount', what: short, where: mount, why: 'mounted' });
  }
  return remains;
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
      kind: 'mount',
      what: shortId(record.id),
      where: mount,
      why: `container ${record.name} is not running`,
      fix: async () => unmountAll(deps, mount),
    }));
}

/** Names holding something that is no container ID (an ID's name with no container is in its remains). */
function nameFindings(deps: ReleaseDeps): Finding[] {
  return deps.containers
    .names()
    .filter((n) => !ID.test(n.id))
    .map((n) => ({
      kind: 'name',
      what: n.name,
      where: path.join(deps.root.names, n.name),
      why: 'holds no container ID',
      fix: async () => fs.rmSync(path.join(deps.root.names, n.name), { force: true }),
    }));
}

/** Addresses held for IDs that are no container (not at work either), and network directories without their record. */
async function networkFindings(deps: ReleaseDeps): Promise<Finding[]> {
  const store = new NetworkStore(path.join(deps.root.dir, 'networks'));
  const findings: Finding[] = [];
  for (const entry of list(store.dir)) {
    if (ID.test(entry) && !fs.existsSync(path.join(store.dir, entry, 'network.json'))) {
      findings.push({
        kind: 'network directory',
        what: shortId(entry),
        where: path.join(store.dir, entry),
        why: 'no network record',
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
      findings.push({
        kind: 'address',
        what: address,
        where: `network ${network.name}`,
        why: `held for ${shortId(owner)}, which is no container`,
        fix: () => deps.host.networks.ipam.release(network, owner),
      });
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

export function list(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/** Build cache entries whose image is gone (or that cannot be read), staging of builds that died. */
function buildFindings(deps: ReleaseDeps): Finding[] {
  const findings: Finding[] = cacheEntries(deps.root.dir).flatMap(({ file, image }): Finding[] => {
    const fix = async (): Promise<void> => fs.rmSync(file, { force: true });
    const what = path.basename(file);
    if (image === null) return [{ kind: 'build cache entry', what, where: file, why: 'not a valid entry', fix }];
    if (fs.existsSync(path.join(deps.root.images, `${image.slice(7)}.json`))) return [];
    return [{ kind: 'build cache entry', what, where: file, why: `its image ${image.slice(7, 19)} is gone`, fix }];
  });
  for (const dir of orphanStagings(deps.root.tmp)) {
    findings.push({ kind: 'staging', what: path.basename(dir), where: dir, why: 'its build is no longer running', fix: async () => fs.rmSync(dir, { recursive: true, force: true }) });
  }
  return findings;
}
