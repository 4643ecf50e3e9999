// The config's OCI hooks (runtime-spec "POSIX-platform Hooks"), each a program run on the host with
// the container's state document on its stdin, its own args (args[0] is its argv[0]) and env, and an
// optional timeout in seconds: prestart and createRuntime by `create` once the namespaces and cgroups
// exist (a failure fails the create, which unwinds); poststart by `start` and poststop by `delete`
// (a failure is only reported: the container already started, or is already gone).
// createContainer and startContainer run inside the container's namespaces: not supported yet, and
// refused by launchPlan.
import { MydockerError } from '../errors.js';
import type { OciHook } from './config.js';
import type { OciState } from './state.js';

export const HOOKS_RUN_ON_HOST = ['prestart', 'createRuntime', 'poststart', 'poststop'] as const;

/** Runs `hooks` in order; the first failure is thrown. */
export async function runOciHooks(kind: string, hooks: readonly OciHook[], state: OciState): Promise<void> {
  for (const hook of hooks) await runOne(kind, hook, state);
}

/** Runs every hook; failures are returned, one line each (what a warning reports). */
export async function runOciHooksReporting(kind: string, hooks: readonly OciHook[], state: OciState): Promise<string[]> {
  const failures: string[] = [];
  for (const hook of hooks) {
    try {
      await runOne(kind, hook, state);
    } catch (error) {
      failures.push((error as Error).message);
    }
  }
  return failures;
}

/** node:child_process (and node:net with it: ~10 ms of every start and delete) only when there is a hook. */
async function runOne(kind: string, hook: OciHook, state: OciState): Promise<void> {
  const [argv0, ...args] = hook.args.length > 0 ? hook.args : [hook.path];
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn(hook.path, args, { argv0, env: Object.fromEntries(hook.env.map((e) => [e.slice(0, e.indexOf('=') < 0 ? e.length : e.indexOf('=')), e.slice(e.indexOf('=') + 1)])), stdio: ['pipe', 'ignore', 'pipe'], cwd: '/' });
    let stderr = '';
    let timedOut = false;
    const timer = hook.timeout === null ? undefined : setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, hook.timeout * 1000);
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin!.on('error', () => {}); // a hook that does not read its stdin
    child.stdin!.end(JSON.stringify(state));
    child.once('error', (error) => {
      if (timer) clearTimeout(timer);
      reject(new MydockerError(`${kind} hook ${hook.path}: ${(error as NodeJS.ErrnoException).code ?? error}`, { exitCode: 1 }));
    });
    child.once('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (timedOut) return reject(new MydockerError(`${kind} hook ${hook.path} timed out after ${hook.timeout} s`, { exitCode: 1 }));
      if (code === 0) return resolve();
      const detail = stderr.trim().split('\n').at(-1) ?? '';
      reject(new MydockerError(`${kind} hook ${hook.path} failed (${code !== null ? `exit status ${code}` : `signal ${signal}`})${detail ? `: ${detail}` : ''}`, { exitCode: 1 }));
    });
  });
}
