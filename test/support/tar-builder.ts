// Hand-written ustar archives, for entries no well-behaved tar writer would produce ('..', absolute
// paths, links out of the tree). Each header is 512 bytes; content is padded to 512; two zero
// blocks end the archive.
import { Readable } from 'node:stream';

export type RawEntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'chardev' | 'fifo';

export interface RawEntry {
  name: string;
  type: RawEntryType;
  content?: string | Buffer;
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
}

const TYPEFLAG: Record<RawEntryType, string> = { file: '0', dir: '5', symlink: '2', hardlink: '1', chardev: '3', fifo: '6' };

function writeString(buf: Buffer, value: string, offset: number, length: number): void {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > length) throw new Error(`tar field too long: ${value}`);
  bytes.copy(buf, offset);
}

function writeOctal(buf: Buffer, value: number, offset: number, length: number): void {
  // length-1 octal digits, then NUL.
  writeString(buf, value.toString(8).padStart(length - 1, '0'), offset, length - 1);
}

export function ustarHeader(entry: RawEntry, size: number): Buffer {
  const h = Buffer.alloc(512);
  writeString(h, entry.name, 0, 100);
  writeOctal(h, entry.mode ?? (entry.type === 'dir' ? 0o755 : 0o644), 100, 8);
  writeOctal(h, entry.uid ?? 0, 108, 8);
  writeOctal(h, entry.gid ?? 0, 116, 8);
  writeOctal(h, size, 124, 12);
  writeOctal(h, entry.mtime ?? 0, 136, 12);
  h.fill(0x20, 148, 156); // checksum field counts as spaces
  writeString(h, TYPEFLAG[entry.type], 156, 1);
  writeString(h, entry.linkname ?? '', 157, 100);
  writeString(h, 'ustar\u0000', 257, 6);
  writeString(h, '00', 263, 2);
  let sum = 0;
  for (const byte of h) sum += byte;
  writeString(h, `${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8);
  return h;
}

export function buildTar(entries: readonly RawEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const content = entry.type === 'file' ? Buffer.from(entry.content ?? '') : Buffer.alloc(0);
    blocks.push(ustarHeader(entry, content.length));
    if (content.length > 0) {
      blocks.push(content, Buffer.alloc((512 - (content.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** A stream that yields the buffer in small chunks, so parsers see it arrive in pieces. */
export function streamOf(buf: Buffer, chunk = 700): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunk) parts.push(buf.subarray(i, i + chunk));
  return Readable.from(parts);
}
