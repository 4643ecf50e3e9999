// `mydocker rename CONTAINER NEW_NAME`.
import { cliRuntime } from '../runtime.js';

export default async function rename(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const runtime = await cliRuntime(options);
  await runtime.rename(String(args[0]), String(args[1]));
  return 0;
}
