// What `run`, `exec` and `start -a` do while a process runs in the foreground: forward signals to
// it, relay its terminal (raw mode on the user's side, restored afterwards) or its stdio pipes,
// return its exit code.
import * as fs from 'node:fs';
import type { Kernel } from '../../hooks/index.js';
import type { Readable } from 'node:stream';
import type { StdioPipes } from '../runtime/stdio-pipes.js';
import { isClosedPipe } from './closed-pipe.js';

type Relayed = 'pipe' | 'ignore';

/**
 * The stdio the CLI gives a foreground process: pipes it relays, never its own descriptors. An
 * output of ours that is /dev/null is not relayed: the process gets a /dev/null of its own, which
 * is the same to it and gives nothing away, and the command spares the socket pair and the stream
 * machinery (node:net and node:stream: ~4.5 ms to load here) that a relay costs.
 */
export function relayedStdio(interactive: boolean, isDevNull: (fd: number) => boolean = devNull): [Relayed, Relayed, Relayed] {
  return [interactive ? 'pipe' : 'ignore', isDevNull(1) ? 'ignore' : 'pipe', isDevNull(2) ? 'ignore' : 'pipe'];
}

/** Whether descriptor `fd` of this process is the null device (false when it is not open). */
export function devNull(fd: number): boolean {
  try {
    const st = fs.fstatSync(fd);
    return st.isCharacterDevice() && st.rdev === fs.statSync('/dev/null').rdev;
  } catch {
    return false;
  }
}

/**
 * How long output may still arrive after the process ended: a background child of an `exec`'d
 * process may hold its stdout for good, and must not hold the command with it.
 */
const DRAIN_MS = 200;

export const FORWARDED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

export interface ForegroundProcess {
  readonly ptyMaster: number | null;
  readonly pipes: StdioPipes;
  signal(signal: NodeJS.Signals): void;
  wait(): Promise<number>;
}

/**
 * One listener per signal for the whole command. Node gives a signal its default action (for
 * SIGTERM, SIGINT, SIGHUP...: death) whenever no listener is left, even for an instant, and forgets
 * what its old listener had not yet been handed: so the listener that holds signals while the
 * process is being made is the very one that forwards them to it, never removed and replaced.
 */
export interface SignalRelay {
  /** From now on signals go to `target`; those held until now first, in order. */
  deliverTo(target: (signal: NodeJS.Signals) => void): void;
  /** Stops listening: the default actions are back (only for a command that failed). */
  release(): void;
}

/** Starts holding signals, before the process they are for exists. */
export function holdSignals(): SignalRelay {
  const pending: NodeJS.Signals[] = [];
  let target: ((signal: NodeJS.Signals) => void) | null = null;
  const listener = (signal: NodeJS.Signals): void => {
    if (target === null) pending.push(signal);
    else target(signal);
  };
  for (const s of FORWARDED_SIGNALS) process.on(s, listener);
  return {
    deliverTo(next) {
      target = next;
      for (const signal of pending.splice(0)) next(signal);
    },
    release: () => FORWARDED_SIGNALS.forEach((s) => process.off(s, listener)),
  };
}

/**
 * `signals` holds what arrived while the process was being made (run, exec and start -a hold them
 * from before they ask for it): they are forwarded, and every later one, until it ends.
 */
export async function foreground(kernel: Kernel, proc: ForegroundProcess, opts: { interactive: boolean; signals: SignalRelay }): Promise<number> {
  opts.signals.deliverTo((signal) => proc.signal(signal));
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
    const stopPipes = relayPipes(proc.pipes, opts.interactive);
    const [code] = await Promise.all([proc.wait(), relay]);
    await stopPipes();
    return code;
  } finally {
    restoreTerminal();
    // Still listening, but to no one: the CLI exits with the process's code next, and a signal
    // meanwhile must not kill it first (that exit would read as 128+N, the code lost).
    opts.signals.deliverTo(() => {});
  }
}

/**
 * Relays the process's stdio pipes to ours; the returned stop waits for the rest of the output.
 * When the reader of our stdout (or stderr) leaves (`mydocker run ... | head`), the relay closes the
 * process's pipe as a shell pipeline would: its next write gets SIGPIPE, and the container ends and
 * is released as any other, with that exit code (141), instead of this process dying on EPIPE.
 */
function relayPipes(pipes: StdioPipes, interactive: boolean): () => Promise<void> {
  const outputs: Array<[Readable, NodeJS.WritableStream]> = [];
  if (pipes.stdout) outputs.push([pipes.stdout, process.stdout]);
  if (pipes.stderr) outputs.push([pipes.stderr, process.stderr]);
  const ended = outputs.map(([from, to]) => {
    to.on('error', (error: unknown) => {
      if (!isClosedPipe(error)) throw error;
      from.unpipe(to);
      from.destroy();
    });
    from.pipe(to, { end: false });
    return new Promise<void>((resolve) => {
      from.once('end', resolve);
      from.once('close', resolve);
      from.once('error', () => resolve());
    });
  });
  const stdin = pipes.stdin;
  if (stdin) {
    // The process may close its stdin before reading it all: that is its business, not an error.
    stdin.on('error', () => {});
    if (interactive) process.stdin.pipe(stdin);
    else stdin.end();
  }
  return async () => {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(ended), new Promise<void>((resolve) => (timer = setTimeout(resolve, DRAIN_MS)))]);
    clearTimeout(timer);
    for (const [from] of outputs) from.destroy();
    if (stdin) {
      process.stdin.unpipe(stdin);
      process.stdin.pause();
    }
  };
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
