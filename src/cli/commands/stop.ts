// `mydocker stop [-t SECONDS] NAME...`: SIGTERM, then SIGKILL after the timeout (default 10).
import { cliRuntime } from '../runtime.js';
import { MydockerError } from '../../errors.js';
import { lastValue, toArray } from '../argv.js';
import { forEachContainer } from '../each.js';

export default async function stop(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const given = lastValue(options.time);
  const timeout = given === undefined ? undefined : Number(given);
  if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < 0)) throw new MydockerError(`invalid timeout "${given}"`, { hint: 'a whole number of seconds' });
  const runtime = await cliRuntime(options);
  return forEachContainer(toArray(args[0]), 'stop', (ref) => runtime.stop(ref, timeout === undefined ? {} : { timeout }));
}
