// `mydocker save [-o FILE] IMAGE...`: images as a tar archive in Docker's format.
import { pipeline } from 'node:stream/promises';
import { cliRuntime } from '../runtime.js';
import { openOutput } from '../output-file.js';
import { progress } from '../progress.js';
import { MydockerError } from '../../errors.js';
import { lastValue, toArray } from '../argv.js';
import { untilReaderLeaves } from '../closed-pipe.js';

export default async function save(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const refs = toArray(args[0]);
  if (refs.length === 0) throw new MydockerError('"save" requires at least 1 argument', { hint: "see 'mydocker save --help'" });
  const output = lastValue(options.output);
  if (output === undefined && process.stdout.isTTY) {
    throw new MydockerError('refusing to write a tar archive to a terminal', { exitCode: 1, hint: 'use -o FILE or redirect the output' });
  }
  const runtime = await cliRuntime(options);
  const file = output === undefined ? null : openOutput(output);
  return untilReaderLeaves(async () => {
    try {
      const stream = await runtime.save(refs);
      const shown = progress('saving');
      const { countingStream } = await import('../../image/count-bytes.js');
      await pipeline(stream, countingStream(null, shown.update), file?.stream ?? process.stdout);
      file?.commit();
      shown.done();
    } finally {
      file?.abort();
    }
    return 0;
  });
}
