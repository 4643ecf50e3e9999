// A build's COPY and ADD: the files staged as a layer (copy.ts) over the parent image, packed and
// stacked on it as one new image. ADD of a local tar archive (plain, or gzip'd .tar.gz/.tgz)
// extracts it at the destination through the same contained extractor as `import`, keeping the
// archive's owners unless --chown; every other ADD source is copied as COPY would.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ImageRecord } from '../image/store.js';
import type { RuntimeInternals } from '../runtime/internals.js';
import { BuildError } from './build-error.js';
import { stageCopy, type Owner } from './copy.js';
import { LayeredTree } from './layered-tree.js';
import { DirectoryTree, type Source, type SourceTree } from './sources.js';
import { makeStaging } from './staging.js';
import { stopPoint } from '../../hooks/stop-point.js';

export interface CopyStep {
  keyword: 'COPY' | 'ADD';
  parent: ImageRecord | null;
  tree: SourceTree;
  sources: Source[];
  /** Absolute in the image; a trailing '/' kept. */
  dest: string;
  chown: string | null;
  chmod: string | null;
  createdBy: string;
}

export async function copyStep(rt: RuntimeInternals, step: CopyStep): Promise<ImageRecord> {
  const [{ packLayer }, { resolveUser }] = await Promise.all([import('../image/pack-layer.js'), import('../security/user.js')]);
  const kernel = rt.kernel;
  const image = new LayeredTree(
    (step.parent?.layers ?? []).map((l) => rt.images.layerDir(l)),
    (dir) => kernel.getxattr(dir, 'trusted.overlay.opaque') === 'y',
  );
  // --chown names are the image's users and groups, as RUN would see them.
  const owner: Owner | null = step.chown === null ? null : resolveUser(step.chown, (file) => image.readText(file));
  const mode = step.chmod === null ? undefined : parseMode(step.chmod);
  const staging = makeStaging(rt.root.tmp);
  try {
    const archives = step.keyword === 'ADD' ? step.sources.filter((s) => s.stat.isFile() && isArchive(step.tree.host(s.rel))) : [];
    const copied = step.sources.filter((s) => !archives.includes(s));
    if (copied.length > 0) stageCopy({ tree: step.tree, sources: copied, dest: step.dest, owner, mode }, image, staging, step.keyword);
    for (const archive of archives) await stageArchive(rt, step, archive, image, staging, owner);
    stopPoint('build:staged');
    const layer = await packLayer(rt.images, staging);
    return await rt.images.withNewLayer(layer, () => rt.images.addImage({ parent: step.parent, layer, config: step.parent?.config ?? {}, ref: null, createdBy: step.createdBy, linkParent: true }));
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

async function stageArchive(rt: RuntimeInternals, step: CopyStep, archive: Source, image: LayeredTree, staging: string, owner: Owner | null): Promise<void> {
  const { extractLayer } = await import('../image/extract-layer.js');
  const file = step.tree.host(archive.rel);
  const dir = makeStaging(rt.root.tmp);
  try {
    await extractLayer(fs.createReadStream(file), isGzip(file), path.join(dir, 'root'));
    const root = path.join(dir, 'root');
    const tree = new DirectoryTree(root);
    const dest = step.dest.endsWith('/') ? step.dest : `${step.dest}/`;
    stageCopy({ tree, sources: [{ rel: '', stat: fs.lstatSync(root) }], dest, owner, keepOwners: true }, image, staging, step.keyword);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function head(file: string, bytes: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    return buffer.subarray(0, fs.readSync(fd, buffer, 0, bytes, 0));
  } finally {
    fs.closeSync(fd);
  }
}

function isGzip(file: string): boolean {
  const magic = head(file, 2);
  return magic[0] === 0x1f && magic[1] === 0x8b;
}

/** A tar (its "ustar" magic), or a gzip'd one by its name. */
function isArchive(file: string): boolean {
  if (isGzip(file)) return /\.(tar\.gz|tgz)$/i.test(file);
  return head(file, 262).subarray(257, 262).toString('latin1') === 'ustar';
}

function parseMode(text: string): number {
  if (!/^[0-7]{3,4}$/.test(text)) throw new BuildError(`invalid --chmod "${text}": an octal mode such as 755`);
  return parseInt(text, 8);
}
