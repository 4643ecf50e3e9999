// `mydocker exec [-i] [-t] [-e K=V] [-w DIR] CONTAINER COMMAND...`: a process inside a running
// container; its exit code becomes ours.
import { MydockerError } from '../../errors.js';
import { cliRuntime } from '../runtime.js';
import { lastValue, toArray } from '../argv.js';
import { foreground, holdSignals, relayedStdio } from '../foreground.js';

export default async function exec(args: unknown[], options: Record<string, unknown>, command: string[]): Promise<number> {
  const tty = options.tty === true;
  const interactive = options.interactive === true;
  if (tty && interactive && !process.stdin.isTTY) {
    throw new MydockerError('the input device is not a TTY', { exitCode: 1, hint: 'drop -t, or run from a terminal' });
  }
  const runtime = await cliRuntime(options);
  // As for run: held from before the process exists, forwarded to it by the same listeners.
  const held = holdSignals();
  const proc = await runtime.exec(String(args[0]), {
    command,
    env: toArray(options.env),
    workdir: lastValue(options.workdir),
    user: lastValue(options.user),
    tty,
    stdio: relayedStdio(interactive),
  }).catch((error: unknown) => {
    held.release();
    throw error;
  });
  return foreground(runtime.kernel, proc, { interactive, signals: held });
}
