// `mydocker commit CONTAINER [REPOSITORY[:TAG]]`: prints the new image's ID.
import { cliRuntime } from '../runtime.js';

export default async function commit(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const runtime = await cliRuntime(options);
  const image = await runtime.commit(String(args[0]), args[1] === undefined ? null : String(args[1]));
  process.stdout.write(`${image.id}\n`);
  return 0;
}
