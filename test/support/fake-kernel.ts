// A recording Kernel for unit tests: no syscalls, every call appended to `calls` as {call, args}.
// `failOn` makes a chosen call throw a KernelError (optionally only its n-th occurrence, or only when
// a predicate on its arguments holds). mknod creates an empty regular file so code that chmods the
// node afterwards works; `onCall` lets a test add other side effects (e.g. a fake devpts's ptmx).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Kernel } from '../../hooks/index.js';
import { KernelError } from '../../src/kernel/kernel-error.js';

export type KernelCallName = keyof Kernel;

export interface KernelCall {
  call: KernelCallName;
  args: unknown[];
}

export interface FailRule {
  call: KernelCallName;
  /** errno for the KernelError (default EPERM = 1). */
  errno?: number;
  /** Only the n-th call of that name fails (1-based); default every one. */
  nth?: number;
  /** Only calls whose arguments satisfy this fail. */
  when?: (args: unknown[]) => boolean;
}

export interface FakeKernelOptions {
  failOn?: FailRule | FailRule[];
  /** Number unlockPty returns (default 0). */
  ptyNumber?: number;
  /** What the read end of every pipe() already holds (default nothing). */
  pipeContent?: string;
  /** Side effect run after a call is recorded and did not fail. */
  onCall?: (call: KernelCall) => void;
}

export class FakeKernel implements Kernel {
  readonly calls: KernelCall[] = [];
  /** The [read, write] fds every pipe() returned. */
  readonly pipes: Array<[number, number]> = [];
  private readonly rules: FailRule[];
  private readonly counts = new Map<KernelCallName, number>();

  constructor(private readonly options: FakeKernelOptions = {}) {
    const failOn = options.failOn;
    this.rules = failOn === undefined ? [] : Array.isArray(failOn) ? failOn : [failOn];
  }

  /** Adds a failure rule after construction. */
  failOn(rule: FailRule): void {
    this.rules.push(rule);
  }

  /** The names of the calls made, in order. */
  names(): KernelCallName[] {
    return this.calls.map((c) => c.call);
  }

  /** The calls of one name. */
  callsOf(name: KernelCallName): KernelCall[] {
    return this.calls.filter((c) => c.call === name);
  }

  private record(call: KernelCallName, args: unknown[]): void {
    const entry: KernelCall = { call, args };
    this.calls.push(entry);
    const n = (this.counts.get(call) ?? 0) + 1;
    this.counts.set(call, n);
    for (const rule of this.rules) {
      if (rule.call !== call) continue;
      if (rule.nth !== undefined && rule.nth !== n) continue;
      if (rule.when && !rule.when(args)) continue;
      throw new KernelError(call, rule.errno ?? 1, args.map(String).join(', '));
    }
    this.options.onCall?.(entry);
  }

  unshare(flags: number): void {
    this.record('unshare', [flags]);
  }
  setns(fd: number, nstype: number): void {
    this.record('setns', [fd, nstype]);
  }
  mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null): void {
    this.record('mount', [source, target, fstype, flags, data]);
  }
  umount(target: string, flags: number): void {
    this.record('umount', [target, flags]);
  }
  pivotRoot(newRoot: string, putOld: string): void {
    this.record('pivotRoot', [newRoot, putOld]);
  }
  chdir(path: string): void {
    this.record('chdir', [path]);
  }
  fchdir(fd: number): void {
    this.record('fchdir', [fd]);
  }
  sethostname(name: string): void {
    this.record('sethostname', [name]);
  }
  mknod(path: string, mode: number, major: number, minor: number): void {
    this.record('mknod', [path, mode, major, minor]);
    fs.writeFileSync(path, '', { flag: 'wx' });
  }
  flock(fd: number, operation: number): void {
    this.record('flock', [fd, operation]);
  }

  /** Extended attributes the fake "sets", by path then name. */
  readonly xattrs = new Map<string, Map<string, string>>();

  setxattr(path: string, name: string, value: string): void {
    this.record('setxattr', [path, name, value]);
    if (!this.xattrs.has(path)) this.xattrs.set(path, new Map());
    this.xattrs.get(path)!.set(name, value);
  }

  getxattr(path: string, name: string): string | null {
    this.record('getxattr', [path, name]);
    return this.xattrs.get(path)?.get(name) ?? null;
  }

  interfaceUp(name: string): void {
    this.record('interfaceUp', [name]);
  }
  /**
   * Records copies of attr and of each pointed-to buffer. BPF_PROG_LOAD (5) returns a real
   * descriptor (of /dev/null) that the caller closes, as it would a program's; others return 0.
   */
  bpf(cmd: number, attr: Buffer, pointers: ReadonlyArray<{ readonly offset: number; readonly data: Buffer }> = []): number {
    this.record('bpf', [cmd, Buffer.from(attr), pointers.map((p) => ({ offset: p.offset, data: Buffer.from(p.data) }))]);
    return cmd === 5 ? fs.openSync('/dev/null', 'r') : 0;
  }
  /** A real anonymous file (an unlinked temporary one): what is written to it can be read back. */
  memfdCreate(name: string, flags: number): number {
    this.record('memfdCreate', [name, flags]);
    const file = path.join(os.tmpdir(), `mydocker-fake-memfd-${process.pid}-${Math.random().toString(36).slice(2)}`);
    const fd = fs.openSync(file, 'wx+', 0o600);
    fs.unlinkSync(file);
    return fd;
  }
  addSeals(fd: number, seals: number): void {
    this.record('addSeals', [fd, seals]);
  }
  /** The path under the root's real path, opened plainly: fakes have no links to contain. */
  openInRoot(rootFd: number, file: string, flags: number): number {
    this.record('openInRoot', [rootFd, file, flags]);
    return fs.openSync(path.join(fs.readlinkSync(`/proc/self/fd/${rootFd}`), file), flags);
  }
  /** No netlink in the fake: the tests of rtnetlink run against the real kernel. */
  netlinkSocket(protocol: number, timeoutMs: number): number {
    this.record('netlinkSocket', [protocol, timeoutMs]);
    throw Object.assign(new Error('the fake kernel has no netlink'), { code: 'ENOSYS' });
  }
  send(fd: number, data: Buffer): void {
    this.record('send', [fd, Buffer.from(data)]);
  }
  receive(fd: number, buffer: Buffer): number {
    this.record('receive', [fd, buffer.length]);
    return 0;
  }

  unlockPty(masterFd: number): number {
    this.record('unlockPty', [masterFd]);
    return this.options.ptyNumber ?? 0;
  }
  setWindowSize(fd: number, rows: number, cols: number): void {
    this.record('setWindowSize', [fd, rows, cols]);
  }
  /**
   * Not a real pipe: an unlinked temporary file opened twice, so a read never blocks (it sees what
   * was written to the write end, then EOF). The caller owns and closes both fds, as with pipe2.
   */
  pipe(): [number, number] {
    this.record('pipe', []);
    const file = path.join(os.tmpdir(), `mydocker-fake-pipe-${process.pid}-${Math.random().toString(36).slice(2)}`);
    const write = fs.openSync(file, 'wx', 0o600);
    let read: number;
    try {
      read = fs.openSync(file, 'r');
    } catch (error) {
      fs.closeSync(write);
      throw error;
    } finally {
      fs.unlinkSync(file);
    }
    if (this.options.pipeContent) fs.writeSync(write, this.options.pipeContent);
    this.pipes.push([read, write]);
    return [read, write];
  }
}
