// `push`: an image to an OCI/Docker registry over the registry HTTP API v2, the other way of pull.ts:
// each layer and the config as a blob (skipped when the registry has it: HEAD), uploaded whole (POST
// for an upload URL, PUT with the digest), then an OCI image manifest under the tag. The layers go as
// they are stored, uncompressed tars whose digests are the config's diff ids (the OCI media type
// application/vnd.oci.image.layer.v1.tar, which pull, containerd and Docker read): nothing is
// recompressed, at the price of more bytes on the wire than Docker's gzipped layers.
import * as fs from 'node:fs';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { MydockerError } from '../errors.js';
import type { ImageStore } from './store.js';
import { RegistryClient, parseReference } from './pull.js';
import { dockerConfig } from './save.js';

const MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';

export interface PushedBlob {
  digest: string;
  /** False when the registry had it already (Docker's "Layer already exists"). */
  uploaded: boolean;
}

export interface PushResult {
  layers: PushedBlob[];
  /** The manifest's digest and size: what `pull NAME@DIGEST` names. */
  digest: string;
  size: number;
  /** The repository as the registry knows it, and the tag. */
  repository: string;
  tag: string;
}

export async function pushImage(images: ImageStore, name: string, fetchImpl: typeof fetch = fetch, onLayer?: (blob: PushedBlob) => void): Promise<PushResult> {
  const ref = parseReference(name);
  if (ref.reference.startsWith('sha256:')) throw new MydockerError(`cannot push "${name}": push a tag, not a digest`);
  const image = images.find(ref.localName);
  if (!image) throw new MydockerError(`An image does not exist locally with the tag: ${ref.localName.replace(/:latest$/, '')}`, { exitCode: 1, hint: `name it first: mydocker tag IMAGE ${ref.localName}` });
  const client = new RegistryClient(ref, fetchImpl, 'pull,push');
  const layers: Array<PushedBlob & { size: number }> = [];
  for (const digest of image.layers) {
    const file = images.layerTar(digest);
    if (!fs.existsSync(file)) throw new MydockerError(`layer ${digest.slice(7, 19)} of ${ref.localName} has no stored archive`, { hint: 'import or load the image again' });
    const size = fs.statSync(file).size;
    const blob = await pushBlob(client, digest, size, () => Readable.toWeb(fs.createReadStream(file)) as unknown as ReadableStream<Uint8Array>);
    onLayer?.(blob);
    layers.push({ ...blob, size });
  }
  const config = Buffer.from(dockerConfig(image));
  const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
  await pushBlob(client, configDigest, config.length, () => config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_TYPE,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: l.digest, size: l.size })),
    }),
  );
  await client.send('PUT', `manifests/${ref.reference}`, { headers: { 'Content-Type': MANIFEST_TYPE }, body: () => manifest, expected: [201] });
  return {
    layers,
    digest: `sha256:${createHash('sha256').update(manifest).digest('hex')}`,
    size: manifest.length,
    repository: `${ref.registry}/${ref.repository}`,
    tag: ref.reference,
  };
}

/** One blob, unless the registry has it: a monolithic upload (POST, then PUT ?digest=). */
async function pushBlob(client: RegistryClient, digest: string, size: number, body: () => NonNullable<RequestInit['body']>): Promise<PushedBlob> {
  const head = await client.send('HEAD', `blobs/${digest}`, { expected: [200, 404] });
  if (head.status === 200) return { digest, uploaded: false };
  const started = await client.send('POST', 'blobs/uploads/', { expected: [202] });
  const location = started.headers.get('location');
  if (!location) throw new MydockerError('the registry started an upload without saying where (no Location header)');
  const url = new URL(location, started.url);
  url.searchParams.set('digest', digest);
  await client.send('PUT', url.href, { headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) }, body, expected: [201] });
  return { digest, uploaded: true };
}
