// Images on disk. An image is a config plus an ordered list of layers; each layer is extracted once
// under its digest and shared read-only by every container of every image that has it.
//   <root>/images/repositories.json   {"busybox:latest": "sha256:<image id>"}
//   <root>/images/<id hex>.json       ImageRecord
//   <root>/layers/<digest hex>/diff   the layer's files
// tar (~40 ms to load) is loaded only by the commands that import.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { MydockerError } from '../errors.js';
import { writeJsonAtomic } from '../../hooks/atomic-file.js';
import { StateFileError, isStateFileError, readStateFile, readStateFileIfExists } from '../../hooks/state-file.js';
import { REPOSITORIES_HINT, imageHint, imageRecordCheck, repositoriesCheck } from './image-check.js';
import type { StateRoot } from '../state-root.js';
import type { WhiteoutKernel } from './extract-layer.js';
import type { LockKernel } from './image-lock.js';
import { stopPoint } from '../../hooks/stop-point.js';
import type { HealthConfig } from '../container/health.js';

export interface ImageConfig {
  Env?: string[];
  Cmd?: string[];
  Entrypoint?: string[];
  WorkingDir?: string;
  User?: string;
  Labels?: Record<string, string>;
  /** Docker's sets: {"80/tcp": {}}. */
  ExposedPorts?: Record<string, Record<string, never>>;
  Volumes?: Record<string, Record<string, never>>;
  StopSignal?: string;
  Shell?: string[];
  /** HEALTHCHECK, in Docker's form (durations in nanoseconds). */
  Healthcheck?: HealthConfig;
  /** ONBUILD: the instructions a build FROM this image runs first, as written. */
  OnBuild?: string[];
}

/** The config's keys in the one order every image is written in: the same config is the same ID, however it was made. */
export const CONFIG_KEYS = ['Env', 'Cmd', 'Entrypoint', 'WorkingDir', 'User', 'Labels', 'ExposedPorts', 'Volumes', 'StopSignal', 'Shell', 'Healthcheck', 'OnBuild'] as const;

export function canonicalConfig(config: Readonly<Record<string, unknown>>): ImageConfig {
  const out: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) if (config[key] !== undefined && config[key] !== null) out[key] = config[key];
  return out as ImageConfig;
}

export interface HistoryEntry {
  created: string;
  createdBy: string;
  size: number;
  /** A step that made no layer (ENV, CMD...), as Docker's history marks it. */
  emptyLayer?: boolean;
}

export interface ImageRecord {
  id: string;
  created: string;
  /** Bytes of file content in all layers. */
  size: number;
  /** Layer digests, bottom layer first. */
  layers: string[];
  config: ImageConfig;
  /** How each layer was made, bottom first (`history`); metadata steps of a build too, marked emptyLayer. */
  history?: HistoryEntry[];
  /** The image a build step started from (Docker's Parent): `rmi` removes nameless parents with the image. */
  parent?: string;
}

export interface RemovedImage {
  untagged: string[];
  /** The image ID, when the image itself was deleted (no tag and no container left on it). */
  deleted: string | null;
  /** Nameless parents (a build's intermediate images) deleted with it, as Docker's rmi does. */
  deletedParents: string[];
}

export interface ImageSummary {
  repository: string;
  tag: string;
  id: string;
  created: string;
  size: number;
  /** Why the image's record cannot be read ("<path>: not valid JSON"): created and size are unknown. */
  problem?: string;
}

/** Prefix of a layer being extracted in <root>/layers, renamed to its digest once complete. */
export const LAYER_STAGING_PREFIX = '.import-';

