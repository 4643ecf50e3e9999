// `mydocker load [-i FILE]`: images from a `docker save` archive or an OCI layout (stdin by default).
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import { cliRuntime } from '../runtime.js';
import { progress } from '../progress.js';
import { MydockerError } from '../../errors.js';
import { lastValue } from '../argv.js';

export default async function load(_args: unknown[], options: Record<string, unknown>): Promise<number> {
  const input = lastValue(options.input);
  if (input === undefined && process.stdin.isTTY) {
    throw new MydockerError('no archive to load: stdin is a terminal', { exitCode: 1, hint: 'use -i FILE or redirect the input' });
  }
  const runtime = await cliRuntime(options);
  const { isGzipFile, sniffGzip } = await import('../../image/gzip.js');
  const gzip = input === undefined ? await sniffGzip(process.stdin) : isGzipFile(input);
  const shown = progress('loading');
  const images = await runtime.load((input === undefined ? process.stdin : fs.createReadStream(input)) as Readable, gzip, shown.update);
  shown.done();
  for (const image of images) {
    const names = runtime.listImages().filter((i) => i.id === image.id && i.repository !== '<none>');
    if (names.length === 0) process.stdout.write(`Loaded image ID: ${image.id}\n`);
    for (const n of names) process.stdout.write(`Loaded image: ${n.repository}:${n.tag}\n`);
  }
  return 0;
}
