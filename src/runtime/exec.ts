// `exec`: starts a process inside a running container, from the calling process. One synchronous
// window on the main thread: the enterNamespace hook joins the container (the built-in plugin
// setns()es into its ipc, uts, net, pid and mnt namespaces), the working directory and command are
// checked inside the container's root, the process is spawned — born in the container's PID
// namespace, with its root — and the hook's way back runs, newest first, whatever happened.
import * as fs from 'node:fs';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import type { Kernel } from '../../hooks/index.js';
import { CommandError, MydockerError } from '../errors.js';
import type { ContainerRecord } from '../container/record.js';
import { deriveStatus } from '../container/status.js';
import { overrideEnv } from '../container/env.js';
import { checkCommand, type StdioTarget } from '../process/launch.js';
import { hookContext } from './contexts.js';
import type { PluginHost } from './plugin-host.js';

export interface ExecSpec {
  command: string[];
  /** -e entries on top of the container's environment. */
  env?: string[];
  workdir?: string;
  tty?: boolean;
  /** Without tty: the process's fds 0, 1, 2 (default: /dev/null, inherit, inherit). */
  stdio?: [StdioTarget, StdioTarget, StdioTarget];
  callerEnv?: NodeJS.ProcessEnv;
}

export interface ExecProcess {
  /** Host PID of the process. */
  readonly pid: number;
  readonly ptyMaster: number | null;
  signal(signal: NodeJS.Signals): void;
  /** The process's exit code, 128+N when killed by signal N. */
  wait(): Promise<number>;
}

export interface ExecDeps {
  host: PluginHost;
  kernel: Kernel;
  stateDir: string;
  spawn(file: string, args: string[], options: SpawnOptions): ChildProcess;
}

// With a terminal the process must open it as a session leader to make it its controlling terminal
// (job control, Ctrl-C). Only a process inside can: the container's own /bin/sh does it, then execs
// the command. Its own PWD/OLDPWD/SHLVL are undone so the environment stays the container's.
const TTY_SCRIPT = [
  'exec 0<>"$1" 1>&0 2>&0',
  'unset PWD OLDPWD SHLVL',
  'if [ -n "$2" ]; then export PWD="$2"; fi',
  'shift 2',
  'exec "$@"',
].join('\n');

export function execInContainer(deps: ExecDeps, record: ContainerRecord, spec: ExecSpec): ExecProcess {
  if (deriveStatus(record) !== 'running') {
    throw new MydockerError(`container ${record.name} is not running`, { hint: `start it first: mydocker start ${record.name}` });
  }
  if (spec.command.length === 0) throw new MydockerError('exec needs a command', { hint: "see 'mydocker exec --help'" });
  const pid = record.state.pid!;
  const env = overrideEnv(record.env, spec.env ?? [], spec.callerEnv ?? process.env);
  const workdir = spec.workdir ?? record.workdir;
  if (!workdir.startsWith('/')) throw new MydockerError(`working directory "${workdir}" is not absolute`);

  const leaves: Array<() => void> = [];
  let child: ChildProcess | undefined;
  let ptyMaster: number | null = null;
  let ptySlave: number | null = null;
  try {
    deps.host.hooks.enterNamespace.call(hookContext(record, deps.stateDir, deps.kernel, { pid, onLeave: (fn: () => void) => void leaves.push(fn) }));
    // Inside: paths below resolve in the container's root.
    if (!isDirectory(workdir)) throw new CommandError(`cannot enter working directory ${workdir}: no such directory`, 126);
    checkCommand(spec.command, env);
    let file = spec.command[0]!;
    let args = spec.command.slice(1);
    let stdio: SpawnOptions['stdio'] = spec.stdio ?? ['ignore', 'inherit', 'inherit'];
    if (spec.tty) {
      ptyMaster = fs.openSync('/dev/pts/ptmx', fs.constants.O_RDWR | fs.constants.O_NOCTTY);
      const n = deps.kernel.unlockPty(ptyMaster);
      ptySlave = fs.openSync(`/dev/pts/${n}`, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
      stdio = [ptySlave, ptySlave, ptySlave];
      if (fs.existsSync('/bin/sh')) {
        const userPwd = env.find((e) => e.startsWith('PWD='))?.slice(4) ?? '';
        args = ['-c', TTY_SCRIPT, 'sh', `/dev/pts/${n}`, userPwd, ...spec.command];
        file = '/bin/sh';
      }
    }
    child = deps.spawn(file, args, {
      cwd: workdir,
      env: Object.fromEntries(env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)])),
      stdio,
      detached: true,
    });
  } catch (error) {
    if (ptyMaster !== null) fs.closeSync(ptyMaster);
    throw error;
  } finally {
    if (ptySlave !== null) fs.closeSync(ptySlave);
    for (const leave of leaves.reverse()) leave();
  }
  const started = child;
  const exited = new Promise<number>((resolve, reject) => {
    started.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') resolve(127);
      else if (error.code === 'EACCES') resolve(126);
      else reject(error);
    });
    started.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0)));
  });
  return {
    pid: started.pid ?? -1,
    ptyMaster,
    signal: (signal) => {
      if (started.exitCode === null && started.signalCode === null) started.kill(signal);
    },
    wait: () => exited,
  };
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
