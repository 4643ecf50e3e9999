// `run`: create a container and start its command, in the calling process. The steps, each with its
// undo pushed *before* it starts (a step may fail half-way):
//   record + name -> rootfs (storage driver, then prepareRootfs) -> createCgroups -> first process
//   (launch window; it joins the groups itself) -> applyCgroups -> setupNetwork -> "go": the first
//   process execs the user's command.
// A failure unwinds the steps already begun, newest first, and removes the record: nothing is left.
import * as fs from 'node:fs';
import type { SpawnedProcess } from '../process/spawn-light.js';
import { constants as osConstants } from 'node:os';
import type { InitStep, JsonValue } from '../../hooks/index.js';
import { MydockerError, describe } from '../errors.js';
import { buildEnv } from '../container/env.js';
import { checkEnvSize } from '../container/env-size.js';
import { withImageVolumes } from '../container/image-volumes.js';
import { imageExposedKeys, withPublishedExposed } from '../container/exposed-ports.js';
import { newContainerId, randomName } from '../container/ids.js';
import type { ContainerRecord } from '../container/record.js';
import { processStartTime } from '../container/proc-stat.js';
import { normalizeRef, type ImageRecord, type ImageStore } from '../image/store.js';
import { launch, type LaunchDeps, type StdioTarget } from '../process/launch.js';
import { encodeInitConfig } from '../process/first-process.js';
import { initRlimits, parseUlimits } from '../process/rlimits.js';
import { parseSecurityFlags, parseTmpfs, type SecurityFlags } from '../security/options.js';
import { securityOf } from '../security/settings.js';
import { initConfig, processConfinement } from '../security/process-confinement.js';
import { hookContext } from './contexts.js';
import type { StdioPipes } from './stdio-pipes.js';
import { readExitFile } from '../container/exit-file.js';
import * as path from 'node:path';
import { storageContext, type ReleaseDeps, type ReleaseStep } from './release.js';
import { endContainer, endLocked } from './end.js';
import { lockContainer } from '../container/lock.js';
import { stopPoint } from '../../hooks/stop-point.js';
import { parseSignal } from '../container/signals.js';
import { parseRestartPolicy } from '../container/restart-policy.js';
import { eventAttributes, recordEvent } from './events.js';
import { parseBytes } from '../../hooks/sizes.js';
import { effectiveHealth, initialHealth, resolveHealthConfig, type HealthCheckTimes, type HealthFlags } from '../container/health.js';
import { healthFile, writeHealth } from '../container/health-file.js';
import { attachSocketPath, handTerminalToShim } from './attach-socket.js';

export interface RunSpec {
  image: string;
  /** argv; empty or absent means the image's Entrypoint/Cmd. */
  command?: string[];
  env?: string[];
  envFiles?: string[];
  workdir?: string;
  hostname?: string;
  name?: string;
  tty?: boolean;
  interactive?: boolean;
  /** Remove everything of the container when it ends (--rm). */
  autoRemove?: boolean;
  /**
   * Run in the background (-d): a small shim stays as the container's parent, logs its output
   * and records its exit; `mydocker cleanup` releases it when it ends. Needs the built shim.
   */
  detach?: boolean;
  storageDriver?: string;
  /** Options for plugins (limits, volumes, networks), kept in the record as given. */
  options?: Record<string, JsonValue>;
  /** Users' plugin files in use for this run, recorded so that `rm` loads them too. */
  plugins?: string[];
  /** Without tty: the container's fds 0, 1, 2 (default: /dev/null, inherit, inherit). */
  stdio?: [StdioTarget, StdioTarget, StdioTarget];
  /** Where `-e NAME` (no value) takes its value from. Default: this process's environment. */
  callerEnv?: NodeJS.ProcessEnv;
  /** Confinement flags as given (--privileged, --cap-add, -u, ...); absent: Docker's defaults. */
  security?: SecurityFlags;
  /** `--entrypoint`: the program run instead of the image's Entrypoint; the image's Cmd is then not used. */
  entrypoint?: string;
  /** `--stop-signal`: what `stop` sends first (default SIGTERM); a name or a number. */
  stopSignal?: string;
  /** `--stop-timeout`: seconds `stop` waits before SIGKILL (default 10). */
  stopTimeout?: number;
  /** `--restart` (with `detach`): no, on-failure[:N], always, unless-stopped. */
  restart?: string;
  /** `--ulimit NAME=SOFT[:HARD]`s (nofile=1024:2048, -1: unlimited). */
  ulimits?: string[];
  /** `--shm-size`: the size of /dev/shm, in Docker's units (64m, 1g). */
  shmSize?: string;
  /**
   * `--init`: a minimal init as PID 1 (mydocker-init stays, forks the command, reaps every zombie
   * and forwards signals to it, as docker-init does); the container's code is the command's.
   */
  init?: boolean;
  /** `--label`: key=value metadata, shown by inspect and matched by `ps --filter label=`. */
  labels?: Record<string, string>;
  /** `--health-cmd`, `--health-interval`, ... and `--no-healthcheck`, over the image's HEALTHCHECK. */
  health?: HealthFlags;
}

