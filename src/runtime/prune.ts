// `system prune`: what nothing uses any more, as Docker's — stopped containers, user networks no
// container is attached to, dangling images (nameless and not under another image; with `all`,
// every image no container has), and with `volumes` anonymous volumes no container has. Each goes
// through the command that removes it one by one (`rm`, `network rm`, `rmi`, `volume rm`), with
// their checks: something a container started to use meanwhile is refused there and kept.
import { MydockerError } from '../errors.js';
import type { Runtime } from './runtime.js';

export interface PruneReport {
  containers: string[];
  networks: string[];
  /** "untagged: NAME" and "deleted: sha256:ID" lines, as Docker prints them. */
  images: string[];
  volumes: string[];
}

export async function systemPrune(rt: Runtime, options: { all?: boolean; volumes?: boolean }): Promise<PruneReport> {
  const report: PruneReport = { containers: await rt.prune(), networks: [], images: [], volumes: [] };
  for (const network of rt.listNetworks()) {
    if (network.isDefault || network.driver === 'host' || network.driver === 'null') continue;
    if (await kept(() => rt.removeNetwork(network.id))) continue;
    report.networks.push(network.name);
  }
  const used = new Set(rt.listContainers().map((c) => c.imageId));
  const seen = new Set<string>();
  for (;;) {
    // Listed again after each removal: removing an image may leave its parent dangling.
    const next = rt
      .listImages()
      .find((i) => !seen.has(`${i.id} ${i.repository}:${i.tag}`) && !used.has(i.id) && (options.all || i.repository === '<none>'));
    if (next === undefined) break;
    seen.add(`${next.id} ${next.repository}:${next.tag}`);
    const ref = next.repository === '<none>' ? next.id : `${next.repository}:${next.tag}`;
    let removed;
    try {
      removed = rt.removeImage(ref);
    } catch (error) {
      if (error instanceof MydockerError) continue;
      throw error;
    }
    report.images.push(...removed.untagged.map((n) => `untagged: ${n}`), ...[removed.deleted, ...removed.deletedParents].filter((d): d is string => d !== null).map((d) => `deleted: ${d}`));
  }
  if (options.volumes) {
    for (const volume of await rt.listVolumes()) {
      if (!volume.anonymous) continue;
      if (await kept(() => rt.removeVolume(volume.name))) continue;
      report.volumes.push(volume.name);
    }
  }
  return report;
}

/** Runs a removal; true when it was refused (in use) and the thing is kept. */
async function kept(remove: () => Promise<unknown>): Promise<boolean> {
  try {
    await remove();
    return false;
  } catch (error) {
    if (error instanceof MydockerError) return true;
    throw error;
  }
}
