// A real pseudo-terminal for tests that drive `mydocker run -it` as a user's terminal would:
// the CLI gets the slave as stdin/stdout/stderr in a session of its own, the test types into the
// master and reads the screen from it.
import * as fs from 'node:fs';
import * as tty from 'node:tty';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { libcKernel } from '../../src/kernel/libc.js';

export interface PtySession {
  child: ChildProcess;
  /** The terminal the program was given, e.g. /dev/pts/7. */
  slavePath: string;
  /** The terminal's modes now, as `stty -g` prints them. */
  modes(): string;
  /** The modes it had before the program started. */
  initialModes: string;
  /** Everything the terminal showed so far. */
  screen(): string;
  type(text: string): void;
  resize(rows: number, cols: number): void;
  /** Waits until the screen matches, polling (no timing asserts: the deadline is generous). */
  expect(pattern: RegExp, timeoutMs?: number): Promise<void>;
  exit: Promise<number | null>;
  close(): void;
}

export function spawnInPty(file: string, args: string[], env: NodeJS.ProcessEnv): PtySession {
  const kernel = libcKernel();
  const master = fs.openSync('/dev/ptmx', fs.constants.O_RDWR | fs.constants.O_NOCTTY);
  const n = kernel.unlockPty(master);
  const slave = fs.openSync(`/dev/pts/${n}`, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
  kernel.setWindowSize(master, 24, 80);
  const modes = (): string => execFileSync('stty', ['-g', '-F', `/dev/pts/${n}`], { encoding: 'utf8' }).trim();
  const initialModes = modes();
  const child = spawn(file, args, { stdio: [slave, slave, slave], env, detached: true });
  // The test keeps its own slave descriptor, as a terminal emulator's session outlives the program:
  // the pty stays, so the terminal's modes can be read after the program has exited.
  const stream = new tty.ReadStream(master);
  let output = '';
  stream.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  stream.on('error', () => {}); // EIO once the last slave holder is gone
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  return {
    child,
    slavePath: `/dev/pts/${n}`,
    modes,
    initialModes,
    screen: () => output,
    type: (text) => {
      stream.write(text);
    },
    resize: (rows, cols) => {
      kernel.setWindowSize(master, rows, cols);
      if (child.pid) process.kill(child.pid, 'SIGWINCH');
    },
    expect: async (pattern, timeoutMs = 20_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(output)) {
        if (Date.now() > deadline) throw new Error(`terminal never showed ${pattern}; it shows:\n${JSON.stringify(output)}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    exit,
    close: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      stream.destroy();
      fs.closeSync(slave);
    },
  };
}
