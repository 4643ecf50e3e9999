// How the runtime talks to mydocker-init (shim/mydocker-init.c), the first code of every container
// process. The init is started from a sealed memfd (see init-binary.ts) with three descriptors:
//   GO_FD     it reads the launch message (init-message.ts) there; EOF before a whole message,
//             because the runtime gave up or died, ends it with 125 before any user code
//   READY_FD  given --ready, it writes "ready <host pid>\n" there as soon as it runs, then closes
//             it (the runtime must not pivot_root while the exec of the init still reads the host's files)
//   INIT_FD   its own binary, which it is exec'd through; close-on-exec like everything above 2
// The first process (PID 1) has all three; an `exec`'d process has no READY_FD.
import type { InitStep } from '../../hooks/index.js';

export { INIT_FD, INIT_PATH } from './init-binary.js';
export const GO_FD = 3;
export const READY_FD = 4;
export const READY_MESSAGE = 'ready';
/** argv[0] of the init while it waits: what `ps` shows on the host. */
export const INIT_ARGV0 = 'mydocker-init';
/** The first process's argument: say "ready" on READY_FD. */
export const INIT_READY_FLAG = '--ready';

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
  /** What plugins asked of the process itself, done first and in this order. */
  steps?: readonly InitStep[];
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
}

export function encodeInitConfig(config: InitConfig): Buffer {
  const parts: Buffer[] = [];
  const field = (tag: Field, value: Buffer): void => {
    const head = Buffer.alloc(5);
    head.writeUInt8(tag, 0);
    head.writeUInt32LE(value.length, 1);
    parts.push(head, value);
  };
  const text = (tag: Field, value: string): void => {
    if (value.includes('\0')) throw new Error(`a NUL byte cannot be passed to a process: ${JSON.stringify(value.slice(0, 40))}`);
    field(tag, Buffer.from(`${value}\0`));
  };
  for (const arg of config.argv) text(Field.Arg, arg);
  for (const entry of config.env) text(Field.Env, entry);
  text(Field.Cwd, config.cwd);
  if (config.tty) text(Field.Tty, config.tty);
  if (config.user) {
    const { uid, gid, additionalGids } = config.user;
    const user = Buffer.alloc(12 + 4 * additionalGids.length);
    user.writeUInt32LE(uid, 0);
    user.writeUInt32LE(gid, 4);
    user.writeUInt32LE(additionalGids.length, 8);
    additionalGids.forEach((g, i) => user.writeUInt32LE(g, 12 + 4 * i));
    field(Field.User, user);
  }
  if (config.capabilities) {
    const caps = Buffer.alloc(40);
    const c = config.capabilities;
    [c.bounding, c.effective, c.permitted, c.inheritable, c.ambient].forEach((mask, i) => caps.writeBigUInt64LE(mask, 8 * i));
    field(Field.Caps, caps);
  }
  if (config.noNewPrivileges) field(Field.NoNewPrivs, Buffer.alloc(0));
  if (config.seccomp) field(Field.Seccomp, config.seccomp);
  if (config.newKeyring) field(Field.Keyring, Buffer.alloc(0));
  for (const step of config.steps ?? []) {
    const strings = (...values: string[]): Buffer => {
      for (const v of values) if (v.includes('\0')) throw new Error(`a NUL byte cannot be passed to a system call: ${JSON.stringify(v.slice(0, 40))}`);
      return Buffer.from(values.map((v) => `${v}\0`).join(''));
    };
    if (step.op === 'unshare') {
      const flags = Buffer.alloc(4);
      flags.writeUInt32LE(step.flags >>> 0);
      field(Field.Unshare, flags);
    } else if (step.op === 'mkdir') {
      const mode = Buffer.alloc(4);
      mode.writeUInt32LE(step.mode);
      field(Field.Mkdir, Buffer.concat([mode, strings(step.path)]));
    } else {
      const flags = Buffer.alloc(8);
      flags.writeBigUInt64LE(BigInt(step.flags));
      field(Field.Mount, Buffer.concat([flags, strings(step.source ?? '', step.target, step.fstype ?? '', step.data ?? '')]));
    }
  }
  const body = Buffer.concat(parts);
  const header = Buffer.alloc(8);
  header.write('MDI1', 0, 'latin1');
  header.writeUInt32LE(body.length, 4);
  return Buffer.concat([header, body]);
}
