// `pull`: an image from an OCI/Docker registry over the registry HTTP API v2. Docker Hub by default
// (`busybox` is registry-1.docker.io/library/busybox), `host[:port]/name` for others; plain HTTP for
// a registry on this machine (127.0.0.0/8, localhost, ::1), as Docker allows, HTTPS elsewhere.
// Bearer tokens are fetched when the registry asks (WWW-Authenticate); a manifest list or OCI index
// is resolved to this machine's platform; the manifest, the config and every layer are checked
// against their digests, and every layer against the config's diff ids. A failed pull writes no
// image and removes the layers it added.
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { MydockerError } from '../errors.js';
import type { ImageRecord, ImageStore } from './store.js';
import { writeDockerImage, type DockerImageConfig } from './docker-config.js';
import type { ProgressListener } from './count-bytes.js';

const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];
const ARCH: Partial<Record<NodeJS.Architecture, string>> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

export interface Reference {
  registry: string;
  repository: string;
  /** A tag, or a digest (sha256:...). */
  reference: string;
  /** The name the image gets locally, e.g. "busybox:latest" or "127.0.0.1:5000/library/busybox:latest". */
  localName: string;
}

/** Docker's reading of a name: `busybox` -> registry-1.docker.io, library/busybox, latest. */
export function parseReference(name: string): Reference {
  const at = name.indexOf('@');
  const base = at < 0 ? name : name.slice(0, at);
  const slash = base.indexOf('/');
  const first = slash < 0 ? '' : base.slice(0, slash);
  const hasRegistry = first.includes('.') || first.includes(':') || first === 'localhost';
  const registry = hasRegistry ? first : 'registry-1.docker.io';
  let path = hasRegistry ? base.slice(slash + 1) : base;
  const colon = path.lastIndexOf(':');
  const tag = colon < 0 ? 'latest' : path.slice(colon + 1);
  if (colon >= 0) path = path.slice(0, colon);
  if (!hasRegistry && !path.includes('/')) path = `library/${path}`;
  if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(path)) throw new MydockerError(`invalid image name "${name}"`);
  const digest = at < 0 ? null : name.slice(at + 1);
  if (digest !== null && !/^sha256:[0-9a-f]{64}$/.test(digest)) throw new MydockerError(`invalid digest in "${name}"`);
  const shortPath = !hasRegistry && path.startsWith('library/') ? path.slice('library/'.length) : path;
  const localRepo = hasRegistry ? `${registry}/${path}` : shortPath;
  return { registry, repository: path, reference: digest ?? tag, localName: `${localRepo}:${digest === null ? tag : 'latest'}` };
}

function isLocal(registry: string): boolean {
  const host = registry.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export class RegistryClient {
  private token: string | null = null;
  private readonly base: string;

  /** `actions`: what a token is asked for (`pull`; `pull,push` for push). */
  constructor(
    private readonly ref: Reference,
    private readonly fetchImpl: typeof fetch = fetch,
    private readonly actions = 'pull',
  ) {
    this.base = `${isLocal(ref.registry) ? 'http' : 'https'}://${ref.registry}/v2/${ref.repository}`;
  }

  async get(path: string, accept?: string[]): Promise<Response> {
    return this.send('GET', path, { accept });
  }

  /**
   * A request to the repository's API (`path` under /v2/<name>/, or an absolute URL the registry
   * gave, e.g. an upload's Location), authenticated when the registry asks; a status out of
   * `expected` (default: any 2xx) is an error naming the path. `body` is made per attempt (a
   * stream is read once, and the first attempt may be refused for a token).
   */
  async send(method: string, path: string, options: { accept?: string[] | undefined; headers?: Record<string, string>; body?: () => NonNullable<RequestInit['body']>; expected?: number[] } = {}): Promise<Response> {
    const url = /^https?:\/\//.test(path) ? path : `${this.base}/${path}`;
    const request = (): Promise<Response> => {
      const body = options.body?.();
      return this.fetchImpl(url, {
        method,
        headers: { ...(options.accept ? { Accept: options.accept.join(', ') } : {}), ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}), ...options.headers },
        redirect: 'follow',
        ...(body === undefined ? {} : { body, duplex: 'half' }),
      } as RequestInit);
    };
    let response = await this.attempt(request);
    if (response.status === 401 && this.token === null) {
      await this.authenticate(response.headers.get('www-authenticate'));
      response = await this.attempt(request);
    }
    if (options.expected ? !options.expected.includes(response.status) : !response.ok) {
      const what = response.status === 404 ? 'not found' : `HTTP ${response.status}`;
      throw new MydockerError(`${this.ref.registry}/${this.ref.repository}: ${path}: ${what}`, {
        hint: response.status === 404 ? 'check the name and tag' : response.status === 401 ? 'the registry refused access' : undefined,
      });
    }
    return response;
  }

  private async attempt(request: () => Promise<Response>): Promise<Response> {
    try {
      return await request();
    } catch (error) {
      throw new MydockerError(`cannot reach registry ${this.ref.registry}: ${(error as Error).cause ?? (error as Error).message}`);
    }
  }

  /** Bearer realm="...",service="...",scope="..." -> a token for pulling this repository. */
  private async authenticate(challenge: string | null): Promise<void> {
    if (!challenge || !/^Bearer\s/i.test(challenge)) throw new MydockerError(`registry ${this.ref.registry} wants authentication this client does not speak`);
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!.toLowerCase(), m[2]!]));
    if (!params.realm) throw new MydockerError(`registry ${this.ref.registry} sent a token challenge without a realm`);
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set('service', params.service);
    url.searchParams.set('scope', params.scope ?? `repository:${this.ref.repository}:${this.actions}`);
    const response = await this.attempt(() => this.fetchImpl(url));
    if (!response.ok) throw new MydockerError(`registry ${this.ref.registry}: getting a token failed: HTTP ${response.status}`);
    const body = (await response.json()) as { token?: string; access_token?: string };
    this.token = body.token ?? body.access_token ?? null;
    if (!this.token) throw new MydockerError(`registry ${this.ref.registry}: the token service returned no token`);
  }
}