export interface RunningContainer {
  readonly id: string;
  readonly name: string;
  /** Host PID of the container's PID 1. */
  readonly pid: number;
  /** With tty: the pty master, to relay to the user's terminal. */
  readonly ptyMaster: number | null;
  /** The container's end of each stdio given as 'pipe' (otherwise null), to relay. */
  readonly pipes: StdioPipes;
  /** Sends a signal to the container's PID 1. */
  signal(signal: NodeJS.Signals): void;
  /**
   * Resolves with the exit code once the container has ended and been released (and removed, with
   * autoRemove): the command's own code, or 128+N when killed by signal N.
   */
  wait(): Promise<number>;
}

export interface RunDeps extends ReleaseDeps {
  images: ImageStore;
  launchDeps(): LaunchDeps;
  /** For detached containers: the shim binary, and the argv that releases a container by ID. */
  detached?: { shim: string; cleanup(id: string): string[]; healthcheck(id: string): string[] };
  /** Where compiled seccomp programs are kept. */
  seccompCache: string;
}

/** Creates the container and starts it (`run`); a failure to start removes all of it. */
export async function runContainer(deps: RunDeps, spec: RunSpec): Promise<RunningContainer> {
  const { record, image } = await newContainer(deps, spec, 'run');
  return createLocked(deps, record, spec, (nameDurable) => startContainer(deps, record, image, { detach: spec.detach ?? false, stdio: spec.stdio, created: true, nameDurable }));
}

/**
 * Creates the container without starting it (`create`): its record, status `created`, which `start`
 * starts (detached, or attached with -a) as any stopped container. `detach` and `stdio` are start's.
 */
export async function createContainer(deps: RunDeps, spec: RunSpec): Promise<ContainerRecord> {
  const { record } = await newContainer(deps, spec, 'create');
  return createLocked(deps, record, spec, async (nameDurable) => {
    try {
      await nameDurable;
    } catch (error) {
      deps.containers.delete(record); // not made after all: nothing of it stays
      throw error;
    }
    return record;
  });
}

/**
 * The container's record as `spec` and its image make it, every flag checked: nothing exists yet.
 * `create` leaves detaching to `start` (detached unless -a), so --restart needs no -d there.
 */
