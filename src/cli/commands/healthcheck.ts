// `mydocker healthcheck ID`: internal, run by a container's shim (or its foreground run) every
// health-check interval: one check, its result recorded in the container's state. Exits 0 when the
// check passed and 1 when it failed (or none was made: no check configured, not running), as a
// probe does: the shim keeps the start interval until a check has passed.
import { cliRuntime } from '../runtime.js';

export default async function healthcheck(args: unknown[], options: Record<string, unknown>): Promise<number> {
  const runtime = await cliRuntime(options);
  const state = await runtime.healthcheck(String(args[0]));
  return state?.Log.at(-1)?.ExitCode === 0 ? 0 : 1;
}
