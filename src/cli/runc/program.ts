// What both mydocker-runc programs do with a command line (cli.ts, the whole runtime; hot-cli.ts,
// the commands every container calls besides create): parse it, run it, and report an error as
// runc does: one line on stderr and one in the --log file (logrus json or text: containerd's shim
// shows the msg of the last "error" line), exit 1. The one place of the OCI side that prints and
// sets the exit code.
import { parseRuncArgs, type RuncCommandLine } from './args.js';
import { parseLogFormat, writeLog, type LogFormat } from './log.js';
import { answerGlobally } from './hot-commands.js';

/** Runs a parsed command line: its exit code; output through `out`, warnings through `warn`; errors thrown. */
export type RunCommand = (line: RuncCommandLine, out: (text: string) => void, warn: (message: string) => void) => Promise<number>;

export async function runcMain(argv: string[], run: RunCommand): Promise<void> {
  let logFile: string | undefined;
  let logFormat: LogFormat = 'text';
  try {
    const line = parseRuncArgs(argv);
    logFile = typeof line.global.log === 'string' ? line.global.log : undefined;
    logFormat = parseLogFormat(typeof line.global['log-format'] === 'string' ? line.global['log-format'] : undefined);
    const file = logFile;
    const format = logFormat;
    process.exitCode = await run(line, (text) => process.stdout.write(text), (message) => writeLog(file, format, 'warning', message));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const hint = (error as { hint?: unknown }).hint;
    const msg = typeof hint === 'string' ? `${message} (${hint})` : message;
    writeLog(logFile, logFormat, 'error', msg);
    // With a log file, stderr gets the line too: it is what a person at a terminal sees.
    if (logFile !== undefined) process.stderr.write(`mydocker-runc: ${msg}\n`);
    // runc's only failure code: containerd's shim tells failures by it and by the log.
    process.exitCode = 1;
  }
}

/** Set by the launcher (main.cts) before it runs a small program: runs the whole one on this process's command line. */
export const WHOLE_PROGRAM = Symbol.for('mydocker.runc.wholeProgram');

/**
 * A small program (hot-cli.ts, delete-cli.ts, create-cli.ts): runs `run` for `commands` (after answerGlobally())
 * and reports as the whole program does. The launcher picks it from the command's word alone
 * (commandKey()); should the parser see another command in the line, the whole program gets the
 * line before anything is done. A line the parser refuses is reported here, as the whole program would.
 */
export function runcProgram(commands: ReadonlySet<string>, run: RunCommand): void {
  const argv = process.argv.slice(2);
  const whole = (globalThis as Record<symbol, unknown>)[WHOLE_PROGRAM] as (() => void) | undefined;
  if (whole !== undefined && !answersLine(argv, commands)) {
    whole();
    return;
  }
  void runcMain(argv, async (line, out, warn) => {
    const answered = answerGlobally(line, out);
    if (answered !== null) return answered;
    if (!commands.has(line.command!)) throw new Error(`${line.command} is not a command of this program: run mydocker-runc`);
    return run(line, out, warn);
  });
}

function answersLine(argv: readonly string[], commands: ReadonlySet<string>): boolean {
  try {
    const { command } = parseRuncArgs(argv);
    return command === null || commands.has(command);
  } catch {
    return true;
  }
}
