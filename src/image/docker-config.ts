// An image as Docker's image config describes it (what `load` and `pull` receive): the config
// fields mydocker uses, and a history line per layer.
import { canonicalConfig, type HistoryEntry, type ImageConfig, type ImageRecord, type ImageStore } from './store.js';

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
  // The fields mydocker knows, in its one order (the same config is the same image ID).
  const imageConfig = canonicalConfig(config.config ?? {});
  return images.writeImage({
    layers: layers.map((l) => l.digest),
    config: imageConfig,
    size: layers.reduce((sum, l) => sum + l.size, 0),
    history: historyOf(config, layers, madeBy),
    refs,
  });
}

/**
 * Docker's history also lists steps that made no layer (ENV, CMD), marked empty_layer: kept as
 * such when the others match the layers one for one, else a line per layer.
 */
function historyOf(config: DockerImageConfig, layers: Array<{ size: number }>, madeBy: string): HistoryEntry[] {
  const created = config.created ?? new Date().toISOString();
  const history = config.history ?? [];
  const steps = history.filter((h) => !h.empty_layer);
  if (steps.length === layers.length && history.length > steps.length) {
    let layer = 0;
    return history.map((h) => {
      const entry = { created: h.created ?? created, createdBy: h.created_by ?? madeBy, size: h.empty_layer ? 0 : layers[layer]!.size };
      if (h.empty_layer) return { ...entry, emptyLayer: true };
      layer++;
      return entry;
    });
  }
  return layers.map((l, i) => ({ created: steps[i]?.created ?? created, createdBy: steps[i]?.created_by ?? madeBy, size: l.size }));
}
