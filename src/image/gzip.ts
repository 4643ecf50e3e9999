// Tells a gzip file from a plain one by its magic bytes (1f 8b), as `docker import` does.
import * as fs from 'node:fs';
import { MydockerError, fileError } from '../errors.js';

/**
 * Also the first look at an archive the user named (import, load -i): a file that cannot be one
 * is refused here in a sentence, before anything is staged. A device (/dev/zero) would never end.
 */
export function isGzipFile(file: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    throw fileError(error, 'read', file);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) throw new MydockerError(`cannot read ${file}: it is a directory, not an archive`);
    if (!stat.isFile()) throw new MydockerError(`cannot read ${file}: it is not a regular file`);
    const head = Buffer.alloc(2);
    return fs.readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } catch (error) {
    throw fileError(error, 'read', file);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Whether a stream is gzip, from its first bytes, without losing them: they are put back before
 * the stream is handed on (for `load < archive.tar.gz`, where there is no file to look at).
 */
export async function sniffGzip(stream: NodeJS.ReadableStream & { unshift(chunk: Buffer): void; read(size?: number): Buffer | null }): Promise<boolean> {
  const head = await new Promise<Buffer | null>((resolve, reject) => {
    const onReadable = (): void => {
      const chunk = stream.read();
      if (chunk === null) return;
      cleanup();
      resolve(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(null);
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const cleanup = (): void => {
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('error', onError);
    };
    stream.on('readable', onReadable);
    stream.on('end', onEnd);
    stream.on('error', onError);
  });
  if (head === null) return false;
  stream.unshift(head);
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}
