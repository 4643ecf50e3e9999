// `exec`: starts a process inside a running container, from the calling process. The confinement
// (capabilities, seccomp program) is computed first, on the host side; then one synchronous window
// on the main thread: the enterNamespace hook joins the container (the built-in plugin setns()es
// into its ipc, uts, net, pid and mnt namespaces), the working directory, command and user are
// checked inside the container's root, mydocker-init is spawned from its sealed copy — born in the
// container's PID namespace, with its root — and the hook's way back runs, newest first, whatever
// happened. The init waits for its launch message, sent once the hooks' onSpawn actions (the
// cgroups) are done: it confines itself as the container's first process did, then execs.
import * as fs from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { Kernel } from '../../hooks/index.js';
import { CommandError, MydockerError } from '../errors.js';
import type { ContainerRecord } from '../container/record.js';
import { deriveStatus, isPaused } from '../container/status.js';
import { overrideEnv } from '../container/env.js';
import type { StdioTarget } from '../process/launch.js';
import { loadPipeStreams, type SpawnFunction, type SpawnLightOptions, type SpawnedProcess } from '../process/spawn-light.js';
import { checkCommand, readContainerFile, writeAll } from '../process/inside.js';
import { INIT_ARGV0, INIT_PATH, encodeInitConfig, type InitConfig } from '../process/first-process.js';
import { initRlimits } from '../process/rlimits.js';
import { securityOf } from '../security/settings.js';
import { initConfig, processConfinement } from '../security/process-confinement.js';
import { resolveUser } from '../security/user.js';
import { hookContext } from './contexts.js';
import type { StdioPipes } from './stdio-pipes.js';
import type { PluginHost } from './plugin-host.js';

export interface ExecSpec {
  command: string[];
  /** -e entries on top of the container's environment. */
  env?: string[];
  workdir?: string;
  /** -u: NAME|UID[:GROUP|GID] in the container's files; default the container's user. */
  user?: string;
  tty?: boolean;
  /** Without tty: the process's fds 0, 1, 2 (default: /dev/null, inherit, inherit). */
  stdio?: [StdioTarget, StdioTarget, StdioTarget];
  callerEnv?: NodeJS.ProcessEnv;
  /**
   * The whole launch message but the terminal, as an OCI process (`mydocker-runc exec`) gives it:
   * its env, cwd, numeric user and capabilities replace the container's and -e/-w/-u.
   */
  launch?: Omit<InitConfig, 'tty'>;
}

export interface ExecProcess {
  /** Host PID of the process. */
  readonly pid: number;
  readonly ptyMaster: number | null;
  /** The process's end of each stdio given as 'pipe' (otherwise null), to relay. */
  readonly pipes: StdioPipes;
  signal(signal: NodeJS.Signals): void;
  /** The process's exit code, 128+N when killed by signal N. */
  wait(): Promise<number>;
}

export interface ExecDeps {
  host: PluginHost;
  kernel: Kernel;
  stateDir: string;
  spawn: SpawnFunction;
  /** The sealed memfd holding mydocker-init. */
  initFd: number;
  seccompCache: string;
}

export async function execInContainer(deps: ExecDeps, record: ContainerRecord, spec: ExecSpec): Promise<ExecProcess> {
  if (deriveStatus(record) !== 'running') {
    throw new MydockerError(`container ${record.name} is not running`, { hint: `start it first: mydocker start ${record.name}` });
  }
  if (isPaused(record)) throw new MydockerError(`container ${record.name} is paused, unpause the container before exec`);
  if (spec.command.length === 0) throw new MydockerError('exec needs a command', { hint: "see 'mydocker exec --help'" });
  const pid = record.state.pid!;
  const env = spec.launch ? [...spec.launch.env] : overrideEnv(record.env, spec.env ?? [], spec.callerEnv ?? process.env);
  const workdir = spec.launch?.cwd ?? spec.workdir ?? record.workdir;
  if (!workdir.startsWith('/')) throw new MydockerError(`working directory "${workdir}" is not absolute`);
  const security = securityOf(record);
  // Host files (the seccomp cache) are read now: inside the window paths resolve in the container.
  const confinement = spec.launch ? null : await processConfinement(security, { seccompCache: deps.seccompCache });

  const leaves: Array<() => void> = [];
  const spawned: Array<(pid: number) => void> = [];
  let child: SpawnedProcess | undefined;
  let ptyMaster: number | null = null;
  let ptySlave: number | null = null;
  // What the streams of its pipes need, loaded before the window rather than in it (~9 ms here).
  if (!spec.tty && spec.stdio?.includes('pipe') === true) loadPipeStreams();
  const go = deps.kernel.pipe();
  try {
    deps.host.hooks.enterNamespace.call(hookContext(record, deps.stateDir, deps.kernel, { pid, onLeave: (fn: () => void) => void leaves.push(fn), onSpawn: (fn: (pid: number) => void) => void spawned.push(fn) }));
    // Inside: paths below resolve in the container's root.
    if (!isDirectory(workdir)) throw new CommandError(`cannot enter working directory ${workdir}: no such directory`, 126);
    checkCommand(spec.command, env);
    const user = spec.launch ? null : resolveUser(spec.user ?? security.user, readContainerFile);
    let stdio: unknown[] = [...(spec.stdio ?? ['ignore', 'inherit', 'inherit'])];
    let ttyPath: string | null = null;
    if (spec.tty) {
      ptyMaster = fs.openSync('/dev/pts/ptmx', fs.constants.O_RDWR | fs.constants.O_NOCTTY);
      const n = deps.kernel.unlockPty(ptyMaster);
      ptySlave = fs.openSync(`/dev/pts/${n}`, fs.constants.O_RDWR | fs.constants.O_NOCTTY);
      stdio = [ptySlave, ptySlave, ptySlave];
      ttyPath = `/dev/pts/${n}`;
    }
    child = deps.spawn(INIT_PATH, [], {
      argv0: INIT_ARGV0,
      cwd: '/',
      env: {}, // the command's environment comes in the launch message
      stdio: [...stdio, go[0], 'ignore', deps.initFd] as SpawnLightOptions['stdio'],
      detached: true, // a session of its own: the terminal becomes its controlling terminal
    });
    if (child.pid !== undefined) {
      try {
        for (const action of spawned) action(child.pid);
      } catch (error) {
        child.kill('SIGKILL'); // outside its container's limits it must not run
        throw error;
      }
      // As runc's exec: the container's resource limits (--ulimit) hold for what is exec'd too.
      const message = spec.launch ? { ...spec.launch, tty: ttyPath } : { ...initConfig(confinement!, user!, { argv: spec.command, env, cwd: workdir, tty: ttyPath }), rlimits: initRlimits(record.ulimits) };
      writeAll(go[1], encodeInitConfig(message));
    }
  } catch (error) {
    if (ptyMaster !== null) fs.closeSync(ptyMaster);
    throw error;
  } finally {
    // Closing our end without a message makes a waiting init exit 125 before the command runs.
    for (const fd of go) fs.closeSync(fd);
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
    pipes: { stdin: started.stdin, stdout: started.stdout, stderr: started.stderr },
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
