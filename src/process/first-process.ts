// How the runtime talks to mydocker-init (shim/mydocker-init.c), the first code of every container
// process. The init is started from a sealed memfd (see init-binary.ts) with three descriptors:
//   GO_FD     it reads the launch message (below) there; EOF before a whole message, because the
//             runtime gave up or died, ends it with 125 before any user code
//   READY_FD  given --ready, it writes "ready <host pid>\n" there as soon as it runs (the runtime
//             must not pivot_root while the exec of the init still reads the host's files); then it
//             takes a prelude on GO_FD, what it must do while it still sees the host's files: join
//             its cgroups itself (a write of "0"), and the mounts only a process inside the new PID
//             namespace can make (its /proc), (an OCI bundle) its cgroup namespace, once in its
//             groups, and (an OCI bundle with a terminal) the pty to hold on
//             0, 1, 2, and last, for an OCI container with one, entering its user namespace; it
//             answers "done\n" (or the line of what failed). An OCI bundle sends one prelude per
//             proc mount, between the mounts the runtime makes itself, so that all appear in its
//             config's order. The init closes READY_FD when the launch message comes
//   INIT_FD   its own binary, which it is exec'd through; close-on-exec like everything above 2
//   GO_HELD_FD given --go-held (OCI `create`): a write end of its own go pipe, so that the pipe
//             outlives the `create` process; `start` reopens the pipe through /proc/<pid>/fd/GO_FD.
//             The init closes it once the message is read. With --preserve-fds=N, fds 7… are the
//             caller's 3…3+N-1, which the program gets back at 3… (moved down before the exec).
// The first process (PID 1) has all three; an `exec`'d process has no READY_FD.
import type { InitStep } from '../../hooks/index.js';

// Defined here, where nothing is imported, not in init-binary.ts (which re-exports them): `start`
// needs GO_FD alone, and init-binary.ts's imports (hooks/index.js: every hook module) cost it 6 ms.
/** The fd number the init has in the processes the runtime spawns (after 0-2 and the two pipes). */
export const INIT_FD = 5;
/** What the spawned process execs: its own inherited copy. */
export const INIT_PATH = `/proc/self/fd/${INIT_FD}`;
export const GO_FD = 3;
export const READY_FD = 4;
export const READY_MESSAGE = 'ready';
export const PRELUDE_DONE = 'done';
/** argv[0] of the init while it waits: what `ps` shows on the host. */
export const INIT_ARGV0 = 'mydocker-init';
/** The first process's argument: say "ready" on READY_FD. */
export const INIT_READY_FLAG = '--ready';
/** The OCI first process's second argument: it holds GO_HELD_FD until the message comes. */
export const INIT_GO_HELD_FLAG = '--go-held';
export const GO_HELD_FD = 6;
/** `--preserve-fds=N`: fds PRESERVED_FDS_BASE… are moved down to 3… just before the exec. */
export const INIT_PRESERVE_FLAG = '--preserve-fds=';
export const PRESERVED_FDS_BASE = 7;

// The launch message the runtime writes to mydocker-init's fd 3 when a container process may start:
// everything the init does to itself before exec'ing the user's program. The format is the one
// shim/mydocker-init.c reads: "MDI1", a u32 body length, then fields of (u8 tag, u32 length,
// bytes), little-endian; strings end with a NUL.

