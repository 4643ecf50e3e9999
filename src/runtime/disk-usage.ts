// `system df`: what the state root holds, read from the store — the images as `images` lists them
// (a build's intermediate images are the build cache's), each layer's files, every container's
// writable layer, every volume's files, the build cache's entries — then added up by
// disk-usage-totals.ts (shared layers counted once).
import { deriveStatus } from '../container/status.js';
import { isStateFileError } from '../../hooks/state-file.js';
import type { RuntimeInternals } from './internals.js';
import { dirBytes } from './dir-bytes.js';
import { diskUsageTotals, type DfCacheInput, type DfContainerInput, type DfImageInput, type DfVolumeInput, type DiskUsage } from './disk-usage-totals.js';

export async function diskUsage(rt: RuntimeInternals): Promise<DiskUsage> {
  const { records } = rt.containers.scan();
  const byImage = new Map<string, number>();
  for (const r of records) byImage.set(r.image.id, (byImage.get(r.image.id) ?? 0) + 1);

  const images: DfImageInput[] = [];
  const seen = new Set<string>();
  for (const summary of rt.images.list()) {
    if (summary.problem !== undefined || seen.has(summary.id)) continue;
    seen.add(summary.id);
    const layers = layersOf(rt, summary.id);
    images.push({ id: summary.id, repository: summary.repository, tag: summary.tag, created: summary.created, layers, containers: byImage.get(summary.id) ?? 0 });
  }

  const { cacheEntries } = await import('../build/cache.js');
  const fs = await import('node:fs');
  const path = await import('node:path');
  const cache: DfCacheInput[] = cacheEntries(rt.root.dir).map((entry) => ({
    id: path.basename(entry.file, '.json'),
    layers: entry.image === null ? [] : layersOf(rt, entry.image),
    created: fs.statSync(entry.file, { throwIfNoEntry: false })?.mtime.toISOString() ?? '',
  }));

  const layerSizes = new Map<string, number>();
  for (const layer of new Set([...images.flatMap((i) => i.layers), ...cache.flatMap((c) => c.layers)])) layerSizes.set(layer, dirBytes(rt.images.layerDir(layer)));

  const host = await rt.host();
  const volumes: DfVolumeInput[] = [];
  const volumesOf = new Map<string, number>();
  const { listVolumes } = await import('./volumes.js');
  for (const volume of await listVolumes(rt)) {
    const users = host.volumes.usedBy(host.volumes.driver(volume.driver), records, volume.name);
    for (const user of users) volumesOf.set(user, (volumesOf.get(user) ?? 0) + 1);
    volumes.push({ name: volume.name, size: dirBytes(volume.mountpoint), links: users.length });
  }

  const deps = await rt.runDeps();
  const { storageContext } = await import('./release.js');
  const containers = records.map((r): DfContainerInput => {
    const status = deriveStatus(r);
    return {
      id: r.id,
      name: r.name,
      image: r.image.ref,
      command: r.command,
      created: r.created,
      status,
      running: status === 'running',
      sizeRw: writableBytes(() => deps.host.storageDriver(r.storageDriver).changes(storageContext(deps, r, [])).dir),
      volumes: volumesOf.get(r.name) ?? volumesOf.get(r.id) ?? 0,
    };
  });
  return diskUsageTotals({ images, layerSizes, containers, volumes, cache });
}

/** An image's layers; none when its record cannot be read (it is then left out of the sums). */
function layersOf(rt: RuntimeInternals, id: string): string[] {
  try {
    return rt.images.find(id)?.layers ?? [];
  } catch (error) {
    if (isStateFileError(error)) return [];
    throw error;
  }
}

/** A container's writable layer, 0 when its driver no longer has one (removed half-way). */
function writableBytes(dir: () => string): number {
  try {
    return dirBytes(dir());
  } catch {
    return 0;
  }
}
