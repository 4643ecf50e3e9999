// `mydocker diff CONTAINER`: "A /path", "C /path", "D /path", one per line, as Docker's.
import { cliRuntime } from '../runtime.js';

export default async function diff(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const runtime = await cliRuntime(options);
  const changes = await runtime.diff(String(args[0]));
  process.stdout.write(changes.map((c) => `${c.kind} ${c.path}\n`).join(''));
  return 0;
}