async function newContainer(deps: RunDeps, spec: RunSpec, verb: 'run' | 'create'): Promise<{ record: ContainerRecord; image: ImageRecord }> {
  // Everything that can be refused is checked before anything is created.
  const driver = deps.host.storageDriver(spec.storageDriver ?? 'overlay');
  const unsupported = driver.unsupportedReason();
  if (unsupported) throw new MydockerError(`storage driver "${driver.name}" cannot be used: ${unsupported}`);
  const workdirGiven = spec.workdir;
  if (workdirGiven !== undefined && !workdirGiven.startsWith('/')) {
    throw new MydockerError(`working directory "${workdirGiven}" is not absolute`, { hint: 'use an absolute path, e.g. -w /app' });
  }
  if (spec.hostname !== undefined && !/^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,62})$/.test(spec.hostname)) {
    throw new MydockerError(`invalid hostname "${spec.hostname}"`, { hint: 'letters, digits, "." and "-", at most 63 characters' });
  }
  if (spec.detach) requireShim(deps);
  const securityFlags = spec.security ?? {};
  const shmSize = spec.shmSize === undefined ? undefined : parseShmSize(spec.shmSize);
  const ulimits = parseUlimits(spec.ulimits ?? []);
  const restartPolicy = spec.restart === undefined ? undefined : parseRestartPolicy(spec.restart);
  if (restartPolicy && restartPolicy.name !== 'no') {
    if (spec.autoRemove) throw new MydockerError('conflicting options: --restart and --rm', { hint: 'a container removed when it ends cannot be restarted; drop one' });
    if (!spec.detach && verb === 'run') throw new MydockerError('--restart needs a detached container', { hint: 'add -d' });
  }
  let stopSignal = spec.stopSignal === undefined ? undefined : String(parseSignal(spec.stopSignal));
  if (spec.stopTimeout !== undefined && (!Number.isInteger(spec.stopTimeout) || spec.stopTimeout < 0)) {
    throw new MydockerError(`invalid --stop-timeout "${spec.stopTimeout}"`, { hint: 'a whole number of seconds' });
  }
  // Plugins refuse their own bad options (limits, volumes) now, before anything exists.
  deps.host.hooks.checkOptions.call({ options: spec.options ?? {}, root: deps.root.dir });
  const image = await findImage(deps, spec.image);
  // What Docker's run takes from the image's config besides the command: its STOPSIGNAL (unless
  // --stop-signal) and its LABELs (under --label's).
  if (stopSignal === undefined && image.config.StopSignal !== undefined) stopSignal = String(parseSignal(image.config.StopSignal));
  const labels = { ...(image.config.Labels ?? {}), ...(spec.labels ?? {}) };
  // Its VOLUMEs: an anonymous volume at each path -v leaves free.
  // -P: its EXPOSEd ports (and --expose's) on random host ports.
  const options = withPublishedExposed(withImageVolumes(spec.options ?? {}, image.config.Volumes), image.config.ExposedPorts);
  const imageExposed = imageExposedKeys(image.config.ExposedPorts);
  const command = imageCommand(image, spec.command ?? [], spec.entrypoint);
  const healthcheck = resolveHealthConfig(spec.health ?? {}, image.config.Healthcheck);
  // The image's User applies unless -u says otherwise.
  const security = await parseSecurityFlags({ ...securityFlags, user: securityFlags.user ?? image.config.User ?? '' });
  const id = newContainerId();
  const hostname = spec.hostname ?? id.slice(0, 12);
  const tty = spec.tty ?? false;
  const env = buildEnv({ imageEnv: image.config.Env ?? [], hostname, tty, envFiles: spec.envFiles ?? [], env: spec.env ?? [], callerEnv: spec.callerEnv ?? process.env });
  // Refused now, with a sentence, rather than by the kernel at the exec (a bare E2BIG, exit 126).
  checkEnvSize(env, command);

  const record: ContainerRecord = {
    id,
    name: spec.name ?? randomName(),
    created: new Date().toISOString(),
    image: { ref: spec.image, id: image.id },
    command,
    env,
    workdir: workdirGiven ?? image.config.WorkingDir ?? '/',
    hostname,
    tty,
    interactive: spec.interactive ?? false,
    autoRemove: spec.autoRemove ?? false,
    storageDriver: driver.name,
    options,
    ...(Object.keys(labels).length > 0 ? { labels } : {}),
    ...(stopSignal !== undefined ? { stopSignal } : {}),
    ...(shmSize !== undefined ? { shmSize } : {}),
    ...(ulimits.length > 0 ? { ulimits } : {}),
    ...(spec.init ? { init: true } : {}),
    ...(restartPolicy && restartPolicy.name !== 'no' ? { restart: { policy: restartPolicy, count: 0 } } : {}),
    ...(spec.stopTimeout !== undefined ? { stopTimeout: spec.stopTimeout } : {}),
    security,
    ...(imageExposed.length > 0 ? { imageExposed } : {}),
    ...(healthcheck ? { healthcheck } : {}),
    plugins: spec.plugins ?? [],
    rootfs: null,
    state: { status: 'created', pid: null, pidStartTime: null, startedAt: null, finishedAt: null, exitCode: null },
    pluginState: {},
  };
  return { record, image };
}

