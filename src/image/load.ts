// `load`: images from an archive written by `docker save` (manifest.json, a config and a layer
// tarball per layer, whiteouts `.wh.NAME` and `.wh..wh..opq`) or from an OCI image layout
// (oci-layout, index.json, blobs/sha256/..., gzip layers). The archive is untrusted: it is unpacked
// by the same contained extractor as a layer, every path it names is resolved inside it, every OCI
// blob is checked against its digest, and every layer against the diff id its config declares.
// A failed load writes no image, and removes the layers it added.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { MydockerError } from '../errors.js';
import { extractLayer } from './extract-layer.js';
import { isGzipFile } from './gzip.js';
import { archivePathComponents, resolveInRoot } from './root-path.js';
import type { ImageRecord, ImageStore } from './store.js';
import { writeDockerImage, type DockerImageConfig } from './docker-config.js';

type DockerConfig = DockerImageConfig;

interface Descriptor {
  mediaType?: string;
  digest: string;
  annotations?: Record<string, string>;
  platform?: { os?: string; architecture?: string };
}

const OCI_ARCH: Partial<Record<NodeJS.Architecture, string>> = { x64: 'amd64', arm64: 'arm64' };

export async function loadArchive(images: ImageStore, input: Readable, gzip: boolean, staging: string): Promise<ImageRecord[]> {
  const archive = path.join(staging, 'archive');
  await extractLayer(input, gzip, archive);
  const added: string[] = [];
  try {
    if (fs.existsSync(path.join(archive, 'manifest.json'))) return await loadDocker(images, archive, added);
    if (fs.existsSync(path.join(archive, 'oci-layout')) && fs.existsSync(path.join(archive, 'index.json'))) return await loadOci(images, archive, added);
    throw new MydockerError('this archive is neither a `docker save` archive (manifest.json) nor an OCI image layout (oci-layout, index.json)');
  } catch (error) {
    images.removeUnusedLayers(added);
    throw error;
  }
}

async function loadDocker(images: ImageStore, archive: string, added: string[]): Promise<ImageRecord[]> {
  const manifest = readJsonIn<Array<{ Config: string; RepoTags?: string[] | null; Layers: string[] }>>(archive, 'manifest.json');
  if (!Array.isArray(manifest)) throw new MydockerError('manifest.json is not a list of images');
  const loaded: ImageRecord[] = [];
  for (const entry of manifest) {
    const config = readJsonIn<DockerConfig>(archive, entry.Config);
    const layers: Array<{ digest: string; size: number }> = [];
    for (const [i, layerPath] of entry.Layers.entries()) {
      const file = fileIn(archive, layerPath);
      layers.push(await addLayer(images, file, config.rootfs?.diff_ids?.[i], `layer ${i + 1} (${layerPath})`, added));
    }
    loaded.push(await writeDockerImage(images, config, layers, entry.RepoTags ?? [], 'load'));
  }
  return loaded;
}

async function loadOci(images: ImageStore, archive: string, added: string[]): Promise<ImageRecord[]> {
  const index = readJsonIn<{ manifests?: Descriptor[] }>(archive, 'index.json');
  const loaded: ImageRecord[] = [];
  for (const descriptor of index.manifests ?? []) {
    const manifest = await pickManifest(archive, descriptor);
    const config = JSON.parse(fs.readFileSync(await verifiedBlob(archive, manifest.config), 'utf8')) as DockerConfig;
    const layers: Array<{ digest: string; size: number }> = [];
    for (const [i, layer] of manifest.layers.entries()) {
      const file = await verifiedBlob(archive, layer);
      layers.push(await addLayer(images, file, config.rootfs?.diff_ids?.[i], `layer ${i + 1} (${layer.digest})`, added));
    }
    const annotations = descriptor.annotations ?? {};
    // containerd's annotation holds the whole name; OCI's ref.name often only a tag ("latest"),
    // which names nothing without its repository: such an image is loaded without a name.
    const refName = annotations['org.opencontainers.image.ref.name'];
    const name = annotations['io.containerd.image.name'] ?? (refName?.includes(':') ? refName : undefined);
    const refs = name === undefined ? [] : [name];
    loaded.push(await writeDockerImage(images, config, layers, refs, 'load'));
  }
  if (loaded.length === 0) throw new MydockerError('the OCI layout lists no image (index.json has no manifests)');
  return loaded;
}

/** An image manifest; an index inside is resolved to this machine's platform. */
async function pickManifest(archive: string, descriptor: Descriptor): Promise<{ config: Descriptor; layers: Descriptor[] }> {
  const doc = JSON.parse(fs.readFileSync(await verifiedBlob(archive, descriptor), 'utf8')) as { manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[] };
  if (doc.manifests) {
    const arch = OCI_ARCH[process.arch] ?? process.arch;
    const chosen = doc.manifests.find((m) => m.platform?.os === 'linux' && m.platform.architecture === arch);
    if (!chosen) throw new MydockerError(`the OCI index has no image for linux/${arch}`);
    return pickManifest(archive, chosen);
  }
  if (!doc.config || !Array.isArray(doc.layers)) throw new MydockerError(`blob ${descriptor.digest} is not an image manifest`);
  return { config: doc.config, layers: doc.layers };
}

/** The blob's file, after checking that its content has the digest that names it. */
async function verifiedBlob(archive: string, descriptor: Descriptor): Promise<string> {
  const match = /^sha256:([0-9a-f]{64})$/.exec(descriptor.digest ?? '');
  if (!match) throw new MydockerError(`unsupported blob digest "${descriptor.digest}"`, { hint: 'only sha256 is supported' });
  const file = fileIn(archive, `blobs/sha256/${match[1]}`);
  const hash = createHash('sha256');
  await pipeline(fs.createReadStream(file), hash);
  const actual = `sha256:${hash.digest('hex')}`;
  if (actual !== descriptor.digest) throw new MydockerError(`blob ${descriptor.digest} does not match its digest (it is ${actual})`, { hint: 'the archive is damaged or was tampered with' });
  return file;
}

async function addLayer(images: ImageStore, file: string, expected: string | undefined, what: string, added: string[]): Promise<{ digest: string; size: number }> {
  const layer = await images.addLayer(fs.createReadStream(file), isGzipFile(file));
  if (!added.includes(layer.digest)) added.push(layer.digest);
  if (expected !== undefined && expected !== layer.digest) {
    throw new MydockerError(`${what} does not match its diff id: the config says ${expected}, the layer is ${layer.digest}`, {
      hint: 'the archive is damaged or was tampered with',
    });
  }
  return layer;
}

/** A file the archive names, resolved inside the unpacked archive (never outside it). */
function fileIn(archive: string, name: string): string {
  const file = resolveInRoot(archive, archivePathComponents(name).join('/'));
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new MydockerError(`the archive names ${name}, which it does not contain`);
  return file;
}

function readJsonIn<T>(archive: string, name: string): T {
  try {
    return JSON.parse(fs.readFileSync(fileIn(archive, name), 'utf8')) as T;
  } catch (error) {
    if (error instanceof MydockerError) throw error;
    throw new MydockerError(`${name} in the archive is not valid JSON`);
  }
}
