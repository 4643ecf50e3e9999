// `mydocker run`: the foreground path. Creates and starts the container, relays the terminal or
// passes stdio through, forwards signals to PID 1, and returns the container's exit code.
import { MydockerError } from '../../errors.js';
import { cliRuntime } from '../runtime.js';
import { toArray } from '../argv.js';
import { runSpec } from '../run-spec.js';
import { foreground, holdSignals, relayedStdio } from '../foreground.js';

export default async function run(args: unknown[], options: Record<string, unknown>, command: string[]): Promise<number> {
  const image = String(args[0]);
  const tty = options.tty === true;
  const interactive = options.interactive === true;
  // Detached (-dit), the terminal is the container's alone: `attach` connects one later.
  if (tty && interactive && options.detach !== true && !process.stdin.isTTY) {
    throw new MydockerError('the input device is not a TTY', { exitCode: 1, hint: 'drop -t, or run from a terminal' });
  }
  const runtime = await cliRuntime(options, toArray(options.plugin));
  // A signal that arrives while the container is being set up must neither kill us half-way (and
  // leave mounts behind) nor be lost: hold it, and deliver it to PID 1 as soon as it exists. The
  // same listeners then forward every later one (foreground): never a moment without them.
  const held = holdSignals();
  let container;
  try {
    container = await runtime.run({
      ...runSpec(image, command, options),
      detach: options.detach === true,
      stdio: relayedStdio(interactive),
    });
  } catch (error) {
    held.release();
    throw error;
  }
  if (options.detach === true) {
    process.stdout.write(`${container.id}\n`);
    return 0;
  }
  return foreground(runtime.kernel, container, { interactive, signals: held });
}

