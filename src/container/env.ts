// The container's environment: the image's defaults, then Docker's additions (HOSTNAME, HOME,
// TERM with a tty), then --env-file and -e in order. Never the host's environment, except a
// variable the user names with `-e NAME` (no '='), which Docker copies from the caller on purpose.
import * as fs from 'node:fs';
import { MydockerError } from '../errors.js';

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
  if (!env.has('HOME')) env.set('HOME', '/root');
  return [...env].map(([k, v]) => `${k}=${v}`);
}

/** A container's environment with `-e` entries applied on top (for exec). */
export function overrideEnv(base: readonly string[], entries: readonly string[], callerEnv: NodeJS.ProcessEnv): string[] {
  const env = new Map<string, string>();
  for (const entry of base) setEntry(env, entry, 'the container', {});
  for (const entry of entries) setEntry(env, entry, '-e', callerEnv);
  return [...env].map(([k, v]) => `${k}=${v}`);
}

function setEntry(env: Map<string, string>, entry: string, origin: string, callerEnv: NodeJS.ProcessEnv): void {
  const eq = entry.indexOf('=');
  const key = eq < 0 ? entry : entry.slice(0, eq);
  if (key === '' || /\s/.test(key)) throw new MydockerError(`invalid environment variable "${entry}" in ${origin}`, { hint: 'use KEY=VALUE' });
  if (eq >= 0) env.set(key, entry.slice(eq + 1));
  else if (Object.prototype.hasOwnProperty.call(callerEnv, key) && typeof callerEnv[key] === 'string') env.set(key, callerEnv[key]);
}

/** Docker's env-file format: one KEY=VALUE (or KEY) a line; '#' comments and blank lines skipped. */
export function parseEnvFile(file: string): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new MydockerError(`cannot read env file ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  return text
    .split('\n')
    .map((line) => line.replace(/\r$/, ''))
    .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))
    .map((line) => line.trimStart());
}