/**
 * Writes the record (and its name) and runs `then` under the container's lock, held from before
 * its name exists until it runs: an `rm` of it waits, then finds all of it (or, if this process was
 * killed, whatever it had begun). `then` gets the promise of the name's fsyncs, which go on while
 * the container is set up: whoever goes on must await it before the container counts as made.
 */
async function createLocked<T>(deps: RunDeps, record: ContainerRecord, spec: RunSpec, then: (nameDurable: Promise<void>) => Promise<T>): Promise<T> {
  return lockContainer(deps.kernel, deps.containers, record.id, async () => {
    let nameDurable: Promise<void>;
    if (spec.name === undefined) {
      // A generated name may collide; try a few before giving up.
      for (let i = 0; ; i++) {
        try {
          nameDurable = deps.containers.createSyncingLater(record);
          break;
        } catch (error) {
          if (i >= 8 || !(error instanceof MydockerError)) throw error;
          record.name = randomName() + `_${i}`;
        }
      }
    } else {
      nameDurable = deps.containers.createSyncingLater(record);
    }
    stopPoint('run:record-written');
    recordEvent(deps.root.dir, 'create', record.id, eventAttributes(record));
    return then(nameDurable!);
  });
}

export interface StartOptions {
  detach: boolean;
  stdio?: [StdioTarget, StdioTarget, StdioTarget] | undefined;
  /** Created by this very run: a failure removes it entirely. Otherwise it stays, stopped. */
  created: boolean;
  /** Settles when the new container's name is on disk: awaited before its command may start. */
  nameDurable?: Promise<void>;
}

/**
 * Starts a container that exists on disk and is not running (what `run` does after creating it,
 * and what `start` does). The steps, each with its undo pushed *before* it starts:
 *   rootfs (storage driver, then prepareRootfs) -> createCgroups -> first process (launch)
 *   -> applyCgroups -> setupNetwork -> "go". A failure unwinds the begun steps, newest first.
 */