// [registry host[:port]/]path[:tag] — the host has a '.' or a port, or is "localhost".
const REF_PATTERN = /^(?:(?:[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+|localhost)(?::\d+)?\/|[a-zA-Z0-9-]+:\d+\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?$/;

/** Docker's limit for a repository name, registry host included. */
const MAX_NAME_LENGTH = 255;

/** "busybox" -> "busybox:latest"; refuses what Docker would refuse. */
export function normalizeRef(ref: string): string {
  const shown = JSON.stringify(ref.length <= 80 ? ref : `${ref.slice(0, 80)}…`);
  // Docker's own bound on the repository name (the tag's, 128, is in the pattern).
  const name = ref.slice(0, ref.lastIndexOf(':') > ref.lastIndexOf('/') ? ref.lastIndexOf(':') : undefined);
  if (name.length > MAX_NAME_LENGTH) throw new MydockerError(`invalid image reference ${shown}: its name is ${name.length} characters long, at most ${MAX_NAME_LENGTH} are allowed`);
  if (!REF_PATTERN.test(ref)) {
    throw new MydockerError(`invalid image reference ${shown}`, { hint: 'use lowercase [HOST[:PORT]/]NAME[:TAG]' });
  }
  // A ':' before the last '/' is a registry's port, not a tag.
  return ref.slice(ref.lastIndexOf('/') + 1).includes(':') ? ref : `${ref}:latest`;
}

export class ImageStore {
  /**
   * `kernel`: the calls that turn Docker's whiteouts into overlayfs's and take the store's lock
   * (loaded on use). Without it (unit tests) whiteouts cannot be made and nothing is locked.
   */
  constructor(
    private readonly root: StateRoot,
    private readonly kernel?: () => WhiteoutKernel & LockKernel,
  ) {}

  /**
   * Runs `body` holding the store's lock shared (image-lock.ts): the staging it makes and the layers
   * it adds are not taken for a killed command's remains by `system check` meanwhile.
   */
  async atWork<T>(body: () => Promise<T>): Promise<T> {
    const release = await this.holdLock();
    try {
      return await body();
    } finally {
      release();
    }
  }

  /** Takes the store's lock shared, for work that outlives a call (save's stream); returns its release. */
  async holdLock(): Promise<() => void> {
    if (!this.kernel) return () => {};
    const { holdImageLock } = await import('./image-lock.js');
    return holdImageLock(this.kernel(), this.root.images);
  }

  private get repositoriesFile(): string {
    return path.join(this.root.images, 'repositories.json');
  }

  /** Every name -> image ID; none before the first image. A file that is not such a map throws. */
  private repositories(): Record<string, string> {
    return readStateFileIfExists(this.repositoriesFile, repositoriesCheck, REPOSITORIES_HINT) ?? {};
  }

  private writeRepositories(repos: Record<string, string>): void {
    writeJsonAtomic(this.repositoriesFile, repos, { durable: true });
  }

  private imageFile(id: string): string {
    return path.join(this.root.images, `${id.slice(7)}.json`);
  }

  /** An image's record, null when there is none; one that cannot be used throws a StateFileError. */
  private readImage(id: string, ref: string): ImageRecord | null {
    const image = readStateFileIfExists(this.imageFile(id), imageRecordCheck, imageHint(ref));
    if (image && image.id !== id) throw new StateFileError(this.imageFile(id), `field id is ${image.id}, not the ID the file is named by`, imageHint(ref));
    return image;
  }

  /** The image ID a reference (name[:tag], or an ID prefix) names, or null: no record is read. */
  idOf(ref: string): string | null {
    const repos = this.repositories();
    if (/^(sha256:)?[0-9a-f]{4,64}$/.test(ref)) {
      const hex = ref.replace(/^sha256:/, '');
      // Named images first, then any record on disk (an image whose names were lost).
      const named = [...new Set(Object.values(repos))].filter((i) => i.slice(7).startsWith(hex));
      const matches = named.length > 0 ? named : this.imageIds().filter((i) => i.slice(7).startsWith(hex));
      if (matches.length === 1) return matches[0]!;
    }
    return repos[normalizeRef(ref)] ?? null;
  }

  private imageIds(): string[] {
    try {
      return fs.readdirSync(this.root.images).flatMap((f) => (/^[0-9a-f]{64}\.json$/.test(f) ? [`sha256:${f.slice(0, 64)}`] : []));
    } catch {
      return [];
    }
  }

  layerDir(digest: string): string {
    return path.join(this.root.layers, digest.replace(/^sha256:/, ''), 'diff');
  }

  /**
   * The image a reference (name[:tag], or an ID prefix) names, or null (also for a name whose
   * record is gone). A record that cannot be used throws a StateFileError naming it.
   */
  find(ref: string): ImageRecord | null {
    const id = this.idOf(ref);
    return id === null ? null : this.readImage(id, ref);
  }

  /**
   * Every image: each name, and as `<none>:<none>` each image without one (Docker's dangling
   * images: a commit without a name, an image whose names `rmi -f` took, an import killed before
   * its name was written), so that all can be seen and removed. One whose record cannot be read is
   * listed with its problem.
   */
  list(options: { all?: boolean } = {}): ImageSummary[] {
    const out: ImageSummary[] = [];
    const repositories = this.repositories();
    const named = new Set(Object.values(repositories));
    // A nameless image that another image was built on is a build's intermediate: listed with `all`.
    const parents = new Set<string>();
    const nameless: Array<{ id: string; image: ImageRecord }> = [];
    for (const id of this.imageIds()) {
      try {
        const image = this.readImage(id, id);
        if (image?.parent !== undefined) parents.add(image.parent);
        if (image && !named.has(id)) nameless.push({ id, image });
      } catch (error) {
        if (!isStateFileError(error)) throw error;
        if (!named.has(id)) out.push({ repository: '<none>', tag: '<none>', id, created: '', size: 0, problem: error.message });
      }
    }
    for (const { id, image } of nameless) {
      if (options.all || !parents.has(id)) out.push({ repository: '<none>', tag: '<none>', id, created: image.created, size: image.size });
    }
    for (const [ref, id] of Object.entries(repositories)) {
      const colon = ref.lastIndexOf(':');
      const names = { repository: ref.slice(0, colon), tag: ref.slice(colon + 1), id };
      try {
        const image = this.readImage(id, ref);
        if (image) out.push({ ...names, created: image.created, size: image.size });
      } catch (error) {
        if (!isStateFileError(error)) throw error;
        out.push({ ...names, created: '', size: 0, problem: error.message });
      }
    }
    return out.sort((a, b) => b.created.localeCompare(a.created));
  }

  /**
   * Imports a single-layer rootfs tarball (docker export style) as `ref`. The layer is extracted to
   * a temporary directory and only renamed into place once complete, so a failed import leaves
   * nothing behind.
   */
  async importTar(input: Readable, gzip: boolean, ref: string, config: ImageConfig, createdBy = 'import'): Promise<ImageRecord> {
    const fullRef = normalizeRef(ref);
    return this.atWork(async () => {
      const layer = await this.addLayer(input, gzip);
      return this.withNewLayer(layer, () => this.addImage({ parent: null, layer, config, ref: fullRef, createdBy }));
    });
  }

  /**
   * Makes the image of a layer just added, or, when that fails (a full disk), removes the layer
   * again if no image has it: a failed import or commit leaves nothing behind.
   */
  async withNewLayer<T>(layer: { digest: string; added: boolean }, makeImage: () => Promise<T>): Promise<T> {
    try {
      return await makeImage();
    } catch (error) {
      if (layer.added) this.removeUnusedLayers([layer.digest]);
      throw error;
    }
  }

  /**
   * A new image: `parent`'s layers (if any) with `layer` on top, named `ref` (or nameless). Its ID
   * is the digest of its layers and config, so the same content is the same image.
   */
  async addImage(options: { parent: ImageRecord | null; layer: { digest: string; size: number }; config: ImageConfig; ref: string | null; createdBy: string; linkParent?: boolean }): Promise<ImageRecord> {
    const { parent, layer } = options;
    const created = new Date().toISOString();
    return this.writeImage({
      layers: [...(parent?.layers ?? []), layer.digest],
      config: options.config,
      size: (parent?.size ?? 0) + layer.size,
      history: [...(parent?.history ?? []), { created, createdBy: options.createdBy, size: layer.size }],
      refs: options.ref === null ? [] : [options.ref],
      ...(options.linkParent && parent ? { parent: parent.id } : {}),
    });
  }

  /** A build's metadata step (ENV, CMD...): the parent's layers with another config, and a history line without a layer. */
  async addConfigImage(options: { parent: ImageRecord | null; config: ImageConfig; createdBy: string }): Promise<ImageRecord> {
    const { parent } = options;
    return this.writeImage({
      layers: parent?.layers ?? [],
      config: options.config,
      size: parent?.size ?? 0,
      history: [...(parent?.history ?? []), { created: new Date().toISOString(), createdBy: options.createdBy, size: 0, emptyLayer: true }],
      refs: [],
      ...(parent ? { parent: parent.id } : {}),
    });
  }

  /** Writes an image record (once: the same layers and config are the same image) and tags it. */
  async writeImage(image: { layers: string[]; config: ImageConfig; size: number; history: HistoryEntry[]; refs: string[]; parent?: string }): Promise<ImageRecord> {
    const { createHash } = await import('node:crypto'); // only image builds hash: not on run's path
    const body = { layers: image.layers, config: canonicalConfig(image.config as Record<string, unknown>) };
    const id = `sha256:${createHash('sha256').update(JSON.stringify(body)).digest('hex')}`;
    const record: ImageRecord = {
      id,
      created: image.history.at(-1)?.created ?? new Date().toISOString(),
      size: image.size,
      ...body,
      history: image.history,
      ...(image.parent !== undefined && image.parent !== id ? { parent: image.parent } : {}),
    };
    const imageFile = this.imageFile(id);
    fs.mkdirSync(this.root.images, { recursive: true, mode: 0o700 });
    // The same content is the same image: kept, unless its record was damaged (written anew).
    let existing: ImageRecord | null = null;
    try {
      existing = this.readImage(id, id);
    } catch (error) {
      if (!isStateFileError(error)) throw error;
    }
    if (!existing) writeJsonAtomic(imageFile, record, { durable: true });
    stopPoint('image:record-written');
    try {
      for (const ref of image.refs) this.tag(normalizeRef(ref), id);
      stopPoint('image:tagged');
    } catch (error) {
      // Not named, it would be an image nobody sees, holding its layers: gone again.
      if (!existing) fs.rmSync(imageFile, { force: true });
      throw error;
    }
    return existing ?? record;
  }

  /** The layer exactly as it was imported (uncompressed tar): what `save` ships. */
  layerTar(digest: string): string {
    return path.join(path.dirname(this.layerDir(digest)), 'layer.tar');
  }

  /** Whether the store holds this layer. */
  hasLayer(digest: string): boolean {
    return fs.existsSync(this.layerDir(digest));
  }

  /** Removes layers no image refers to any more (after a failed load). */
  removeUnusedLayers(digests: string[]): void {
    const used = this.layersInUse();
    if (used === null) return;
    for (const digest of digests) if (!used.has(digest)) fs.rmSync(path.dirname(this.layerDir(digest)), { recursive: true, force: true });
  }

  /** Extracts a layer tarball into the store under its digest (once: a known layer is kept). */
  async addLayer(input: Readable, gzip: boolean): Promise<{ digest: string; size: number; added: boolean }> {
    const { extractLayer } = await import('./extract-layer.js');
    fs.mkdirSync(this.root.layers, { recursive: true, mode: 0o700 });
    fs.mkdirSync(this.root.images, { recursive: true, mode: 0o700 });
    const staging = fs.mkdtempSync(path.join(this.root.layers, LAYER_STAGING_PREFIX));
    try {
      stopPoint('layer:staging-made');
      const layer = await extractLayer(input, gzip, path.join(staging, 'diff'), this.kernel, path.join(staging, 'layer.tar'));
      stopPoint('layer:extracted');
      const finalDir = path.dirname(this.layerDir(layer.digest));
      const added = !fs.existsSync(finalDir);
      if (added) fs.renameSync(staging, finalDir);
      else fs.rmSync(staging, { recursive: true, force: true });
      stopPoint('layer:in-place');
      return { digest: layer.digest, size: layer.size, added };
    } catch (error) {
      fs.rmSync(staging, { recursive: true, force: true });
      throw error;
    }
  }

  /** Gives the image `source` names another name (`tag`); an existing name moves to it. */
  tagImage(source: string, target: string): ImageRecord {
    const image = this.find(source);
    if (!image) throw new MydockerError(`no such image: ${source}`, { exitCode: 1 });
    this.tag(normalizeRef(target), image.id);
    return image;
  }

  /**
   * `rmi`: removes one name of an image; the image itself (and its layers that no other image
   * has) goes with its last name. `usedBy` are the containers made from it: they make a removal
   * fail, or with `force` keep the image (nameless) while the names go.
   */
  remove(ref: string, options: { force: boolean; usedBy: string[]; inUse?: (id: string) => boolean }): RemovedImage {
    const id = this.idOf(ref);
    // A record that cannot be read (or is gone) still goes by its names: the layers are kept then.
    let image: ImageRecord | null = null;
    let unreadable: StateFileError | null = null;
    try {
      image = id === null ? null : this.readImage(id, ref);
    } catch (error) {
      if (!isStateFileError(error)) throw error;
      unreadable = error;
    }
    const repos = this.repositories();
    const names = Object.keys(repos).filter((name) => repos[name] === id);
    if (id === null || (!image && !unreadable && names.length === 0)) throw new MydockerError(`no such image: ${ref}`, { exitCode: 1 });
    const byName = ref.includes(':') || /[^0-9a-f]/.test(ref.replace(/^sha256:/, '')) ? normalizeRef(ref) : null;
    // One name of several: only that name goes (Docker's "Untagged").
    if (byName !== null && names.includes(byName) && names.length > 1) {
      delete repos[byName];
      this.writeRepositories(repos);
      return { untagged: [byName], deleted: null, deletedParents: [] };
    }
    if (options.usedBy.length > 0 && !options.force) {
      throw new MydockerError(`unable to remove image ${ref}: container ${options.usedBy[0]} is using it`, {
        exitCode: 1,
        hint: 'remove the container first, or use rmi -f (the image stays, nameless, while containers use it)',
      });
    }
    for (const name of names) delete repos[name];
    this.writeRepositories(repos);
    if (options.usedBy.length > 0) return { untagged: names, deleted: null, deletedParents: [] };
    fs.rmSync(this.imageFile(id), { force: true });
    const deletedParents = this.removeNamelessParents(image, repos, options.inUse ?? (() => false));
    const stillUsed = this.layersInUse();
    for (const layer of image?.layers ?? []) {
      if (stillUsed !== null && !stillUsed.has(layer)) fs.rmSync(path.dirname(this.layerDir(layer)), { recursive: true, force: true });
    }
    return { untagged: names, deleted: id, deletedParents };
  }

  /**
   * A build leaves an image per step, each the parent of the next; the chain below a removed image
   * goes with it as long as each parent has no name, no other child and no container (Docker's
   * rmi). Their layers are a prefix of the removed image's, so its own layer sweep covers them.
   */
  private removeNamelessParents(image: ImageRecord | null, repos: Record<string, string>, inUse: (id: string) => boolean): string[] {
    const deleted: string[] = [];
    const named = new Set(Object.values(repos));
    let parentId = image?.parent;
    while (parentId !== undefined && !named.has(parentId) && !inUse(parentId)) {
      let parent: ImageRecord | null;
      try {
        parent = this.readImage(parentId, parentId);
      } catch {
        break; // unreadable: its layers and parent are not known; left to rmi by ID
      }
      if (!parent || this.hasChildren(parentId)) break;
      fs.rmSync(this.imageFile(parentId), { force: true });
      deleted.push(parentId);
      parentId = parent.parent;
    }
    return deleted;
  }

  private hasChildren(id: string): boolean {
    for (const other of this.imageIds()) {
      try {
        if (readStateFile(this.imageFile(other), imageRecordCheck).parent === id) return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        return true; // an unreadable record may be a child: keep the parent
      }
    }
    return false;
  }

  /**
   * The layers of every image, or null when some image's record cannot be read: its layers are not
   * known, so no layer may be taken for unused.
   */
  layersInUse(): Set<string> | null {
    const used = new Set<string>();
    for (const id of this.imageIds()) {
      try {
        for (const layer of readStateFile(this.imageFile(id), imageRecordCheck).layers) used.add(layer);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // removed meanwhile
        if (isStateFileError(error)) return null;
        throw error;
      }
    }
    return used;
  }

  private tag(ref: string, id: string): void {
    const repos = this.repositories();
    repos[ref] = id;
    this.writeRepositories(repos);
  }
}
