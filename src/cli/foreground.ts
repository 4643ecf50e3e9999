// What `run` and `exec` do while a process runs in the foreground: forward signals to it, relay
// its terminal (raw mode on the user's side, restored afterwards), and return its exit code.
import type { Kernel } from '../../hooks/index.js';

export const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

export interface ForegroundProcess {
  readonly ptyMaster: number | null;
  signal(signal: NodeJS.Signals): void;
  wait(): Promise<number>;
}

/** Collects signals that arrive before the process exists; `release` stops holding them. */
export function holdSignals(): { pending: NodeJS.Signals[]; release(): void } {
  const pending: NodeJS.Signals[] = [];
  const hold = (signal: NodeJS.Signals): void => void pending.push(signal);
  for (const s of FORWARDED_SIGNALS) process.on(s, hold);
  return { pending, release: () => FORWARDED_SIGNALS.forEach((s) => process.off(s, hold)) };
}

export async function foreground(kernel: Kernel, proc: ForegroundProcess, opts: { interactive: boolean; pending?: NodeJS.Signals[] }): Promise<number> {
  const forward = (signal: NodeJS.Signals): void => proc.signal(signal);
  for (const s of FORWARDED_SIGNALS) process.on(s, forward);
  for (const s of opts.pending ?? []) forward(s);
  const restoreTerminal = proc.ptyMaster !== null && process.stdin.isTTY && opts.interactive ? rawMode() : () => {};
  try {
    // The relay needs node:tty (and with it node:net): loaded only with a terminal.
    const relay =
      proc.ptyMaster === null
        ? Promise.resolve()
        : (await import('../process/terminal.js')).relayTerminal(kernel, proc.ptyMaster, {
            input: opts.interactive ? process.stdin : (await import('node:stream')).Readable.from([]),
            output: process.stdout,
            size: () => (process.stdout.isTTY && process.stdout.rows > 0 ? { rows: process.stdout.rows, cols: process.stdout.columns } : null),
            onResize: (listener) => {
              process.stdout.on('resize', listener);
              return () => process.stdout.off('resize', listener);
            },
          });
    const [code] = await Promise.all([proc.wait(), relay]);
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