export async function startContainer(deps: RunDeps, record: ContainerRecord, image: ImageRecord, options: StartOptions): Promise<RunningContainer> {
  const driver = deps.host.storageDriver(record.storageDriver);
  const stateDir = deps.containers.dir(record.id);
  const detachedPaths = options.detach ? { log: path.join(stateDir, 'container.log'), exitFile: path.join(stateDir, 'exit-status') } : undefined;
  record.detached = detachedPaths;
  if (detachedPaths) fs.rmSync(detachedPaths.exitFile, { force: true }); // the last run's
  record.state = { status: 'created', pid: null, pidStartTime: null, startedAt: null, finishedAt: null, exitCode: null };
  // Every start begins "starting", as Docker's: the last run's results are not this one's.
  fs.rmSync(healthFile(stateDir), { force: true });
  const health = record.healthcheck && deps.detached ? healthSchedule(record, deps.detached) : undefined;

  const begun: ReleaseStep[] = [];
  let child: SpawnedProcess | undefined;
  let abandon = (): void => {};
  try {
    begun.push('rootfs');
    const layers = image.layers.map((l) => deps.images.layerDir(l)).reverse();
    record.rootfs = await driver.mount(storageContext(deps, record, layers));
    stopPoint('setup:rootfs-mounted');
    const { hooks } = deps.host;
    // The record is written after a hook only when its taps changed what they keep (a tap's
    // saveState has written it already, or nothing changed): every write costs a run about a
    // millisecond, more while other processes write to the disk.
    // (Nothing noted yet: the first one writes what the storage driver's mount left too.)
    let stateBefore = '';
    const noteState = (): void => void (stateBefore = JSON.stringify(record.pluginState));
    const saveIfChanged = (): void => {
      if (JSON.stringify(record.pluginState) !== stateBefore) deps.containers.save(record);
    };
    await hooks.prepareRootfs.promise(hookContext(record, stateDir, deps.kernel, { rootfs: record.rootfs, layers }));
    saveIfChanged();
    stopPoint('setup:rootfs-prepared');
    const security = securityOf(record);
    const confinement = await processConfinement(security, { seccompCache: deps.seccompCache });
    const saveState = (): void => deps.containers.save(record);

    // Before the first process exists: it joins the groups itself, in its prelude (see CgroupsContext).
    const cgroupJoins: string[] = [];
    begun.push('cgroups');
    await hooks.createCgroups.promise(hookContext(record, stateDir, deps.kernel, { rootfs: record.rootfs, joinFiles: cgroupJoins, saveState }));

    const launched = launch(
      {
        rootfs: record.rootfs,
        hostname: record.hostname,
        command: record.command,
        env: record.env,
        workdir: record.workdir,
        tty: record.tty,
        // The one network option the core reads: whether the container gets a network namespace.
        hostNetwork: record.options.network === 'host',
        user: security.user,
        privileged: security.privileged,
        readOnlyRootfs: security.readOnlyRootfs,
        tmpfs: security.tmpfs.map(parseTmpfs),
        devices: security.devices,
        ...(record.shmSize !== undefined ? { shmSize: record.shmSize } : {}),
        cgroupJoins,
        stdio: options.stdio ?? ['ignore', 'inherit', 'inherit'],
        ...(detachedPaths
          ? {
              detached: {
                shim: deps.detached!.shim,
                ...detachedPaths,
                cleanup: deps.detached!.cleanup(record.id),
                socket: attachSocketPath(stateDir),
                stdin: record.interactive,
                ...(health ? { health } : {}),
              },
            }
          : {}),
      },
      deps.launchDeps(),
    );
    child = launched.child;
    abandon = launched.abandon;
    record.state.pid = launched.pid;
    record.state.pidStartTime = processStartTime(launched.pid);
    if (record.detached && launched.child.pid !== undefined) {
      record.detached.shimPid = launched.child.pid;
      record.detached.shimStartTime = processStartTime(launched.child.pid);
    }
    // Written now, with what createCgroups's taps saved: the first process is in its groups from
    // here, and an `rm -f` after a crash kills it by this pid before it removes them.
    deps.containers.save(record);
    // Until "go", a crash of this process closes fd 3 and the waiting first process exits by itself.
    stopPoint('setup:launched');

    const initSteps: InitStep[] = [];
    noteState();
    await hooks.applyCgroups.promise(hookContext(record, stateDir, deps.kernel, { pid: launched.pid, rootfs: record.rootfs, initSteps, saveState }));
    saveIfChanged();
    stopPoint('setup:cgroups-applied');
    begun.push('network');
    await hooks.setupNetwork.promise(hookContext(record, stateDir, deps.kernel, { pid: launched.pid, rootfs: record.rootfs, initSteps, saveState }));
    await options.nameDurable;

    record.state.status = 'running';
    record.state.startedAt = new Date().toISOString();
    if (health) writeHealth(stateDir, initialHealth());
    deps.containers.save(record);
    recordEvent(deps.root.dir, 'start', record.id, eventAttributes(record));
    stopPoint('setup:network-ready');
    const message = encodeInitConfig({
      ...initConfig(confinement, launched.user, { argv: record.command, env: record.env, cwd: record.workdir, tty: launched.ttyPath }),
      rlimits: initRlimits(record.ulimits),
      steps: initSteps,
      stayAsInit: record.init === true,
    });
    if (detachedPaths) {
      if (launched.ptyMaster !== null) {
        // The terminal's master goes to the shim, which logs its output and serves it to attachers;
        // before "go", so that it is there when the first process opens the terminal.
        try {
          await handTerminalToShim(attachSocketPath(stateDir), launched.ptyMaster);
        } finally {
          fs.closeSync(launched.ptyMaster);
        }
      }
      launched.go(message);
      launched.child.unref(); // the shim outlives us
      stopPoint('setup:started');
      return detachedHandle(record, detachedPaths.exitFile);
    }
    const exited = exitOf(launched.child);
    launched.go(message);
    if (health) {
      const { scheduleHealthChecks } = await import('./health-schedule.js');
      const checks = scheduleHealthChecks(health.argv, health);
      void exited.then(() => checks.stop());
    }
    return handle(deps, record, launched.child, launched.ptyMaster, exited);
  } catch (error) {
    abandon();
    if (child?.pid !== undefined) {
      const gone = exitOf(child);
      child.kill('SIGKILL');
      await gone;
    }
    // Created by this run: nothing of it is left. Otherwise it stays, stopped, with no exit code.
    const failures = await endLocked(deps, record, {
      exit: options.created ? undefined : { code: null, at: null },
      remove: options.created,
      removeVolumes: options.created,
      steps: [...begun].reverse(),
      removeDespiteFailures: true,
    });
    if (failures.length > 0 && error instanceof Error) {
      error.message += `; cleaning up also failed: ${failures.map(describe).join('; ')}`;
    }
    throw error;
  }
}

