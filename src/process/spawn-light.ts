// A child_process.spawn for the container's processes (mydocker-init, the shim) without fork():
// glibc's posix_spawn (src/kernel/posix-spawn.ts), 0.7-2.6 ms where libuv's fork() of this 80 MB
// process takes 6-13 ms here, and without loading node:child_process. It does what the callers
// ask of Node's spawn (argv0, env, cwd, detached, stdio of 'ignore', 'inherit', 'pipe' and
// descriptors) and gives back the part of a ChildProcess they use (SpawnedProcess); anything
// else, or no posix_spawn, goes to Node's own spawn.
// Exits are learnt as libuv learns them: on SIGCHLD, waitpid() on each of our own pids only, so
// that no other child (libuv's, or anyone's) is reaped here.
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import type * as Net from 'node:net';
import { constants as osConstants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { safeErrorName } from '../kernel/kernel-error.js';
import { posixSpawn, type PosixSpawn, type Reaped, type SpawnAction, type SpawnPlan } from '../kernel/posix-spawn.js';

/** What the callers use of a ChildProcess; Node's own ChildProcess fits it. */
export interface SpawnedProcess {
  /** undefined when the spawn failed (then 'error' follows, on the next tick). */
  readonly pid?: number | undefined;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
  kill(signal?: NodeJS.Signals | number): boolean;
  /** Lets Node exit while the child runs. */
  unref(): void;
  once(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
  once(event: 'error', listener: (error: Error) => void): this;
  on(event: 'exit', listener: (code: number | null, signal: NodeJS.Signals | null) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
}

export type SpawnStdio = 'pipe' | 'ignore' | 'inherit' | number | null | undefined;

/** The options the callers give; a subset of Node's SpawnOptions. */
export interface SpawnLightOptions {
  argv0?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  detached?: boolean;
  stdio?: SpawnStdio[];
}

export type SpawnFunction = (file: string, args: string[], options: SpawnLightOptions) => SpawnedProcess;

const SUPPORTED_OPTIONS = new Set(['argv0', 'env', 'cwd', 'detached', 'stdio']);
const O_RDONLY = 0;
const O_RDWR = 2;

/**
 * node:net, which the streams of 'pipe' entries need: loaded on demand (mydocker-runc's commands do
 * not load it otherwise, and it costs ~9 ms here). A caller that spawns inside a container's
 * namespaces and asks for pipes loads it before entering them, so that the window stays short.
 */
export function loadPipeStreams(): typeof Net {
  return createRequire(import.meta.url)('node:net') as typeof Net;
}

/** spawn() through posix_spawn where it can, else through `fallback` (default: Node's). */
export function spawnLight(file: string, args: string[], options: SpawnLightOptions): SpawnedProcess {
  return spawnWith(posixSpawn(), nodeSpawn)(file, args, options);
}

/** spawnLight with its parts given: tests pass a fake binding. */
export function spawnWith(api: PosixSpawn | null, fallback: SpawnFunction): SpawnFunction {
  return (file, args, options) => (api !== null && fits(file, options) ? spawnPosix(api, file, args, options) : fallback(file, args, options));
}

/** Node's spawn, loaded only when needed (node:child_process costs ~1.4 ms to load). */
function nodeSpawn(file: string, args: string[], options: SpawnLightOptions): SpawnedProcess {
  const { spawn } = createRequire(import.meta.url)('node:child_process') as typeof import('node:child_process');
  return spawn(file, args, options as import('node:child_process').SpawnOptions);
}

/** posix_spawn execs the path as given (Node would search PATH for a bare name). */
function fits(file: string, options: SpawnLightOptions): boolean {
  if (!file.includes('/')) return false;
  if (Object.keys(options).some((key) => !SUPPORTED_OPTIONS.has(key))) return false;
  if (options.stdio !== undefined && !Array.isArray(options.stdio)) return false;
  // A 'pipe' past 2 would be child.stdio[N], which no caller asks for.
  return (options.stdio ?? []).every(
    (s, i) => s === null || s === undefined || (s === 'pipe' && i <= 2) || s === 'ignore' || s === 'inherit' || (typeof s === 'number' && Number.isInteger(s) && s >= 0),
  );
}

/** The child's descriptors: for each index, what it gets. Node's defaults: 'pipe' for 0-2. */
function stdioOf(options: SpawnLightOptions): Array<'pipe' | 'ignore' | 'inherit' | number> {
  const given = options.stdio ?? [];
  const length = Math.max(3, given.length);
  return Array.from({ length }, (_, i) => given[i] ?? (i < 3 ? 'pipe' : 'ignore'));
}

export interface PlacedStdio {
  plan: SpawnPlan;
  /** Our end of each 'pipe', by the child's index. */
  parentEnds: Map<number, number>;
  /** Descriptors of ours to close once the child has its copies (the temporaries, the child's pipe ends). */
  toClose: number[];
}

/**
 * The plan for posix_spawn. Every source descriptor is first duplicated at or above the number of
 * entries (close-on-exec), so that no dup2 onto an index overwrites a later entry's source, and so
 * that each dup2 is onto another number (a dup2 onto itself would leave close-on-exec set). The
 * child gets only 0..n-1: everything else of ours is close-on-exec (Node opens all it has so).
 */
export function placeStdio(api: PosixSpawn, file: string, args: string[], options: SpawnLightOptions): PlacedStdio {
  const stdio = stdioOf(options);
  const parentEnds = new Map<number, number>();
  const toClose: number[] = [];
  const actions: SpawnAction[] = [];
  try {
    stdio.forEach((entry, index) => {
      if (entry === 'ignore') {
        actions.push({ op: 'open', fd: index, path: '/dev/null', flags: index === 0 ? O_RDONLY : O_RDWR });
        return;
      }
      let source: number;
      if (entry === 'pipe') {
        const [ours, theirs] = api.socketPair();
        parentEnds.set(index, ours);
        toClose.push(theirs);
        source = theirs;
      } else {
        source = entry === 'inherit' ? index : entry;
        // As libuv's child does: a stdio it inherits is made blocking (Node makes its pipes non-blocking).
        if (index <= 2) api.setBlocking(source);
      }
      const temporary = api.dupAtLeast(source, stdio.length);
      toClose.push(temporary);
      actions.push({ op: 'dup2', from: temporary, to: index });
    });
  } catch (error) {
    for (const fd of [...toClose, ...parentEnds.values()]) api.close(fd);
    throw error;
  }
  const env = options.env ?? process.env;
  return {
    plan: {
      path: file,
      argv: [options.argv0 ?? file, ...args],
      envp: Object.entries(env).flatMap(([key, value]) => (value === undefined ? [] : [`${key}=${value}`])),
      cwd: options.cwd ?? null,
      setsid: options.detached === true,
      actions,
    },
    parentEnds,
    toClose,
  };
}

function spawnPosix(api: PosixSpawn, file: string, args: string[], options: SpawnLightOptions): SpawnedProcess {
  const placed = placeStdio(api, file, args, options);
  // Listening before the child exists: its SIGCHLD cannot come before we look for it.
  reaper.listen();
  let result: ReturnType<PosixSpawn['spawn']>;
  try {
    result = api.spawn(placed.plan);
  } catch (error) {
    for (const fd of placed.parentEnds.values()) api.close(fd);
    reaper.idle();
    throw error;
  } finally {
    for (const fd of placed.toClose) api.close(fd);
  }
  if ('errno' in result) {
    for (const fd of placed.parentEnds.values()) api.close(fd);
    reaper.idle();
    return LightChild.failed(file, args, result.errno);
  }
  const child = new LightChild(api, result.pid, placed.parentEnds);
  reaper.track(child);
  // Besides SIGCHLD (whose listener was there before the child, and runs after this returns), one
  // look of our own. Not now: as Node's, an exit is reported after spawn() returns, so that a
  // caller that listens for it then, seeing exitCode null, is told.
  setImmediate(() => child.poll());
  return child;
}

/** A child made by posix_spawn, with the ChildProcess behaviour the callers rely on. */
class LightChild extends EventEmitter implements SpawnedProcess {
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  private reaped = false;
  // Node's ChildProcess keeps the event loop alive until its exit (the SIGCHLD listener does not:
  // Node unrefs signal handles). A timer that never fires does the same, and unref() lets it go.
  private keepAlive: NodeJS.Timeout | undefined = setInterval(() => {}, 0x7fffffff);

  constructor(
    private readonly api: PosixSpawn | null,
    readonly pid: number | undefined,
    parentEnds: ReadonlyMap<number, number>,
  ) {
    super();
    const socket = (index: number): Net.Socket | null => {
      const fd = parentEnds.get(index);
      if (fd === undefined) return null;
      const { Socket } = loadPipeStreams();
      // As Node's own: stdin is writable only, the others readable only.
      return new Socket({ fd, readable: index > 0, writable: index === 0 });
    };
    this.stdin = socket(0);
    this.stdout = socket(1);
    this.stderr = socket(2);
  }

  static failed(file: string, args: string[], errno: number): LightChild {
    const child = new LightChild(null, undefined, new Map());
    child.stopKeepingAlive();
    const code = safeErrorName(errno);
    const error = Object.assign(new Error(`spawn ${file} ${code}`), { errno: -errno, code, syscall: `spawn ${file}`, path: file, spawnargs: args });
    process.nextTick(() => child.emit('error', error));
    return child;
  }

  kill(signal: NodeJS.Signals | number = 'SIGTERM'): boolean {
    // Once reaped its pid may be another process's.
    if (this.pid === undefined || this.reaped) return false;
    try {
      process.kill(this.pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  unref(): void {
    this.keepAlive?.unref();
  }

  /** Reaps it if it has exited, and tells the listeners. */
  poll(): void {
    if (this.pid === undefined || this.api === null || this.reaped) return;
    const reaped = this.api.reap(this.pid);
    if (reaped === null) return;
    // 'gone': someone else reaped it (a waitpid(-1) elsewhere); its status is lost.
    this.finish(reaped === 'gone' ? { code: null, signal: null } : reaped);
  }

  private finish(reaped: Reaped | { code: null; signal: null }): void {
    this.reaped = true;
    this.exitCode = reaped.code;
    this.signalCode = reaped.signal === null ? null : signalName(reaped.signal);
    reaper.untrack(this);
    this.stopKeepingAlive();
    // As Node's: the child's stdin goes with it.
    this.stdin?.destroy();
    this.emit('exit', this.exitCode, this.signalCode);
  }

  private stopKeepingAlive(): void {
    if (this.keepAlive !== undefined) clearInterval(this.keepAlive);
    this.keepAlive = undefined;
  }
}

/** One SIGCHLD listener for all our children, there only while one is left to reap. */
const reaper = new (class {
  private readonly children = new Set<LightChild>();
  private listening = false;
  private readonly onSignal = (): void => {
    for (const child of [...this.children]) child.poll();
  };

  listen(): void {
    if (this.listening) return;
    process.on('SIGCHLD', this.onSignal);
    this.listening = true;
  }

  track(child: LightChild): void {
    this.children.add(child);
  }

  untrack(child: LightChild): void {
    this.children.delete(child);
    this.idle();
  }

  /** Stops listening when no child is left. */
  idle(): void {
    if (!this.listening || this.children.size > 0) return;
    process.off('SIGCHLD', this.onSignal);
    this.listening = false;
  }
})();

function signalName(signal: number): NodeJS.Signals | null {
  for (const [name, number] of Object.entries(osConstants.signals)) if (number === signal) return name as NodeJS.Signals;
  return null;
}
