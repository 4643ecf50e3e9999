// A build's WORKDIR: the working directory of the config, and, when the image does not have the
// directory yet, a layer that makes it (root's, 0755, parents too), as Docker's builder does;
// otherwise only the config changes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ImageConfig, ImageRecord } from '../image/store.js';
import type { RuntimeInternals } from '../runtime/internals.js';
import { LayeredTree } from './layered-tree.js';
import { nopCreatedBy } from './metadata.js';
import { stageCopy } from './copy.js';
import { DirectoryTree } from './sources.js';
import { makeStaging } from './staging.js';

export async function workdirStep(rt: RuntimeInternals, parent: ImageRecord | null, config: ImageConfig, text: string): Promise<ImageRecord> {
  const createdBy = nopCreatedBy(text);
  const kernel = rt.kernel;
  const image = new LayeredTree(
    (parent?.layers ?? []).map((l) => rt.images.layerDir(l)),
    (dir) => kernel.getxattr(dir, 'trusted.overlay.opaque') === 'y',
  );
  const workdir = config.WorkingDir ?? '/';
  if (image.lookup(image.resolve(workdir))?.stat.isDirectory()) return rt.images.addConfigImage({ parent, config, createdBy });
  const { packLayer } = await import('../image/pack-layer.js');
  const staging = makeStaging(rt.root.tmp);
  try {
    // The directory "copied" from an empty one: parents the image has keep their metadata.
    const empty = path.join(staging, '.empty');
    fs.mkdirSync(path.join(staging, 'layer'));
    fs.mkdirSync(empty, { mode: 0o755 });
    fs.chmodSync(empty, 0o755);
    stageCopy({ tree: new DirectoryTree(empty), sources: [{ rel: '', stat: fs.lstatSync(empty) }], dest: `${workdir}/`, owner: null }, image, path.join(staging, 'layer'), 'WORKDIR');
    const layer = await packLayer(rt.images, path.join(staging, 'layer'));
    return await rt.images.withNewLayer(layer, () => rt.images.addImage({ parent, layer, config, ref: null, createdBy, linkParent: true }));
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
