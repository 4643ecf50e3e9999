// The runtime's image methods that move layers (import, commit, save, load, pull), behind the
// Runtime facade, which loads this module on their first call; tag, rmi and the list are the
// ImageStore's own, called by the facade directly.
import type { PushedBlob, PushResult } from '../image/push.js';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import type { ImageConfig, ImageRecord } from '../image/store.js';
import type { ProgressListener } from '../image/count-bytes.js';
import type { ContainerRecord } from '../container/record.js';
import { MydockerError } from '../errors.js';
import type { RuntimeInternals } from './internals.js';
import { stopPoint } from '../../hooks/stop-point.js';

export async function importImage(rt: RuntimeInternals, file: string, ref: string, config: ImageConfig, onProgress?: ProgressListener): Promise<ImageRecord> {
  const { isGzipFile } = await import('../image/gzip.js');
  const gzip = isGzipFile(file); // refuses a missing file, a directory, a device, in a sentence
  return rt.images.importTar(await fileInput(file, onProgress), gzip, ref, config, `import ${path.basename(file)}`);
}

/** A file as a stream, reporting progress against its size when asked to. */
async function fileInput(file: string, onProgress?: ProgressListener): Promise<Readable> {
  const stream = fs.createReadStream(file) as Readable;
  if (!onProgress) return stream;
  const { countingStream } = await import('../image/count-bytes.js');
  return stream.pipe(countingStream(fs.statSync(file).size, onProgress));
}

export async function commit(rt: RuntimeInternals, ref: string, imageRef: string | null): Promise<ImageRecord> {
  return rt.images.atWork(() => commitUnderLock(rt, ref, imageRef));
}

async function commitUnderLock(rt: RuntimeInternals, ref: string, imageRef: string | null): Promise<ImageRecord> {
  const record = rt.containers.resolve(ref);
  const { normalizeRef } = await import('../image/store.js');
  const target = imageRef === null ? null : normalizeRef(imageRef);
  const parent = rt.images.find(record.image.id);
  if (!parent) throw new MydockerError(`the image of container ${record.name} (${record.image.ref}) is gone`);
  const layer = await commitLayer(rt, record);
  const config: ImageConfig = {
    ...parent.config,
    Env: record.env.filter((e) => !e.startsWith('HOSTNAME=')),
    Cmd: record.command,
    Entrypoint: undefined,
    WorkingDir: record.workdir,
  };
  return rt.images.withNewLayer(layer, () => rt.images.addImage({ parent, layer, config, ref: target, createdBy: `commit ${record.name}: ${record.command.join(' ')}` }));
}

/**
 * The container's own layer (its changes to the image) as a new layer of the store, in Docker's
 * format: what `commit` and a build's RUN step stack on the image. The caller makes the image, or
 * removes the layer through withNewLayer when that fails.
 */
export async function commitLayer(rt: RuntimeInternals, record: ContainerRecord): Promise<{ digest: string; size: number; added: boolean }> {
  // The container's storage driver may be a plugin's: load the plugins it was created with.
  for (const file of record.plugins) if (fs.existsSync(file)) await rt.use(file);
  const deps = await rt.runDeps();
  const [{ storageContext }, { stageChanges }, { packLayer }] = await Promise.all([import('./release.js'), import('../image/stage-changes.js'), import('../image/pack-layer.js')]);
  const driver = deps.host.storageDriver(record.storageDriver);
  const changes = driver.changes(storageContext(deps, record, []));
  fs.mkdirSync(rt.root.tmp, { recursive: true, mode: 0o700 });
  const staging = fs.mkdtempSync(path.join(rt.root.tmp, 'commit-'));
  try {
    stopPoint('commit:staging-made');
    stageChanges(changes.dir, staging, rt.kernel, changes.whiteouts);
    stopPoint('commit:changes-staged');
    return await packLayer(rt.images, staging);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

export async function save(rt: RuntimeInternals, refs: string[]): Promise<NodeJS.ReadableStream> {
  const [{ stageSave, saveStaging }, tar, { normalizeRef }] = await Promise.all([import('../image/save.js'), import('tar'), import('../image/store.js')]);
  const saved = refs.map((ref) => {
    const image = rt.images.find(ref);
    if (!image) throw new MydockerError(`no such image: ${ref}`, { exitCode: 1 });
    const byId = image.id.replace(/^sha256:/, '').startsWith(ref.replace(/^sha256:/, ''));
    const tags = byId ? rt.images.list().filter((i) => i.id === image.id && i.repository !== '<none>').map((i) => `${i.repository}:${i.tag}`) : [normalizeRef(ref)];
    return { image, tags };
  });
  // Held until the stream is done: the staging is not a killed command's remains meanwhile.
  const release = await rt.images.holdLock();
  let staging: string | null = null;
  try {
    staging = saveStaging(rt.root);
    const entries = stageSave(rt.images, saved, staging);
    // Packed synchronously into memory-free chunks as read; the staging goes when it is done.
    const stream = tar.create({ cwd: staging, portable: true, sync: true }, entries);
    const done = (): void => {
      fs.rmSync(staging!, { recursive: true, force: true });
      release();
    };
    stream.on('end', done);
    stream.on('error', done);
    return stream as unknown as NodeJS.ReadableStream;
  } catch (error) {
    if (staging !== null) fs.rmSync(staging, { recursive: true, force: true });
    release();
    throw error;
  }
}

export async function load(rt: RuntimeInternals, input: Readable, gzip: boolean, onProgress?: ProgressListener): Promise<ImageRecord[]> {
  const { loadArchive } = await import('../image/load.js');
  if (onProgress) input = input.pipe((await import('../image/count-bytes.js')).countingStream(null, onProgress));
  return rt.images.atWork(async () => {
    fs.mkdirSync(rt.root.tmp, { recursive: true, mode: 0o700 });
    const staging = fs.mkdtempSync(path.join(rt.root.tmp, 'load-'));
    try {
      return await loadArchive(rt.images, input, gzip, staging);
    } finally {
      fs.rmSync(staging, { recursive: true, force: true });
    }
  });
}

/** `push`, under the image store's lock (shared): a `rmi` meanwhile must wait, not pull a layer from under it. */
export async function push(rt: RuntimeInternals, name: string, onLayer?: (blob: PushedBlob) => void): Promise<PushResult> {
  const { pushImage } = await import('../image/push.js');
  return rt.images.atWork(() => pushImage(rt.images, name, fetch, onLayer));
}

export async function pull(rt: RuntimeInternals, name: string, onProgress?: ProgressListener): Promise<ImageRecord> {
  const { pullImage } = await import('../image/pull.js');
  return rt.images.atWork(() => pullImage(rt.images, name, fetch, onProgress));
}
