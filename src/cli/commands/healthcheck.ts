// `mydocker healthcheck ID`: internal, run by a container's shim (or its foreground run) every
// health-check interval: one check, its result recorded in the container's state.
import { cliRuntime } from '../runtime.js';

export default async function healthcheck(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const runtime = await cliRuntime(options);
  await runtime.healthcheck(String(args[0]));
  return 0;
}
