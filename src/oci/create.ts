// `mydocker-runc create`: the container's first process (mydocker-init) made in the config's
// namespaces, mounts and cgroups, waiting for `start`. The steps, each recorded before it begins so
// that a failure half-way unwinds it (newest first) and leaves nothing:
//   state directory -> state.json ("creating") -> prepareRootfs -> createCgroups -> the launch
//   window (a holding first process, its pid saved the moment it is ready, which joins its groups
//   itself and then unshares its cgroup namespace, both in its prelude) -> oom_score_adj ->
//   applyCgroups (checks it is in its groups) -> setupNetwork -> the config's prestart and
//   createRuntime hooks -> launch.bin -> the console socket -> the pid file -> state.json ("created").
// So when `create` returns the first process is in its cgroups and its own cgroup namespace, as
// runc's is (runtime-tools' linux_ns_nopath compares the namespaces right after create).
// Then this process exits: the first process, its child, is reparented to the caller (containerd's
// shim is a subreaper and learns exits only by reaping its own children), and holds its own go pipe
// (launch.ts BundleLaunch.holdGo) until `start` writes the saved message into it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLONE, type InitStep, type Kernel } from '../../hooks/index.js';
import { MydockerError, describe } from '../errors.js';
import { processStartTime } from '../container/proc-stat.js';
import { encodeInitConfig } from '../process/first-process.js';
import { launch, type LaunchDeps, type Launched } from '../process/launch.js';
import type { SpawnedProcess } from '../process/spawn-light.js';
import { hookContext } from '../runtime/contexts.js';
import type { PluginHost } from '../runtime/plugin-host.js';
import { CONFIG_FILE, parseConfig, type OciConfig } from './config.js';
import { bundleLaunch } from './bundle-window.js';
import { hookRecord } from './engine.js';
import { launchPlan } from './launch-plan.js';
import { OciStore, type OciContainer } from './store.js';
import { teardown, type OciStep } from './teardown.js';
import { stopPoint } from '../../hooks/stop-point.js';
import { runOciHooks } from './oci-hooks.js';
import { stateDocument } from './state.js';

export interface CreateOptions {
  id: string;
  bundle: string;
  pidFile: string | null;
  consoleSocket: string | null;
  preserveFds: number;
}

export interface OciDeps {
  store: OciStore;
  kernel: Kernel;
  host(): Promise<PluginHost>;
  launchDeps(): LaunchDeps;
  /** Sends the pty master to the console socket (src/kernel/unix-socket.ts). */
  sendConsole(socketPath: string, fd: number): void;
  /** Compiles config.json's linux.seccomp (Docker's profile format) for these capabilities. */
  compileSeccomp(profile: string, capabilities: readonly string[]): Promise<Buffer>;
}

export interface Created {
  container: OciContainer;
  /** The first process as this process's child: `run` waits for it; `create` lets it go. */
  child: SpawnedProcess;
}

