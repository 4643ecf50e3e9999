// `mydocker export [-o FILE] CONTAINER`: the container's flattened filesystem as a tar stream.
import * as fs from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { cliRuntime } from '../runtime.js';
import { MydockerError } from '../../errors.js';
import { lastValue } from '../argv.js';

export default async function exportCommand(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const output = lastValue(options.output);
  if (output === undefined && process.stdout.isTTY) {
    throw new MydockerError('refusing to write a tar archive to a terminal', { exitCode: 1, hint: 'use -o FILE or redirect the output' });
  }
  const runtime = await cliRuntime(options);
  const stream = await runtime.exportContainer(String(args[0]));
  await pipeline(stream, output === undefined ? process.stdout : fs.createWriteStream(output));
  return 0;
}
