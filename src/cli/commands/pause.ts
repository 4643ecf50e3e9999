// `mydocker pause NAME...`: freezes each container's processes (the cgroup freezer).
import { cliRuntime } from '../runtime.js';
import { toArray } from '../argv.js';
import { forEachContainer } from '../each.js';

export default async function pause(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const runtime = await cliRuntime(options);
  return forEachContainer(toArray(args[0]), 'pause', (ref) => runtime.pause(ref));
}
