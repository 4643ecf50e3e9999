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

// Two things only a process already inside can do for the command, before exec'ing it: wait until
// hooks have acted on its pid (the cgroups plugin puts it in the container's groups, so the limits
// hold from the command's first instruction), and, with a terminal, open it as a session leader
// so that it becomes the controlling terminal (job control, Ctrl-C). The container's own /bin/sh
// does both; its own PWD/OLDPWD/SHLVL are undone so the environment stays the container's. An
// image without /bin/sh gets the command directly: no controlling terminal, and hooks act on the
// process right after it started.
const WRAPPER_SCRIPT = [
  'read -r _ <&3 || exit 125',
  'exec 3<&-',
  'if [ -n "$1" ]; then exec 0<>"$1" 1>&0 2>&0; fi',
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
  const spawned: Array<(pid: number) => void> = [];
  let child: ChildProcess | undefined;
  let ptyMaster: number | null = null;
  let ptySlave: number | null = null;
  let go: [number, number] | null = null;
  try {
    deps.host.hooks.enterNamespace.call(hookContext(record, deps.stateDir, deps.kernel, { pid, onLeave: (fn: () => void) => void leaves.push(fn), onSpawn: (fn: (pid: number) => void) => void spawned.push(fn) }));
    // Inside: paths below resolve in the container's root.
    if (!isDirectory(workdir)) throw new CommandError(`cannot enter working directory ${workdir}: no such directory`, 126);
    checkCommand(spec.command, env);
    let file = spec.command[0]!;
    let args = spec.command.slice(1);
    let stdio: unknown[] = [...(spec.stdio ?? ['ignore', 'inherit', 'inherit'])];
    let ttyPath = '';
    if (spec.tty) {
      ptyMaster = fs.openSync('/dev/pts/ptmx', fs.constants.O_RDWR | fs.constants.O_NOCTTY);
      const n = deps.kernel.unlockPty(ptyMaster);
      ptySlave = fs.openSync(`/dev/pts/${n}`, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
      stdio = [ptySlave, ptySlave, ptySlave];
      ttyPath = `/dev/pts/${n}`;
    }
    if ((spec.tty || spawned.length > 0) && fs.existsSync('/bin/sh')) {
      go = deps.kernel.pipe();
      const userPwd = env.find((e) => e.startsWith('PWD='))?.slice(4) ?? '';
      args = ['-c', WRAPPER_SCRIPT, 'sh', ttyPath, userPwd, ...spec.command];
      file = '/bin/sh';
      stdio.push(go[0]);
    }
    child = deps.spawn(file, args, {
      cwd: workdir,
      env: Object.fromEntries(env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)])),
      stdio: stdio as SpawnOptions['stdio'],
      detached: true,
    });
    if (child.pid !== undefined) {
      try {
        for (const action of spawned) action(child.pid);
      } catch (error) {
        child.kill('SIGKILL'); // outside its container's limits it must not run
        throw error;
      }
      if (go) fs.writeSync(go[1], 'go\n');
    }
  } catch (error) {
    if (ptyMaster !== null) fs.closeSync(ptyMaster);
    throw error;
  } finally {
    // Closing our end without "go" makes a waiting wrapper exit 125 before the command runs.
    if (go) for (const fd of go) fs.closeSync(fd);
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