export interface InitConfig {
  /** The user's program and its arguments (argv[0] is looked up in the env's PATH). */
  argv: readonly string[];
  env: readonly string[];
  /** Working directory, inside the container's root. */
  cwd: string;
  /** Terminal to open as the controlling terminal and put on 0, 1, 2. */
  tty?: string | null;
  user?: { uid: number; gid: number; additionalGids: readonly number[] } | null;
  /** Capability sets as bit masks (bit N is capability N). */
  capabilities?: CapabilitySets | null;
  noNewPrivileges?: boolean;
  /** A classic BPF program (struct sock_filter[]), as libseccomp exports it. */
  seccomp?: Buffer | null;
  /** Join a new anonymous session keyring. */
  newKeyring?: boolean;
  /**
   * A user namespace to enter before anything else (as the container sees its path: an OCI
   * container's, for `mydocker-runc exec`), becoming its root; then the steps and the user switch.
   */
  userNamespace?: string | null;
  /** What plugins asked of the process itself, done first and in this order. */
  steps?: readonly InitStep[];
  /** setrlimit(2) calls (resource numbers of <sys/resource.h>), before the user's program; -1 (or 2^64-1 and above): unlimited. */
  rlimits?: ReadonlyArray<{ resource: number; soft: number; hard: number }>;
  /** The program's umask (OCI process.user.umask); absent, it keeps the runtime's. */
  umask?: number | null;
  /**
   * `--init`: the init stays (as PID 1), forks the program instead of exec'ing it, reaps every
   * child and forwards the signals it gets to the program; it exits with the program's code.
   */
  stayAsInit?: boolean;
}

export interface CapabilitySets {
  bounding: bigint;
  effective: bigint;
  permitted: bigint;
  inheritable: bigint;
  ambient: bigint;
}

const enum Field {
  Arg = 1,
  Env = 2,
  Cwd = 3,
  Tty = 4,
  User = 5,
  Caps = 6,
  NoNewPrivs = 7,
  Seccomp = 8,
  Keyring = 9,
  Unshare = 10,
  Mkdir = 11,
  Mount = 12,
  Rlimit = 13,
  /** Prelude only: a cgroup file (v1 tasks, v2 cgroup.procs) the init writes "0" into, joining that group. */
  JoinCgroup = 14,
  Umask = 15,
  /** A user namespace (/proc/<pid>/ns/user) the init enters, becoming its root: the prelude's last step, or a launch message's first. */
  JoinUser = 16,
  StayAsInit = 17,
}

/**
 * A step of the prelude: the setup steps that make sense before pivot_root (an OCI container's
 * cgroup namespace is unshared there, once it is in its groups, so that it exists when `create`
 * returns), joining a cgroup, taking a terminal (a host path) on 0, 1, 2 without making it the
 * controlling one yet, and entering the container's user namespace (the last prelude's, followed
 * only by that cgroup namespace: made inside it, it is owned by it).
 */
export type PreludeStep =
  | InitStep
  | { readonly op: 'join-cgroup'; readonly file: string }
  | { readonly op: 'terminal'; readonly path: string }
  | { readonly op: 'join-user'; readonly file: string };

/**
 * The init's first argument when it only makes an OCI container's namespaces (a user namespace and
 * those owned by it) and holds them while the runtime joins them: `--hold-namespaces=<CLONE flags>`,
 * then `--user-ns=<path>` to join that user namespace instead of making one.
 */
export const INIT_HOLD_FLAG = '--hold-namespaces=';
export const INIT_HOLD_USERNS_FLAG = '--user-ns=';

export function encodeInitConfig(config: InitConfig): Buffer {
  const fields = new Fields();
  for (const arg of config.argv) fields.text(Field.Arg, arg);
  for (const entry of config.env) fields.text(Field.Env, entry);
  fields.text(Field.Cwd, config.cwd);
  if (config.tty) fields.text(Field.Tty, config.tty);
  if (config.user) {
    const { uid, gid, additionalGids } = config.user;
    const user = Buffer.alloc(12 + 4 * additionalGids.length);
    user.writeUInt32LE(uid, 0);
    user.writeUInt32LE(gid, 4);
    user.writeUInt32LE(additionalGids.length, 8);
    additionalGids.forEach((g, i) => user.writeUInt32LE(g, 12 + 4 * i));
    fields.add(Field.User, user);
  }
  if (config.capabilities) {
    const caps = Buffer.alloc(40);
    const c = config.capabilities;
    [c.bounding, c.effective, c.permitted, c.inheritable, c.ambient].forEach((mask, i) => caps.writeBigUInt64LE(mask, 8 * i));
    fields.add(Field.Caps, caps);
  }
  if (config.noNewPrivileges) fields.add(Field.NoNewPrivs, Buffer.alloc(0));
  if (config.seccomp) fields.add(Field.Seccomp, config.seccomp);
  if (config.newKeyring) fields.add(Field.Keyring, Buffer.alloc(0));
  if (config.userNamespace) fields.text(Field.JoinUser, config.userNamespace);
  for (const step of config.steps ?? []) fields.step(step);
  for (const { resource, soft, hard } of config.rlimits ?? []) {
    const limit = Buffer.alloc(20);
    limit.writeUInt32LE(resource, 0);
    limit.writeBigUInt64LE(rlimitValue(soft), 4);
    limit.writeBigUInt64LE(rlimitValue(hard), 12);
    fields.add(Field.Rlimit, limit);
  }
  if (config.umask !== undefined && config.umask !== null) {
    const umask = Buffer.alloc(4);
    umask.writeUInt32LE(config.umask);
    fields.add(Field.Umask, umask);
  }
  if (config.stayAsInit) fields.add(Field.StayAsInit, Buffer.alloc(0));
  return fields.frame('MDI1');
}

