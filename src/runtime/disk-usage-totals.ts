// `system df`'s arithmetic, on facts already read from the store (disk-usage.ts reads them): each
// layer is counted once however many images share it, an image's shared size is what of it other
// images hold too, and what is reclaimable is what removing every unused thing would free. Pure.

export interface DfImageInput {
  id: string;
  repository: string;
  tag: string;
  created: string;
  layers: readonly string[];
  /** Containers (any state) made from it. */
  containers: number;
}

export interface DfContainerInput {
  id: string;
  name: string;
  image: string;
  command: readonly string[];
  created: string;
  status: string;
  running: boolean;
  /** Bytes in its writable layer (Docker's SizeRw). */
  sizeRw: number;
  /** Volumes it mounts. */
  volumes: number;
}

export interface DfVolumeInput {
  name: string;
  size: number;
  /** Containers (any state) that mount it. */
  links: number;
}

export interface DfCacheInput {
  id: string;
  /** The layers of the entry's image; empty when the entry or its image cannot be read. */
  layers: readonly string[];
  created: string;
}

export interface DfInput {
  images: readonly DfImageInput[];
  layerSizes: ReadonlyMap<string, number>;
  containers: readonly DfContainerInput[];
  volumes: readonly DfVolumeInput[];
  cache: readonly DfCacheInput[];
}

export type DfType = 'Images' | 'Containers' | 'Local Volumes' | 'Build Cache';

export interface DfRow {
  type: DfType;
  total: number;
  active: number;
  size: number;
  reclaimable: number;
}

export interface DfImage extends DfImageInput {
  size: number;
  sharedSize: number;
  uniqueSize: number;
}

export interface DfCacheEntry extends DfCacheInput {
  /** Bytes of its layers that no listed image holds (the rest is counted with the images). */
  size: number;
}

export interface DiskUsage {
  rows: DfRow[];
  images: DfImage[];
  containers: readonly DfContainerInput[];
  volumes: readonly DfVolumeInput[];
  cache: DfCacheEntry[];
}

export function diskUsageTotals(input: DfInput): DiskUsage {
  const sizeOf = (layer: string): number => input.layerSizes.get(layer) ?? 0;
  const sum = (layers: Iterable<string>): number => [...layers].reduce((total, l) => total + sizeOf(l), 0);

  // How many listed images hold each layer.
  const holders = new Map<string, number>();
  for (const image of input.images) for (const layer of new Set(image.layers)) holders.set(layer, (holders.get(layer) ?? 0) + 1);
  const images = input.images.map((image): DfImage => {
    const layers = new Set(image.layers);
    const size = sum(layers);
    const sharedSize = sum([...layers].filter((l) => (holders.get(l) ?? 0) > 1));
    return { ...image, size, sharedSize, uniqueSize: size - sharedSize };
  });
  const imageLayers = new Set(holders.keys());
  const usedLayers = new Set(input.images.filter((i) => i.containers > 0).flatMap((i) => i.layers));
  const imagesSize = sum(imageLayers);
  const imagesReclaimable = sum([...imageLayers].filter((l) => !usedLayers.has(l)));

  const containersSize = input.containers.reduce((total, c) => total + c.sizeRw, 0);
  const containersReclaimable = input.containers.filter((c) => !c.running).reduce((total, c) => total + c.sizeRw, 0);

  const volumesSize = input.volumes.reduce((total, v) => total + v.size, 0);
  const volumesReclaimable = input.volumes.filter((v) => v.links === 0).reduce((total, v) => total + v.size, 0);

  // A cache entry's own bytes: its layers no listed image holds, each counted once over all entries.
  const counted = new Set(imageLayers);
  const cache = input.cache.map((entry): DfCacheEntry => {
    const own = [...new Set(entry.layers)].filter((l) => !counted.has(l));
    for (const l of own) counted.add(l);
    return { ...entry, size: sum(own) };
  });
  const cacheSize = cache.reduce((total, c) => total + c.size, 0);

  return {
    rows: [
      { type: 'Images', total: images.length, active: images.filter((i) => i.containers > 0).length, size: imagesSize, reclaimable: imagesReclaimable },
      { type: 'Containers', total: input.containers.length, active: input.containers.filter((c) => c.running).length, size: containersSize, reclaimable: containersReclaimable },
      { type: 'Local Volumes', total: input.volumes.length, active: input.volumes.filter((v) => v.links > 0).length, size: volumesSize, reclaimable: volumesReclaimable },
      // The classic builder's cache is its intermediate images: nothing of it is ever in use.
      { type: 'Build Cache', total: cache.length, active: 0, size: cacheSize, reclaimable: cacheSize },
    ],
    images,
    containers: input.containers,
    volumes: input.volumes,
    cache,
  };
}

/** Docker's RECLAIMABLE cell: `1.2MB (50%)`, the percentage of the size (whole, rounded down); without a size, just the bytes. */
export function reclaimableText(row: DfRow, human: (bytes: number) => string): string {
  if (row.size <= 0) return human(row.reclaimable);
  return `${human(row.reclaimable)} (${Math.floor((row.reclaimable * 100) / row.size)}%)`;
}
