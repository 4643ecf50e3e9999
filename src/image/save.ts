// `save`: images as one tar archive in Docker's format, which `docker load` and `mydocker load` read:
//   manifest.json             [{"Config": "<id>.json", "RepoTags": ["busybox:latest"], "Layers": ["<diff id>/layer.tar", ...]}]
//   <id>.json                 the image config (config, rootfs.diff_ids, history), Docker's schema
//   <diff id>/layer.tar       each layer exactly as it was imported, so its sha256 is its diff id
//   repositories              the legacy {"busybox": {"latest": "<id>"}} map
// Layers are hard-linked into a staging directory and packed from there: nothing is copied.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { MydockerError } from '../errors.js';
import type { StateRoot } from '../state-root.js';
import type { ImageRecord, ImageStore } from './store.js';

const ARCH: Partial<Record<NodeJS.Architecture, string>> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

export interface SavedImage {
  image: ImageRecord;
  /** The names to save it under (what the user asked for, or all its names). */
  tags: string[];
}

/** Lays the archive's files out in `staging`; the caller packs and removes it. */
export function stageSave(images: ImageStore, saved: SavedImage[], staging: string): string[] {
  const manifest: Array<{ Config: string; RepoTags: string[]; Layers: string[] }> = [];
  const repositories: Record<string, Record<string, string>> = {};
  for (const { image, tags } of saved) {
    const config = dockerConfig(image);
    const configName = `${createHash('sha256').update(config).digest('hex')}.json`;
    fs.writeFileSync(path.join(staging, configName), config);
    const layers: string[] = [];
    for (const digest of image.layers) {
      const hex = digest.replace(/^sha256:/, '');
      const source = images.layerTar(digest);
      if (!fs.existsSync(source)) {
        throw new MydockerError(`layer ${hex.slice(0, 12)} of ${tags[0] ?? image.id} has no stored archive`, { hint: 'import or load the image again' });
      }
      fs.mkdirSync(path.join(staging, hex), { recursive: true });
      const target = path.join(staging, hex, 'layer.tar');
      if (!fs.existsSync(target)) fs.linkSync(source, target);
      layers.push(`${hex}/layer.tar`);
    }
    manifest.push({ Config: configName, RepoTags: tags, Layers: layers });
    for (const tag of tags) {
      const colon = tag.lastIndexOf(':');
      (repositories[tag.slice(0, colon)] ??= {})[tag.slice(colon + 1)] = configName.slice(0, -5);
    }
  }
  fs.writeFileSync(path.join(staging, 'manifest.json'), JSON.stringify(manifest));
  fs.writeFileSync(path.join(staging, 'repositories'), JSON.stringify(repositories));
  return fs.readdirSync(staging).sort();
}

/** Docker's image config for one of ours. */
export function dockerConfig(image: ImageRecord): string {
  return JSON.stringify({
    architecture: ARCH[process.arch] ?? process.arch,
    os: 'linux',
    created: image.created,
    config: image.config,
    rootfs: { type: 'layers', diff_ids: image.layers },
    history: (image.history ?? []).map((h) => ({ created: h.created, created_by: h.createdBy, ...(h.emptyLayer ? { empty_layer: true } : {}) })),
  });
}

export function saveStaging(root: StateRoot): string {
  fs.mkdirSync(root.tmp, { recursive: true, mode: 0o700 });
  return fs.mkdtempSync(path.join(root.tmp, 'save-'));
}
