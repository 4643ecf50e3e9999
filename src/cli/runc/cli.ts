// The `mydocker-runc` program: runc's command line (args.ts) over mydocker's OCI runtime (src/oci/),
// for containerd's runc shim, CRI and the runtime-tools suite; started by main.cts, the executable.
// The one place of the OCI side that prints and sets the exit code: an error is one line on stderr
// and one in the --log file (logrus json or text: containerd's shim shows the msg of the last
// "error" line), exit 1.
import { parseRuncArgs } from './args.js';
import { parseLogFormat, writeLog, type LogFormat } from './log.js';
import { runCommand } from './commands.js';

void main(process.argv.slice(2));

async function main(argv: string[]): Promise<void> {
  let logFile: string | undefined;
  let logFormat: LogFormat = 'text';
  try {
    const line = parseRuncArgs(argv);
    logFile = typeof line.global.log === 'string' ? line.global.log : undefined;
    logFormat = parseLogFormat(typeof line.global['log-format'] === 'string' ? line.global['log-format'] : undefined);
    const file = logFile;
    const format = logFormat;
    process.exitCode = await runCommand(line, (text) => process.stdout.write(text), (message) => writeLog(file, format, 'warning', message));
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