/** `onProgress` hears the bytes downloaded so far, against the sum of the layers' sizes. */
export async function pullImage(images: ImageStore, name: string, fetchImpl: typeof fetch = fetch, onProgress?: ProgressListener): Promise<ImageRecord> {
  const ref = parseReference(name);
  const client = new RegistryClient(ref, fetchImpl);
  const added: string[] = [];
  try {
    const manifest = await resolveManifest(client, ref.reference);
    const configBody = await verified(await client.get(`blobs/${manifest.config.digest}`), manifest.config.digest);
    const config = JSON.parse(configBody.toString('utf8')) as DockerImageConfig;
    const diffIds = config.rootfs?.diff_ids ?? [];
    if (diffIds.length !== manifest.layers.length) throw new MydockerError(`the image config lists ${diffIds.length} layers, its manifest ${manifest.layers.length}`);
    const layers: Array<{ digest: string; size: number }> = [];
    const total = manifest.layers.reduce((sum, l) => sum + (l.size ?? 0), 0) || null;
    let downloaded = 0;
    for (const [i, descriptor] of manifest.layers.entries()) {
      const response = await client.get(`blobs/${descriptor.digest}`);
      const hash = createHash('sha256');
      const counting = new Transform({
        transform(chunk: Buffer, _e, cb) {
          hash.update(chunk);
          downloaded += chunk.length;
          onProgress?.(downloaded, total);
          cb(null, chunk);
        },
      });
      const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>).pipe(counting);
      const gzip = /gzip/.test(descriptor.mediaType ?? '') || !/tar$/.test(descriptor.mediaType ?? '');
      const layer = await images.addLayer(body, gzip);
      if (!added.includes(layer.digest)) added.push(layer.digest);
      const actual = `sha256:${hash.digest('hex')}`;
      if (actual !== descriptor.digest) throw new MydockerError(`layer ${i + 1} does not match its digest: expected ${descriptor.digest}, got ${actual}`, { hint: 'the registry served damaged or tampered data' });
      if (diffIds[i] !== layer.digest) throw new MydockerError(`layer ${i + 1} does not match its diff id: expected ${diffIds[i]}, got ${layer.digest}`);
      layers.push(layer);
    }
    return await writeDockerImage(images, config, layers, [ref.localName], `pull ${name}`);
  } catch (error) {
    images.removeUnusedLayers(added);
    throw error;
  }
}

interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  platform?: { os?: string; architecture?: string };
}

/** The image manifest for this platform, its digest checked whenever it is known. */
async function resolveManifest(client: RegistryClient, reference: string): Promise<{ config: Descriptor; layers: Descriptor[] }> {
  const response = await client.get(`manifests/${reference}`, MANIFEST_TYPES);
  const expected = reference.startsWith('sha256:') ? reference : response.headers.get('docker-content-digest');
  const body = expected ? await verified(response, expected) : Buffer.from(await response.arrayBuffer());
  const doc = JSON.parse(body.toString('utf8')) as { manifests?: Descriptor[]; config?: Descriptor; layers?: Descriptor[]; schemaVersion?: number };
  if (doc.manifests) {
    const arch = ARCH[process.arch] ?? process.arch;
    const chosen = doc.manifests.find((m) => m.platform?.os === 'linux' && m.platform.architecture === arch);
    if (!chosen) throw new MydockerError(`the image has no variant for linux/${arch}`);
    return resolveManifest(client, chosen.digest);
  }
  if (!doc.config || !Array.isArray(doc.layers)) throw new MydockerError(`unsupported manifest (schema ${doc.schemaVersion ?? '?'})`, { hint: 'only OCI and Docker schema 2 images are supported' });
  return { config: doc.config, layers: doc.layers };
}

async function verified(response: Response, digest: string): Promise<Buffer> {
  const body = Buffer.from(await response.arrayBuffer());
  const actual = `sha256:${createHash('sha256').update(body).digest('hex')}`;
  if (actual !== digest) throw new MydockerError(`${digest} does not match its content (${actual})`, { hint: 'the registry served damaged or tampered data' });
  return body;
}
