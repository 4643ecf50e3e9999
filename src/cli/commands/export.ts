// `mydocker export [-o FILE] CONTAINER`: the container's flattened filesystem as a tar stream.
import { pipeline } from 'node:stream/promises';
import { cliRuntime } from '../runtime.js';
import { openOutput } from '../output-file.js';
import { MydockerError } from '../../errors.js';
import { lastValue } from '../argv.js';
import { untilReaderLeaves } from '../closed-pipe.js';

export default async function exportCommand(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const output = lastValue(options.output);
  if (output === undefined && process.stdout.isTTY) {
    throw new MydockerError('refusing to write a tar archive to a terminal', { exitCode: 1, hint: 'use -o FILE or redirect the output' });
  }
  const runtime = await cliRuntime(options);
  // Opened first: an unwritable place must be refused before the container's files are mounted.
  const file = output === undefined ? null : openOutput(output);
  return untilReaderLeaves(async () => {
    try {
      const stream = await runtime.exportContainer(String(args[0]));
      await pipeline(stream, file?.stream ?? process.stdout);
      file?.commit();
    } finally {
      file?.abort();
    }
    return 0;
  });
}
