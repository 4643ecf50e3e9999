// Extracts an untrusted tar stream (plain or gzip) into a fresh directory and returns the sha256 of
// the uncompressed tar, the layer's digest. Paths with '..' are refused; every other path, and every
// hard link, is resolved inside the directory as if it were "/" (resolveInRoot), so nothing lands
// outside it. Symlink targets are kept verbatim: inside a container an absolute link is correct.
// Device nodes are skipped: a container's /dev is made fresh at every start.
// Docker's whiteouts become overlayfs's, so the layer can serve as a lower directory as it is:
// `.wh.NAME` (NAME deleted by this layer) a character device 0/0 named NAME, and `.wh..wh..opq`
// (the directory's lower contents hidden) the xattr trusted.overlay.opaque=y on its directory.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { createGunzip } from 'node:zlib';
import { Transform, Writable, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Parser, type ReadEntry } from 'tar';
import { MydockerError, errnoReason } from '../errors.js';
import { writeAll } from '../../hooks/atomic-file.js';
import { archivePathComponents, resolveInRoot } from './root-path.js';
import { OPAQUE_MARKER, OPAQUE_XATTR, WHITEOUT_PREFIX } from './extract-layer-names.js';

export interface ExtractResult {
  digest: string;
  /** Bytes of file content written. */
  size: number;
  skipped: string[];
}

/** The two kernel calls whiteouts need (root: device nodes and trusted.* attributes). */
export interface WhiteoutKernel {
  mknod(path: string, mode: number, major: number, minor: number): void;
  setxattr(path: string, name: string, value: string): void;
}

const S_IFCHR = 0o020000;

/**
 * `keepTar`: also write the uncompressed tar, byte for byte, to this file (what `save` ships, so
 * that a saved layer has the digest it was stored under).
 */
