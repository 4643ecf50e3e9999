// `mydocker-runc exec`: a process inside a running OCI container, through mydocker's one way in
// (src/runtime/exec.ts: the enterNamespace hook joins the container, the cgroups plugin puts the
// new process in its groups, mydocker-init confines it and execs). The process is described by an
// OCI process file (--process, what containerd writes) or by the container's own process with the
// command line's arguments, env, cwd and terminal. --detach leaves it with no mydocker parent: it
// is reparented to the caller (containerd's shim) when this process exits.
import * as fs from 'node:fs';
import { MydockerError } from '../errors.js';
import { execInContainer } from '../runtime/exec.js';
import { spawnLight } from '../process/spawn-light.js';
import { parseProcessFile, type OciConfig, type OciProcess } from './config.js';
import type { OciDeps } from './create.js';
import { readBundleConfig, writePidFile } from './create.js';
import { hookRecord } from './engine.js';
import { processInit } from './launch-plan.js';
import { statusNow } from './store.js';

export interface ExecOptions {
  id: string;
  /** --process FILE ("-" is stdin), else the container's process with the overrides below. */
  processFile: string | null;
  args: string[];
  env: string[];
  cwd: string | null;
  tty: boolean;
  detach: boolean;
  pidFile: string | null;
  consoleSocket: string | null;
  /** --user UID[:GID] (numbers: the container's files are not looked up). */
  user: string | null;
}

/**
 * The container's user namespace as the exec'd process finds it (it starts in the container's
 * mount and PID namespaces, the runtime never in its user namespace): through the container's
 * PID 1, which is 1 in a PID namespace of its own and its host pid in the host's. Without it the
 * process would run as the host's root in the container.
 */
function userNamespaceInside(config: OciConfig, pid: number | null): string | null {
  const namespaces = config.linux.namespaces;
  if (!namespaces.some((ns) => ns.type === 'user')) return null;
  if (namespaces.some((ns) => ns.type === 'pid' && ns.path === null)) return '/proc/1/ns/user';
  if (pid === null) throw new MydockerError('the container has no first process to find its user namespace by', { exitCode: 1 });
  return `/proc/${pid}/ns/user`;
}

/** The exit code of the process, or 0 once a detached one is started. */
export async function execProcess(deps: OciDeps, options: ExecOptions): Promise<number> {
  const container = deps.store.get(options.id);
  const status = statusNow(container);
  if (status !== 'running') throw new MydockerError(`cannot exec in a ${status} container`, { exitCode: 1 });
  const config = readBundleConfig(container.bundle);
  const proc = options.processFile !== null ? readProcess(options.processFile) : commandLineProcess(config.process, options);
  if (proc.args.length === 0) throw new MydockerError('exec needs a command', { exitCode: 1 });
  if (proc.terminal && options.consoleSocket === null) throw new MydockerError('cannot allocate a terminal without --console-socket', { exitCode: 1 });
  // The container's seccomp filter holds for what is exec'd into it too.
  const seccomp = config.linux.seccomp === null ? null : await deps.compileSeccomp(JSON.stringify(config.linux.seccomp), proc.capabilities.bounding.map((c) => c.slice(4)));
  const host = await deps.host();
  const record = hookRecord(container);
  const started = await execInContainer(
    { host, kernel: deps.kernel, stateDir: deps.store.dir(options.id), spawn: spawnLight, initFd: deps.launchDeps().initFd, seccompCache: '' },
    record,
    { command: proc.args, tty: proc.terminal, stdio: [0, 1, 2], launch: { ...processInit(proc), seccomp, userNamespace: userNamespaceInside(config, container.pid) } },
  );
  try {
    if (started.ptyMaster !== null) deps.sendConsole(options.consoleSocket!, started.ptyMaster);
    if (options.pidFile !== null) writePidFile(options.pidFile, started.pid);
  } catch (error) {
    // Nobody would know of it, or hold its terminal: it must not run on.
    started.signal('SIGKILL');
    await started.wait();
    throw error;
  } finally {
    if (started.ptyMaster !== null) fs.closeSync(started.ptyMaster);
  }
  if (options.detach) return 0;
  return started.wait();
}

function readProcess(file: string): OciProcess {
  let text: string;
  try {
    text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new MydockerError(`cannot read the process file ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`, { exitCode: 1 });
  }
  return parseProcessFile(text, file);
}

function commandLineProcess(base: OciProcess, options: ExecOptions): OciProcess {
  const env = [...base.env];
  for (const entry of options.env) {
    const name = entry.split('=')[0]!;
    const at = env.findIndex((e) => e.split('=')[0] === name);
    if (at >= 0) env[at] = entry;
    else env.push(entry);
  }
  let user = base.user;
  if (options.user !== null) {
    const match = /^(\d+)(?::(\d+))?$/.exec(options.user);
    if (!match) throw new MydockerError(`--user "${options.user}" must be UID[:GID], in numbers`, { exitCode: 1 });
    user = { ...base.user, uid: Number(match[1]), gid: match[2] === undefined ? base.user.gid : Number(match[2]) };
  }
  return { ...base, args: options.args, env, cwd: options.cwd ?? base.cwd, terminal: options.tty, user };
}
