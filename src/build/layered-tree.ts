// An image's filesystem read without mounting it: its layer directories merged the way overlayfs
// merges them (an upper entry hides lower ones, a whiteout — a character device 0/0 — deletes, an
// opaque directory hides what lower layers have below it). `build` uses it to see whether WORKDIR
// must create its directory, where a COPY lands when the image has symlinks on the way (/bin ->
// usr/bin), the owners of --chown, and the files of COPY --from=STAGE. Runs in the `build` process.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface TreeEntry {
  /** The host path of the topmost copy. */
  host: string;
  stat: fs.Stats;
}

const MAX_LINKS = 40;

export class LayeredTree {
  /**
   * `layers`: the layers' directories, bottom first (an image's order); `opaque`: whether a
   * directory of a layer is marked opaque (the overlay xattr; read through the kernel).
   */
  private readonly top: string[];

  constructor(
    layers: string[],
    private readonly opaque: (dir: string) => boolean,
  ) {
    this.top = [...layers].reverse();
  }

  /** The entry at `rel` ('/'-separated, relative to the root), without following a last symlink; null if none. */
  lookup(rel: string): TreeEntry | null {
    const parts = split(rel);
    if (parts.length === 0) return this.top.length === 0 ? null : { host: this.top[0]!, stat: fs.lstatSync(this.top[0]!) };
    let layers = this.top;
    for (let i = 0; i < parts.length; i++) {
      const { found, below } = this.level(layers, parts.slice(0, i + 1));
      if (found === null) return null;
      if (i === parts.length - 1) return found;
      if (!found.stat.isDirectory()) return null;
      layers = below;
    }
    return null;
  }

  /** One path in each layer, top first: the topmost entry, and the layers whose directory there merges. */
  private level(layers: string[], parts: string[]): { found: TreeEntry | null; below: string[] } {
    let found: TreeEntry | null = null;
    const below: string[] = [];
    for (const layer of layers) {
      const host = path.join(layer, ...parts);
      const stat = fs.lstatSync(host, { throwIfNoEntry: false });
      if (!stat) continue;
      if (isWhiteout(stat)) break;
      found ??= { host, stat };
      if (!stat.isDirectory() || !found.stat.isDirectory()) break;
      below.push(layer);
      // Only a layer with others below it can hide them (and the xattr read costs koffi's load).
      if (layer !== layers.at(-1) && this.opaque(host)) break;
    }
    return { found, below };
  }

  /** The names in a directory, merged over the layers (whiteouts applied). */
  readdir(rel: string): string[] {
    const parts = split(rel);
    let layers = this.top;
    for (let i = 0; i < parts.length; i++) layers = this.level(layers, parts.slice(0, i + 1)).below;
    const names = new Set<string>();
    const hidden = new Set<string>();
    for (const layer of layers) {
      const dir = path.join(layer, ...parts);
      for (const name of fs.readdirSync(dir)) {
        if (names.has(name) || hidden.has(name)) continue;
        if (isWhiteout(fs.lstatSync(path.join(dir, name)))) hidden.add(name);
        else names.add(name);
      }
    }
    return [...names].sort();
  }

  /**
   * `target` (absolute, as seen inside the image) with every symlink on the way followed inside the
   * image ('..' stops at its root, an absolute link starts again there), the last one too when
   * `followLast`. The result is relative to the root and may not exist.
   */
  resolve(target: string, followLast = true): string {
    const queue = split(target);
    const inside: string[] = [];
    let links = 0;
    while (queue.length > 0) {
      const name = queue.shift()!;
      if (name === '..') {
        inside.pop();
        continue;
      }
      const entry = queue.length === 0 && !followLast ? null : this.lookup([...inside, name].join('/'));
      if (entry?.stat.isSymbolicLink()) {
        if (++links > MAX_LINKS) throw new Error(`too many levels of symbolic links resolving ${target} in the image`);
        const link = fs.readlinkSync(entry.host);
        if (link.startsWith('/')) inside.length = 0;
        queue.unshift(...split(link));
        continue;
      }
      inside.push(name);
    }
    return inside.join('/');
  }

  /** A file of the image as text (for /etc/passwd), following symlinks inside it; null if none. */
  readText(target: string): string | null {
    const entry = this.lookup(this.resolve(target));
    return entry?.stat.isFile() ? fs.readFileSync(entry.host, 'utf8') : null;
  }
}

function isWhiteout(stat: fs.Stats): boolean {
  return stat.isCharacterDevice() && stat.rdev === 0;
}

function split(rel: string): string[] {
  return rel.split('/').filter((p) => p !== '' && p !== '.');
}