export function readBundleConfig(bundle: string): OciConfig {
  const file = path.join(bundle, CONFIG_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new MydockerError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`, { exitCode: 1 });
  }
  return parseConfig(text, bundle);
}

export async function createContainer(deps: OciDeps, options: CreateOptions): Promise<Created> {
  const bundle = path.resolve(options.bundle);
  // Everything that can be refused is refused before anything exists.
  const config = readBundleConfig(bundle);
  const plan = launchPlan(config);
  const uts = config.linux.namespaces.find((ns) => ns.type === 'uts');
  if (plan.hostname !== null && uts?.path) refuseHostUts(uts.path);
  for (let fd = 3; fd < 3 + options.preserveFds; fd++) {
    try {
      fs.fstatSync(fd);
    } catch {
      throw new MydockerError(`--preserve-fds ${options.preserveFds}: descriptor ${fd} is not open`, { exitCode: 1 });
    }
  }
  if (plan.tty && options.consoleSocket === null) throw new MydockerError('cannot allocate a terminal without --console-socket (process.terminal is true)', { exitCode: 1 });
  if (!plan.tty && options.consoleSocket !== null) throw new MydockerError('--console-socket was given but process.terminal is false', { exitCode: 1 });
  if (!fs.existsSync(config.root.path)) throw new MydockerError(`the root file system ${config.root.path} does not exist`, { exitCode: 1 });
  const seccomp = config.linux.seccomp === null ? null : await deps.compileSeccomp(JSON.stringify(config.linux.seccomp), config.process.capabilities.bounding.map((c) => c.slice(4)));
  const host = await deps.host();

  const stateDir = deps.store.reserve(options.id);
  const container: OciContainer = {
    id: options.id,
    bundle,
    phase: 'creating',
    pid: null,
    pidStartTime: null,
    created: new Date().toISOString(),
    annotations: config.annotations,
    engine: {
      rootfs: config.root.path,
      hostname: config.hostname ?? '',
      command: config.process.args,
      env: config.process.env,
      cwd: config.process.cwd,
      tty: plan.tty,
      options: plan.cgroupOptions,
      pluginState: {},
    },
    hooks: { poststart: config.hooks.poststart, poststop: config.hooks.poststop },
  };
  const begun = new Set<OciStep>();
  let launched: Launched | undefined;
  let pidFileWritten = false;
  try {
    // Saved after every step, for a `delete` to undo what the step began; a step that changed
    // nothing (most taps save no state: a rename is ~1 ms here) leaves the file as it is.
    let saved = deps.store.save(container);
    stopPoint('oci:state-written');
    const record = hookRecord(container);
    const saveState = (): void => {
      saved = deps.store.save(container, saved);
    };
    begun.add('rootfs');
    await host.hooks.prepareRootfs.promise(hookContext(record, stateDir, deps.kernel, { rootfs: config.root.path, layers: [] }));
    saveState();
    // Before the first process exists: it joins the groups itself, in its prelude, then roots its
    // cgroup namespace there (see CgroupsContext and BundleLaunch.cgroupNamespace).
    const cgroupJoins: string[] = [];
    begun.add('cgroups');
    await host.hooks.createCgroups.promise(hookContext(record, stateDir, deps.kernel, { rootfs: config.root.path, joinFiles: cgroupJoins, saveState }));

    launched = launch(
      {
        rootfs: config.root.path,
        hostname: config.hostname ?? '',
        command: config.process.args,
        env: config.process.env,
        workdir: config.process.cwd,
        tty: plan.tty,
        // fds 0-2 of this process become the container's, and 3…3+N-1 with --preserve-fds N;
        // nothing else reaches it (the init marks every other descriptor close-on-exec).
        stdio: [0, 1, 2],
        cgroupJoins,
        // The waiting init's first trace: saved before anything can kill us and leave it unnamed.
        bundle: { ...bundleLaunch(plan, bundle, options.preserveFds), onReady: (pid) => recordFirstProcess(container, pid, saveState) },
      },
      deps.launchDeps(),
    );
    stopPoint('oci:launched');
    if (plan.oomScoreAdj !== null) setOomScoreAdj(launched.pid, plan.oomScoreAdj);

    const initSteps: InitStep[] = [];
    await host.hooks.applyCgroups.promise(hookContext(record, stateDir, deps.kernel, { pid: launched.pid, rootfs: config.root.path, initSteps, saveState }));
    saveState();
    begun.add('network');
    await host.hooks.setupNetwork.promise(hookContext(record, stateDir, deps.kernel, { pid: launched.pid, rootfs: config.root.path, initSteps, saveState }));
    saveState();
    // The first process made its cgroup namespace in its prelude: the view of its groups (the config
    // mounts one) is mounted in that one, not in another made inside it.
    const steps = plan.cgroupNamespace ? initSteps.filter((s) => !(s.op === 'unshare' && s.flags === CLONE.NEWCGROUP)) : initSteps;

    // The config's prestart (deprecated) and createRuntime hooks: the namespaces and cgroups exist.
    const creating = stateDocument(container, 'creating', config.root.path);
    await runOciHooks('prestart', config.hooks.prestart, creating);
    await runOciHooks('createRuntime', config.hooks.createRuntime, creating);

    deps.store.saveLaunch(options.id, encodeInitConfig({ ...plan.process, tty: launched.ttyPath, seccomp, steps }));
    if (launched.ptyMaster !== null) {
      deps.sendConsole(options.consoleSocket!, launched.ptyMaster);
      fs.closeSync(launched.ptyMaster);
    }
    if (options.pidFile !== null) {
      writePidFile(options.pidFile, launched.pid);
      pidFileWritten = true;
    }
    stopPoint('oci:pid-file-written');
    container.phase = 'created';
    saveState();
    // Our write end of the go pipe closes; the init holds its own until `start`.
    launched.abandon();
    return { container, child: launched.child };
  } catch (error) {
    if (launched) {
      launched.abandon();
      await killAndWait(launched.child);
      if (launched.ptyMaster !== null) closeQuietly(launched.ptyMaster);
    }
    if (pidFileWritten) fs.rmSync(options.pidFile!, { force: true });
    const failures = await teardown(host, deps.kernel, container, stateDir, begun);
    deps.store.remove(options.id);
    if (failures.length > 0 && error instanceof Error) error.message += `; cleaning up also failed: ${failures.map(describe).join('; ')}`;
    throw error;
  }
}

/** The first process's pid and start time, saved: from then on `delete --force ID` finds and kills it. */
function recordFirstProcess(container: OciContainer, pid: number, saveState: () => void): void {
  container.pid = pid;
  container.pidStartTime = processStartTime(pid);
  saveState();
  stopPoint('oci:init-ready');
}

/** A hostname set in a joined UTS namespace that is this process's own would rename the host. */
function refuseHostUts(nsPath: string): void {
  let joined: fs.Stats;
  try {
    joined = fs.statSync(nsPath);
  } catch (error) {
    throw new MydockerError(`cannot open the namespace ${nsPath}: ${(error as NodeJS.ErrnoException).code ?? error}`, { exitCode: 1 });
  }
  const own = fs.statSync('/proc/self/ns/uts');
  if (joined.dev === own.dev && joined.ino === own.ino) {
    throw new MydockerError(`config.json: hostname is set and the UTS namespace to join, ${nsPath}, is the host's (it would rename the host)`, { exitCode: 1, hint: 'remove hostname, or join the UTS namespace of another container' });
  }
}

/** Decimal digits and no newline (containerd's shim parses it with strconv.Atoi); complete or absent. */
export function writePidFile(file: string, pid: number): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, String(pid), { mode: 0o644 });
  fs.renameSync(tmp, file);
}

/** Root here lacks CAP_SYS_RESOURCE: a value below this process's own is refused by the kernel, so say so. */
function setOomScoreAdj(pid: number, value: number): void {
  try {
    fs.writeFileSync(`/proc/${pid}/oom_score_adj`, String(value));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const own = fs.readFileSync('/proc/self/oom_score_adj', 'utf8').trim();
    throw new MydockerError(
      code === 'EACCES' || code === 'EPERM'
        ? `cannot set process.oomScoreAdj to ${value}: lowering it below this runtime's own (${own}) needs CAP_SYS_RESOURCE, which this host's root lacks`
        : `cannot set process.oomScoreAdj to ${value}: ${code ?? error}`,
      { exitCode: 1, hint: 'raise oomScoreAdj (containerd CRI: restrict_oom_score_adj = true)' },
    );
  }
}

function killAndWait(child: SpawnedProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // closed already
  }
}