/**
 * How a container's checks are run: `mydocker healthcheck ID` every interval (after the last one
 * ended), killed if still running a minute past its own timeout (which it enforces itself).
 */
function healthSchedule(record: ContainerRecord, detached: NonNullable<RunDeps['detached']>): HealthCheckTimes & { argv: string[] } {
  const config = effectiveHealth(record.healthcheck!);
  return {
    intervalMs: config.intervalNs / 1e6,
    startIntervalMs: config.startIntervalNs / 1e6,
    startPeriodMs: config.startPeriodNs / 1e6,
    limitMs: config.timeoutNs / 1e6 + 60_000,
    argv: detached.healthcheck(record.id),
  };
}

/** Detached containers need the compiled shim; refused before anything is created. */
export function requireShim(deps: RunDeps): void {
  if (!deps.detached || !fs.existsSync(deps.detached.shim)) {
    throw new MydockerError('detached containers need the mydocker-shim binary, which is not built', {
      hint: 'install gcc and libc6-dev, then run: npm run build',
    });
  }
}

async function findImage(deps: RunDeps, ref: string): Promise<ImageRecord> {
  const found = deps.images.find(ref);
  if (found) return found;
  if (normalizeRef(ref) === 'busybox:latest') {
    const { buildBusyboxImage } = await import('../image/busybox.js');
    return buildBusyboxImage(deps.root, deps.images);
  }
  throw new MydockerError(`unable to find image "${ref}"`, { hint: `import one with: mydocker import ROOTFS.tar ${ref}` });
}

/** `--shm-size`: Docker's units, more than nothing. */
function parseShmSize(text: string): number {
  let bytes: number;
  try {
    bytes = parseBytes(text, '--shm-size');
  } catch (error) {
    throw new MydockerError((error as Error).message, { hint: 'e.g. --shm-size 256m' });
  }
  if (bytes <= 0) throw new MydockerError(`--shm-size ${text}: must be more than 0`, { hint: 'e.g. --shm-size 256m' });
  return bytes;
}

/** Docker's merge: --entrypoint replaces the image's Entrypoint and drops its Cmd; arguments replace Cmd. */
function imageCommand(image: ImageRecord, given: string[], entrypointFlag: string | undefined): string[] {
  const entrypoint = entrypointFlag !== undefined ? [entrypointFlag] : (image.config.Entrypoint ?? []);
  const command = given.length > 0 || entrypointFlag !== undefined ? given : (image.config.Cmd ?? []);
  const argv = [...entrypoint, ...command];
  if (argv.length === 0) throw new MydockerError('no command specified', { hint: 'give one after the image name' });
  return argv;
}

function exitOf(child: SpawnedProcess): Promise<number> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(128 + (osConstants.signals[child.signalCode] ?? 0));
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      resolve(code ?? 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0));
    });
  });
}

/** A detached container: its shim is the parent; wait() watches for the exit status it writes. */
function detachedHandle(record: ContainerRecord, exitFile: string): RunningContainer {
  const pid = record.state.pid!;
  return {
    id: record.id,
    name: record.name,
    pid,
    ptyMaster: null,
    pipes: { stdin: null, stdout: null, stderr: null },
    signal: (signal) => {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    },
    wait: async () => {
      for (;;) {
        const status = readExitFile(exitFile);
        if (status) return status.code;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}

function handle(deps: RunDeps, record: ContainerRecord, child: SpawnedProcess, ptyMaster: number | null, exited: Promise<number>): RunningContainer {
  let finished: Promise<number> | undefined;
  return {
    id: record.id,
    name: record.name,
    pid: record.state.pid!,
    ptyMaster,
    pipes: { stdin: child.stdin, stdout: child.stdout, stderr: child.stderr },
    signal: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    wait: () =>
      (finished ??= (async () => {
        const code = await exited;
        await endContainer(deps, record.id, { by: 'run', pid: record.state.pid, pidStartTime: record.state.pidStartTime, code });
        return code;
      })()),
  };
}
