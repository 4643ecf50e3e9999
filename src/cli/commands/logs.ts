// `mydocker logs [-f] [-t] [--tail N] [--since T] [--until T] CONTAINER`: its stdout to our stdout, its stderr to our stderr.
import { cliRuntime } from '../runtime.js';
import { MydockerError } from '../../errors.js';
import { lastValue } from '../argv.js';
import { CLOSED_PIPE_EXIT, isClosedPipe } from '../closed-pipe.js';
import { parseLogTime } from '../../container/log-time.js';

export default async function logs(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const tailText = lastValue(options.tail);
  const tail = tailText === undefined || tailText === 'all' ? undefined : Number(tailText);
  if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) {
    throw new MydockerError(`invalid --tail "${tailText}"`, { hint: 'a number of lines, or "all"' });
  }
  const sinceText = lastValue(options.since);
  const untilText = lastValue(options.until);
  const since = sinceText === undefined ? undefined : parseLogTime(sinceText, '--since');
  const until = untilText === undefined ? undefined : parseLogTime(untilText, '--until');
  const runtime = await cliRuntime(options);
  let stop = false;
  process.once('SIGINT', () => {
    stop = true;
  });
  // A reader that left (`logs x | head`) is reported on the stream, not by write(): it ends the command.
  let readerLeft = false;
  const onError = (error: unknown): void => {
    if (!isClosedPipe(error)) throw error;
    readerLeft = true;
  };
  process.stdout.on('error', onError);
  process.stderr.on('error', onError);
  for await (const entry of await runtime.logs(String(args[0]), { tail, follow: options.follow === true, ...(since !== undefined ? { since } : {}), ...(until !== undefined ? { until } : {}) })) {
    const line = options.timestamps === true ? `${entry.time} ${entry.log}` : entry.log;
    (entry.stream === 'stdout' ? process.stdout : process.stderr).write(line);
    if (stop || readerLeft) break;
  }
  return readerLeft ? CLOSED_PIPE_EXIT : 0;
}
