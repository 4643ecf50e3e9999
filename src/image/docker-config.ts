// An image as Docker's image config describes it (what `load` and `pull` receive): the config
// fields mydocker uses, and a history line per layer.
import type { ImageConfig, ImageRecord, ImageStore } from './store.js';

export interface DockerImageConfig {
  created?: string;
  config?: (ImageConfig & Record<string, unknown>) | null;
  rootfs?: { diff_ids?: string[] };
  history?: Array<{ created?: string; created_by?: string; empty_layer?: boolean }>;
}

/** Writes the image the config describes, over layers already in the store. */
export function writeDockerImage(
  images: ImageStore,
  config: DockerImageConfig,
  layers: Array<{ digest: string; size: number }>,
  refs: string[],
  madeBy: string,
): Promise<ImageRecord> {
  const c = config.config ?? {};
  const imageConfig: ImageConfig = {};
  for (const key of ['Env', 'Cmd', 'Entrypoint', 'WorkingDir', 'User'] as const) {
    if (c[key] !== undefined && c[key] !== null) (imageConfig as Record<string, unknown>)[key] = c[key];
  }
  // Docker's history also lists steps that made no layer (ENV, CMD): only the others match layers.
  const steps = (config.history ?? []).filter((h) => !h.empty_layer);
  const created = config.created ?? new Date().toISOString();
  return images.writeImage({
    layers: layers.map((l) => l.digest),
    config: imageConfig,
    size: layers.reduce((sum, l) => sum + l.size, 0),
    history: layers.map((l, i) => ({ created: steps[i]?.created ?? created, createdBy: steps[i]?.created_by ?? madeBy, size: l.size })),
    refs,
  });
}
