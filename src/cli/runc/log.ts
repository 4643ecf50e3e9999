// Where `mydocker-runc` (the OCI runtime command line) reports: `--log FILE` with `--log-format json|text`, as runc
// (logrus) writes it, else stderr. containerd's shim reads the log file after a failed call and
// shows the msg of its last "error" line: plain text there, or no file, and the message is lost.
import * as fs from 'node:fs';

export type LogFormat = 'json' | 'text';
export type LogLevel = 'debug' | 'info' | 'warning' | 'error';

export function parseLogFormat(value: string | undefined): LogFormat {
  if (value === undefined || value === 'text') return 'text';
  if (value === 'json') return 'json';
  throw new Error(`unknown log format "${value}" (json or text)`);
}

/** One line of the log, as logrus formats it. */
export function logLine(format: LogFormat, level: LogLevel, msg: string, time: Date = new Date()): string {
  const stamp = time.toISOString().replace(/\.\d+Z$/, 'Z');
  if (format === 'json') return `${JSON.stringify({ level, msg, time: stamp })}\n`;
  return `time="${stamp}" level=${level} msg=${JSON.stringify(msg)}\n`;
}

/** Appends one line to the log file, or writes it to stderr without one. Never throws: a log that cannot be written is no reason to fail the call it reports. */
export function writeLog(file: string | undefined, format: LogFormat, level: LogLevel, msg: string): void {
  const line = logLine(format, level, msg);
  try {
    if (file === undefined) fs.writeSync(2, line);
    else fs.appendFileSync(file, line, { mode: 0o600 });
  } catch {
    // Nowhere left to report to.
  }
}
