// `mydocker run`: the foreground path. Creates and starts the container, relays the terminal or
// passes stdio through, forwards signals to PID 1, and returns the container's exit code.
import { MydockerError } from '../../errors.js';
import { createRuntime } from '../../runtime/runtime.js';
import { lastValue, toArray } from '../argv.js';

const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

export default async function run(args: unknown[], options: Record<string, unknown>, command: string[]): Promise<number> {
  const image = String(args[0]);
  const tty = options.tty === true;
  const interactive = options.interactive === true;
  if (tty && interactive && !process.stdin.isTTY) {
    throw new MydockerError('the input device is not a TTY', { exitCode: 1, hint: 'drop -t, or run from a terminal' });
  }
  const runtime = await createRuntime({ root: lastValue(options.root), plugins: toArray(options.plugin) });
  // A signal that arrives while the container is being set up must neither kill us half-way (and
  // leave mounts behind) nor be lost: hold it, and deliver it to PID 1 as soon as it exists.
  const pending: NodeJS.Signals[] = [];
  const hold = (signal: NodeJS.Signals): void => void pending.push(signal);
  for (const s of FORWARDED_SIGNALS) process.on(s, hold);
  let container;
  try {
    container = await runtime.run({
    image,
    command,
    env: toArray(options.env),
    envFiles: toArray(options.envFile),
    workdir: lastValue(options.workdir),
    hostname: lastValue(options.hostname),
    name: lastValue(options.name),
    tty,
    interactive,
    autoRemove: options.rm === true,
    storageDriver: lastValue(options.storageDriver),
    stdio: [interactive ? 0 : 'ignore', 1, 2],
    });
  } finally {
    for (const s of FORWARDED_SIGNALS) process.off(s, hold);
  }

  const started = container;
  const forward = (signal: NodeJS.Signals): void => started.signal(signal);
  for (const s of FORWARDED_SIGNALS) process.on(s, forward);
  for (const s of pending) forward(s);
  const restoreTerminal = tty && process.stdin.isTTY && interactive ? rawMode() : () => {};
  try {
    // The relay needs node:tty (and with it node:net): loaded only for -t.
    const relay =
      container.ptyMaster === null
        ? Promise.resolve()
        : (await import('../../process/terminal.js')).relayTerminal(runtime.kernel, container.ptyMaster, {
            input: interactive ? process.stdin : (await import('node:stream')).Readable.from([]),
            output: process.stdout,
            size: () => (process.stdout.isTTY && process.stdout.rows > 0 ? { rows: process.stdout.rows, cols: process.stdout.columns } : null),
            onResize: (listener) => {
              process.stdout.on('resize', listener);
              return () => process.stdout.off('resize', listener);
            },
          });
    const [code] = await Promise.all([container.wait(), relay]);
    return code;
  } finally {
    restoreTerminal();
    for (const s of FORWARDED_SIGNALS) process.off(s, forward);
  }
}

/** Puts the user's terminal in raw mode (keys go to the container) and returns the undo. */
function rawMode(): () => void {
  process.stdin.setRawMode(true);
  const restore = (): void => {
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
  };
  process.once('exit', restore);
  return restore;
}
