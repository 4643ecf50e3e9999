// `mydocker unpause NAME...`: thaws each paused container.
import { cliRuntime } from '../runtime.js';
import { toArray } from '../argv.js';
import { forEachContainer } from '../each.js';

export default async function unpause(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const runtime = await cliRuntime(options);
  return forEachContainer(toArray(args[0]), 'unpause', (ref) => runtime.unpause(ref));
}
