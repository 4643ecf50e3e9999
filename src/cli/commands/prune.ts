// `mydocker prune`: removes every stopped container (teardowns included) and prints their IDs.
import { cliRuntime } from '../runtime.js';

export default async function prune(_args: unknown[], options: Record<string, unknown>): Promise<number> {
  const runtime = await cliRuntime(options);
  const removed = await runtime.prune();
  process.stdout.write(removed.map((id) => `${id}\n`).join(''));
  return 0;
}
