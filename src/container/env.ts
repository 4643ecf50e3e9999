// The container's environment: the image's defaults, then Docker's additions (HOSTNAME, TERM with
// a tty), then --env-file and -e in order. HOME, unless set here, is added when a process starts,
// from the passwd entry of the user it runs as (src/security/process-confinement.ts). Never the host's environment, except a
// variable the user names with `-e NAME` (no '='), which Docker copies from the caller on purpose.
import * as fs from 'node:fs';
import { MydockerError, fileError } from '../errors.js';
import { checkEnvSize } from './env-size.js';

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface EnvInput {
  imageEnv: readonly string[];
  hostname: string;
  tty: boolean;
  envFiles: readonly string[];
  env: readonly string[];
  /** Where `-e NAME` takes its value from; the caller's environment. */
  callerEnv: NodeJS.ProcessEnv;
}

export function buildEnv(input: EnvInput): string[] {
  const env = new Map<string, string>();
  const set = (entry: string, origin: string): void => setEntry(env, entry, origin, input.callerEnv);
  env.set('PATH', DEFAULT_PATH);
  for (const entry of input.imageEnv) set(entry, 'the image');
  env.set('HOSTNAME', input.hostname);
  if (input.tty) env.set('TERM', 'xterm');
  for (const file of input.envFiles) for (const entry of parseEnvFile(file)) set(entry, file);
  for (const entry of input.env) set(entry, '-e');
  const entries = [...env].map(([k, v]) => `${k}=${v}`);
  checkEnvSize(entries);
  return entries;
}

/** A container's environment with `-e` entries applied on top (for exec). */
export function overrideEnv(base: readonly string[], entries: readonly string[], callerEnv: NodeJS.ProcessEnv): string[] {
  const env = new Map<string, string>();
  for (const entry of base) setEntry(env, entry, 'the container', {});
  for (const entry of entries) setEntry(env, entry, '-e', callerEnv);
  const result = [...env].map(([k, v]) => `${k}=${v}`);
  checkEnvSize(result);
  return result;
}

function setEntry(env: Map<string, string>, entry: string, origin: string, callerEnv: NodeJS.ProcessEnv): void {
  const eq = entry.indexOf('=');
  const key = eq < 0 ? entry : entry.slice(0, eq);
  if (key === '' || /\s/.test(key)) throw new MydockerError(`invalid environment variable "${clip(entry)}" in ${origin}`, { hint: 'use KEY=VALUE' });
  // execve takes C strings: a NUL would cut the variable short (Node refuses it outright).
  if (entry.includes('\0')) throw new MydockerError(`invalid environment variable "${clip(key)}" in ${origin}: it contains a NUL byte`);
  if (eq >= 0) env.set(key, entry.slice(eq + 1));
  else if (Object.prototype.hasOwnProperty.call(callerEnv, key) && typeof callerEnv[key] === 'string') env.set(key, callerEnv[key]);
}

/** Docker's env-file format: one KEY=VALUE (or KEY) a line; '#' comments and blank lines skipped. */
export function parseEnvFile(file: string): string[] {
  let text: string;
  try {
    text = readEnvFile(file);
  } catch (error) {
    throw fileError(error, 'read env file', file);
  }
  return text
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))
    .map((line) => line.trimStart());
}

/** More than any environment a command can start with (execLimit is at most 6 MiB). */
const MAX_ENV_FILE_BYTES = 16 * 1024 * 1024;

/**
 * The file's text, read through one descriptor: a regular file or a pipe (`--env-file <(...)`);
 * a device (/dev/zero) would never end, so it is refused, and so is any input past the bound.
 */
function readEnvFile(file: string): string {
  const fd = fs.openSync(file, 'r');
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (!stat.isFile() && !stat.isFIFO()) throw new MydockerError(`cannot read env file ${file}: it is not a regular file`);
    const chunks: Buffer[] = [];
    let size = 0;
    for (;;) {
      const chunk = Buffer.alloc(64 * 1024);
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      size += n;
      if (size > MAX_ENV_FILE_BYTES) {
        throw new MydockerError(`the environment is too large: env file ${file} has more than ${MAX_ENV_FILE_BYTES / 1024 / 1024} MiB`, { hint: 'pass fewer or smaller variables' });
      }
      chunks.push(chunk.subarray(0, n));
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** A user's string in a message: whole if short, its start if not (a message stays one line). */
function clip(text: string): string {
  return text.length <= 64 ? text : `${text.slice(0, 64)}…`;
}
