// `mydocker restart [-t SECONDS] NAME...`: stop (SIGTERM, then SIGKILL), then start in the background.
import { cliRuntime } from '../runtime.js';
import { MydockerError } from '../../errors.js';
import { lastValue, toArray } from '../argv.js';
import { forEachContainer } from '../each.js';

export default async function restart(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const given = lastValue(options.time);
  const timeout = given === undefined ? undefined : Number(given);
  if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < 0)) throw new MydockerError(`invalid timeout "${given}"`, { hint: 'a whole number of seconds' });
  const runtime = await cliRuntime(options);
  return forEachContainer(toArray(args[0]), 'restart', async (ref) => {
    await runtime.stop(ref, timeout === undefined ? {} : { timeout });
    await runtime.waitReleased(ref);
    await runtime.start(ref);
  });
}
