// `mydocker cleanup ID`: internal, run by a detached container's shim when the container ends.
import { cliRuntime } from '../runtime.js';

export default async function cleanup(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const runtime = await cliRuntime(options);
  await runtime.cleanup(String(args[0]));
  return 0;
}