export async function extractLayer(input: Readable, gzip: boolean, dir: string, whiteouts?: () => WhiteoutKernel, keepTar?: string): Promise<ExtractResult> {
  const hash = createHash('sha256');
  const result: ExtractResult = { digest: '', size: 0, skipped: [] };
  const owner = process.getuid?.() === 0;
  // Archive-relative paths: a later entry may have replaced a directory (or a parent) with a symlink,
  // so each is resolved again at the end, never trusted as a host path.
  const deferredDirModes: Array<[string, number, Date]> = [];
  let failure: unknown;

  // Only zero bytes so far: an archive of no entries (two zero blocks) is legal, garbage is not.
  let onlyZeros = true;
  let bytes = 0;
  const parser = new Parser({
    onReadEntry: (entry: ReadEntry) => {
      if (failure !== undefined) return entry.resume();
      try {
        writeEntry(entry);
      } catch (error) {
        failure = error instanceof MydockerError ? error : new MydockerError(`cannot extract archive entry "${entry.path}": ${errnoReason(error)}`, { cause: error });
        entry.resume();
      }
    },
    // Without `strict`, tar only warns of what is not a tar archive, a cut-off one, or a damaged
    // header, and goes on: an archive that is not what it claims is refused instead.
    onwarn: (code: string, message: string | Error) => {
      if (failure !== undefined) return;
      const text = message instanceof Error ? message.message : message;
      if (code === 'TAR_BAD_ARCHIVE' && /^Truncated input/.test(text)) failure = new MydockerError('the archive is truncated: its last entry is cut short');
      else if (code === 'TAR_BAD_ARCHIVE' && !(onlyZeros && bytes >= 1024)) failure = new MydockerError('the input is not a tar archive', { hint: 'give a tar archive, plain or gzip-compressed' });
      else if (code === 'TAR_ENTRY_INVALID') failure = new MydockerError(`the archive is damaged: ${text}`);
    },
  });

  function writeEntry(entry: ReadEntry): void {
    const parts = archivePathComponents(entry.path);
    if (parts.length === 0) return entry.resume(); // "./" itself
    const base = parts.at(-1)!;
    if (base.startsWith(WHITEOUT_PREFIX)) {
      if (!whiteouts) throw new MydockerError(`archive entry "${entry.path}" is a whiteout, which this archive may not carry`);
      const hiddenName = base.slice(WHITEOUT_PREFIX.length);
      if (hiddenName === '' || hiddenName === '.' || hiddenName === '..') {
        throw new MydockerError(`archive entry "${entry.path}" is a whiteout of nothing`, { hint: 'the archive is unsafe and was refused' });
      }
      // The marker's directory, every component resolved inside the layer (links included).
      const parent = path.dirname(resolveInRoot(dir, parts.join('/')));
      fs.mkdirSync(parent, { recursive: true, mode: 0o755 });
      if (base === OPAQUE_MARKER) {
        whiteouts().setxattr(parent, OPAQUE_XATTR, 'y');
      } else {
        const hidden = path.join(parent, hiddenName);
        fs.rmSync(hidden, { force: true, recursive: true });
        whiteouts().mknod(hidden, S_IFCHR, 0, 0);
      }
      return entry.resume();
    }
    const target = resolveInRoot(dir, parts.join('/'));
    // Archives may omit parent directories; the resolved parent holds no symlink, so this stays inside.
    fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
    const mode = (entry.mode ?? 0o644) & 0o7777;
    switch (entry.type) {
      case 'Directory': {
        if (!isDirectory(target)) {
          fs.rmSync(target, { force: true, recursive: true });
          fs.mkdirSync(target, { mode: 0o700 });
        }
        if (owner) fs.chownSync(target, entry.uid ?? 0, entry.gid ?? 0);
        // Set the final mode last: a read-only directory must still receive its children.
        deferredDirModes.push([parts.join('/'), mode, entry.mtime ?? new Date(0)]);
        return entry.resume();
      }
      case 'File':
      case 'OldFile':
      case 'ContiguousFile': {
        fs.rmSync(target, { force: true, recursive: true });
        const fd = fs.openSync(target, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
        // These run in tar's events, where a throw would escape every caller (an uncaught
        // exception, and the staging left behind): a failure (a full disk) is kept for the end.
        const fail = (error: unknown): void => {
          failure ??= new MydockerError(`cannot extract archive entry "${entry.path}": ${errnoReason(error)}`, { cause: error });
        };
        entry.on('data', (chunk: Buffer) => {
          result.size += chunk.length;
          if (failure !== undefined) return;
          try {
            writeAll(fd, chunk);
          } catch (error) {
            fail(error);
          }
        });
        entry.on('end', () => {
          try {
            if (owner) fs.fchownSync(fd, entry.uid ?? 0, entry.gid ?? 0);
            fs.fchmodSync(fd, mode); // after chown, which clears setuid bits
            if (entry.mtime) fs.futimesSync(fd, entry.mtime, entry.mtime);
          } catch (error) {
            fail(error);
          } finally {
            fs.closeSync(fd);
          }
        });
        return;
      }
      case 'SymbolicLink': {
        fs.rmSync(target, { force: true, recursive: true });
        fs.symlinkSync(entry.linkpath ?? '', target);
        if (owner) fs.lchownSync(target, entry.uid ?? 0, entry.gid ?? 0);
        return entry.resume();
      }
      case 'Link': {
        const source = resolveInRoot(dir, archivePathComponents(entry.linkpath ?? '').join('/'));
        // A hard link names an entry the archive made before it; one it never made is damage.
        const linked = fs.lstatSync(source, { throwIfNoEntry: false });
        if (!linked || linked.isDirectory()) {
          throw new MydockerError(`archive entry "${entry.path}" is a hard link to "${entry.linkpath}", ${linked ? 'a directory' : 'which is not in the archive before it'}`, {
            hint: 'the archive is damaged and was refused',
          });
        }
        fs.rmSync(target, { force: true, recursive: true });
        fs.linkSync(source, target);
        return entry.resume();
      }
      default:
        result.skipped.push(`${entry.path} (${entry.type})`);
        return entry.resume();
    }
  }

  const copy = keepTar === undefined ? null : fs.openSync(keepTar, 'w', 0o600);
  const tee = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      if (onlyZeros && chunk.some((b) => b !== 0)) onlyZeros = false;
      try {
        if (copy !== null) writeAll(copy, chunk);
      } catch (error) {
        // Through the stream, so the pipeline (and the caller's cleanup) sees it.
        callback(error as Error);
        return;
      }
      callback(null, chunk);
    },
  });

  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  // tar's Parser is not a Node stream: feed it from a Writable that waits for its 'drain'.
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (parser.write(chunk)) callback();
      else parser.once('drain', () => callback());
    },
    final(callback) {
      parser.once('end', () => callback());
      parser.once('error', (e: Error) => callback(e));
      parser.end();
    },
  });
  try {
    if (gzip) await pipeline(input, createGunzip(), tee, sink);
    else await pipeline(input, tee, sink);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // Writing the layer's copy failed (a full disk): not the archive's fault.
    if (code === 'ENOSPC' || code === 'EDQUOT') throw new MydockerError(`cannot write the layer: ${errnoReason(error)}`, { cause: error });
    throw new MydockerError(`cannot read the archive: ${errnoReason(error)}`, { cause: error });
  } finally {
    if (copy !== null) fs.closeSync(copy);
  }
  if (failure !== undefined) throw failure;
  for (const [relative, mode, mtime] of deferredDirModes.reverse()) setDirectoryMode(dir, relative, mode, mtime);
  fs.chmodSync(dir, 0o755);
  result.digest = `sha256:${hash.digest('hex')}`;
  return result;
}

/** chmod/utimes through a descriptor opened without following a final link: never the host's. */
function setDirectoryMode(root: string, relative: string, mode: number, mtime: Date): void {
  let fd: number;
  try {
    fd = fs.openSync(resolveInRoot(root, relative), fs.constants.O_RDONLY | fs.constants.O_DIRECTORY | fs.constants.O_NOFOLLOW);
  } catch {
    return; // no longer a directory: a later entry replaced it
  }
  try {
    fs.fchmodSync(fd, mode);
    fs.futimesSync(fd, mtime, mtime);
  } finally {
    fs.closeSync(fd);
  }
}

function isDirectory(p: string): boolean {
  try {
    return fs.lstatSync(p).isDirectory();
  } catch {
    return false;
  }
}

export function layerDirName(digest: string): string {
  return digest.replace(/^sha256:/, '');
}