/**
 * The prelude of a container's first process: the steps it takes before pivot_root, with host
 * paths, in order: joining its cgroups (writing "0" to a group's file moves the writer itself),
 * mkdir and mount (e.g. /proc on the rootfs's proc: a proc mount shows the PID namespace of the
 * process that makes it). Its answer comes on READY_FD.
 */
export function encodePrelude(steps: readonly PreludeStep[]): Buffer {
  const fields = new Fields();
  for (const step of steps) {
    if (step.op === 'join-cgroup') fields.text(Field.JoinCgroup, step.file);
    else if (step.op === 'terminal') fields.text(Field.Tty, step.path);
    else if (step.op === 'join-user') fields.text(Field.JoinUser, step.file);
    else fields.step(step);
  }
  return fields.frame('MDP1');
}

/** The (tag, length, bytes) fields of one message. */
class Fields {
  private readonly parts: Buffer[] = [];

  add(tag: Field, value: Buffer): void {
    const head = Buffer.alloc(5);
    head.writeUInt8(tag, 0);
    head.writeUInt32LE(value.length, 1);
    this.parts.push(head, value);
  }

  text(tag: Field, value: string): void {
    this.add(tag, strings(value));
  }

  step(step: InitStep): void {
    if (step.op === 'unshare') {
      const flags = Buffer.alloc(4);
      flags.writeUInt32LE(step.flags >>> 0);
      this.add(Field.Unshare, flags);
    } else if (step.op === 'mkdir') {
      const mode = Buffer.alloc(4);
      mode.writeUInt32LE(step.mode);
      this.add(Field.Mkdir, Buffer.concat([mode, strings(step.path)]));
    } else {
      const flags = Buffer.alloc(8);
      flags.writeBigUInt64LE(BigInt(step.flags));
      this.add(Field.Mount, Buffer.concat([flags, strings(step.source ?? '', step.target, step.fstype ?? '', step.data ?? '')]));
    }
  }

  frame(magic: 'MDI1' | 'MDP1'): Buffer {
    const body = Buffer.concat(this.parts);
    const header = Buffer.alloc(8);
    header.write(magic, 0, 'latin1');
    header.writeUInt32LE(body.length, 4);
    return Buffer.concat([header, body]);
  }
}

/** NUL-terminated strings; a NUL inside one would cut it short where the init reads it. */
function strings(...values: string[]): Buffer {
  for (const v of values) if (v.includes('\0')) throw new Error(`a NUL byte cannot be passed to a process: ${JSON.stringify(v.slice(0, 40))}`);
  return Buffer.from(values.map((v) => `${v}\0`).join(''));
}

/** RLIM_INFINITY for -1, and for an OCI config's 2^64-1 (which JSON numbers round up past 64 bits). */
function rlimitValue(n: number): bigint {
  const infinity = 0xffffffffffffffffn;
  return n < 0 || n >= 2 ** 64 - 1 ? infinity : BigInt(n);
}
