// `mydocker rm [-f] NAME...`: removes each; reports every failure, exits 1 if any (as Docker).
import { cliRuntime } from '../runtime.js';
import { toArray } from '../argv.js';
import { forEachContainer } from '../each.js';

export default async function rm(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const runtime = await cliRuntime(options);
  return forEachContainer(toArray(args[0]), 'rm', (ref) => runtime.remove(ref, { force: options.force === true, volumes: options.volumes === true }));
}
