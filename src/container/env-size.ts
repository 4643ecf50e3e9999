// How much environment the kernel lets a command start with. execve(2) copies the arguments and
// the environment onto the new process's stack and refuses (E2BIG) a single string over 128 KiB, or
// all of them over a quarter of the stack limit (at most 6 MiB): checked before anything is made,
// so that a huge --env-file gets a sentence instead of a failed spawn half-way through a run.
import * as fs from 'node:fs';
import { MydockerError } from '../errors.js';

/** MAX_ARG_STRLEN: 32 pages of 4 KiB, the terminating NUL included. */
export const MAX_VARIABLE_BYTES = 32 * 4096;

/** The kernel's budget for one execve's strings and their pointers (fs/exec.c, bprm_stack_limits). */
export function execLimit(limitsFile = '/proc/self/limits'): number {
  const sixMiB = ((8 * 1024 * 1024) / 4) * 3; // three quarters of _STK_LIM
  let stack = Infinity;
  try {
    const line = fs.readFileSync(limitsFile, 'utf8').match(/^Max stack size\s+(\S+)/m);
    if (line && line[1] !== 'unlimited') stack = Number(line[1]);
  } catch {
    // No /proc: the kernel's own ceiling is still right for the common 8 MiB stack.
  }
  return Math.max(MAX_VARIABLE_BYTES, Math.min(sixMiB, Number.isFinite(stack) ? Math.floor(stack / 4) : sixMiB));
}

/**
 * Refuses an environment (with the command's arguments, when given) that no command could be
 * started with, naming what is too large.
 */
export function checkEnvSize(env: readonly string[], command: readonly string[] = [], limit = execLimit()): void {
  let total = 0;
  for (const entry of env) {
    const bytes = Buffer.byteLength(entry) + 1;
    if (bytes > MAX_VARIABLE_BYTES) {
      const eq = entry.indexOf('=');
      const name = (eq < 0 ? entry : entry.slice(0, eq)).slice(0, 64);
      throw new MydockerError(`the environment is too large: variable ${name} is ${bytes - 1} bytes, the kernel passes at most ${MAX_VARIABLE_BYTES - 1} a variable`, {
        hint: 'pass large data in a file (a volume) instead',
      });
    }
    total += bytes + 8; // and its pointer
  }
  for (const [i, arg] of command.entries()) {
    const bytes = Buffer.byteLength(arg) + 1;
    if (bytes > MAX_VARIABLE_BYTES) throw new MydockerError(`the command is too large: its argument ${i} is ${bytes - 1} bytes, the kernel passes at most ${MAX_VARIABLE_BYTES - 1} an argument`);
    total += bytes + 8;
  }
  if (total > limit) {
    const what = command.length === 0 ? `the environment is too large: ${env.length} variables take` : `the environment and command are too large: ${env.length} variables and ${command.length} arguments take`;
    throw new MydockerError(`${what} ${total} bytes, the kernel starts a command with at most ${limit}`, {
      hint: 'pass fewer or smaller variables, or large data in a file',
    });
  }
}

/** execve's E2BIG as the user's error: what remains of it once the environment passed the check. */
export function explainE2big(error: unknown): unknown {
  if ((error as NodeJS.ErrnoException | undefined)?.code !== 'E2BIG') return error;
  return new MydockerError('the environment and command are too large: the kernel refused to start the command (E2BIG)', {
    hint: 'pass fewer or smaller variables or arguments',
    cause: error,
  });
}

/** `starting`, with an E2BIG from its spawn put into words. */
export function explainingE2big<T>(starting: Promise<T>): Promise<T> {
  return starting.catch((error: unknown) => {
    throw explainE2big(error);
  });
}
