// A directory laid out as a Docker layer (whiteouts as `.wh.` files) packed into a layer of the
// store: what `commit` and `build` (RUN, COPY, ADD, WORKDIR) make their layers with. Packed
// synchronously: tar's asynchronous packer was seen to stall on some trees.
import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import type { ImageStore } from './store.js';

export async function packLayer(images: ImageStore, staging: string): Promise<{ digest: string; size: number; added: boolean }> {
  const tar = await import('tar');
  // No change at all is an empty layer (two zero blocks), which tar.create refuses to write for no paths.
  const entries = fs.readdirSync(staging).sort();
  const stream = entries.length === 0 ? Readable.from([Buffer.alloc(1024)]) : (tar.create({ cwd: staging, portable: false, sync: true }, entries) as unknown as Readable);
  return images.addLayer(stream, false);
}
