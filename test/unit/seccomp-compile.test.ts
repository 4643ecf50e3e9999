// The compiled seccomp program: real classic BPF from libseccomp (run here through a small BPF
// interpreter, then installed for real in a child process built with cc), and its cache. Needs
// libseccomp.so.2, not root.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { libseccomp } from '../../src/kernel/libseccomp.js';
import { compileSeccomp } from '../../src/security/seccomp/compile.js';
import { createHash } from 'node:crypto';
import { cachedSeccomp, profileDigest } from '../../src/security/seccomp/cache.js';
import { DEFAULT_SECCOMP_PROFILE, DEFAULT_SECCOMP_PROFILE_SHA256 } from '../../src/security/seccomp/default-profile.js';
import { sha256Hex } from '../../src/security/seccomp/sha256.js';
import { parseSeccompProfile } from '../../src/security/seccomp/profile.js';
import { tempDir } from '../support/tmp.js';

const DOCKER_CAPS = ['CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID', 'SETFCAP', 'SETPCAP', 'NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE'];
const ALLOW = 0x7fff0000;
const ERRNO = (errno: number): number => 0x00050000 | errno;
const KILL_THREAD = 0;
const EPERM = 1;
const ENOSYS = 38;

const haveLibseccomp = (() => {
  try {
    return libseccomp().version;
  } catch {
    return undefined;
  }
})();
const needsLibseccomp = haveLibseccomp ? false : 'libseccomp.so.2 is not installed (apt-get install libseccomp2)';
const onX64 = process.arch === 'x64' ? false : 'the syscall numbers checked here are x86_64\'s';

/**
 * Runs a seccomp program on one call as the kernel would (the subset of classic BPF that libseccomp
 * emits): the A register, absolute 32-bit loads from struct seccomp_data, AND, jumps, returns.
 */
function run(program: Buffer, call: { nr: number; arch: number; args?: readonly bigint[] }): number {
  const data = Buffer.alloc(64); // int nr; u32 arch; u64 instruction_pointer; u64 args[6]
  data.writeInt32LE(call.nr, 0);
  data.writeUInt32LE(call.arch, 4);
  (call.args ?? []).forEach((a, i) => data.writeBigUInt64LE(BigInt.asUintN(64, a), 16 + 8 * i));
  let a = 0;
  for (let pc = 0; pc * 8 < program.length; pc++) {
    const code = program.readUInt16LE(pc * 8);
    const jt = program[pc * 8 + 2]!;
    const jf = program[pc * 8 + 3]!;
    const k = program.readUInt32LE(pc * 8 + 4);
    switch (code) {
      case 0x20: // BPF_LD | BPF_W | BPF_ABS
        a = data.readUInt32LE(k);
        break;
      case 0x54: // BPF_ALU | BPF_AND | BPF_K
        a = (a & k) >>> 0;
        break;
      case 0x05: // BPF_JMP | BPF_JA
        pc += k;
        break;
      case 0x15: // BPF_JMP | BPF_JEQ | BPF_K
        pc += a === k ? jt : jf;
        break;
      case 0x25: // JGT
        pc += a > k ? jt : jf;
        break;
      case 0x35: // JGE
        pc += a >= k ? jt : jf;
        break;
      case 0x45: // JSET
        pc += (a & k) !== 0 ? jt : jf;
        break;
      case 0x06: // BPF_RET | BPF_K
        return k;
      default:
        throw new Error(`BPF opcode 0x${code.toString(16)} at ${pc} is not interpreted here`);
    }
  }
  throw new Error('the program fell off its end');
}

describe('compileSeccomp', { skip: needsLibseccomp }, () => {
  const lib = haveLibseccomp ? libseccomp() : undefined;
  const x86_64 = lib?.archResolveName('x86_64') ?? 0;
  const x86 = lib?.archResolveName('x86') ?? 0;
  const nr = (name: string, arch = x86_64): number => lib!.syscallResolveNameArch(arch, name);

  it('exports classic BPF: whole 8-byte instructions, starting with the load of the arch', () => {
    const program = compileSeccomp(DEFAULT_SECCOMP_PROFILE, { capabilities: DOCKER_CAPS });
    assert.equal(program.length % 8, 0);
    assert.ok(program.length / 8 > 100, `${program.length / 8} instructions`);
    assert.ok(program.length / 8 <= 4096, 'within BPF_MAXINSNS');
    assert.deepEqual([program.readUInt16LE(0), program.readUInt32LE(4)], [0x20, 4]); // ld [4]: seccomp_data.arch
  });

  it('decides calls as Docker\'s default profile does, for x86_64 and its x86 sub-architecture', { skip: onX64 }, () => {
    const program = compileSeccomp(DEFAULT_SECCOMP_PROFILE, { capabilities: DOCKER_CAPS });
    const decide = (name: string, args: bigint[] = [], arch = x86_64): number => run(program, { nr: nr(name, arch), arch, args });
    assert.equal(decide('getpid'), ALLOW);
    assert.equal(decide('read'), ALLOW);
    for (const name of ['keyctl', 'add_key', 'request_key', 'mount', 'umount2', 'unshare', 'setns', 'bpf', 'perf_event_open', 'userfaultfd', 'swapon', 'reboot', 'syslog', 'open_by_handle_at']) {
      assert.equal(decide(name), ERRNO(EPERM), name);
    }
    assert.equal(decide('clone', [0x11n /* SIGCHLD */]), ALLOW);
    assert.equal(decide('clone', [0x11n | 0x20000n /* CLONE_NEWNS */]), ERRNO(EPERM));
    assert.equal(decide('clone', [0x11n | 0x10000000n /* CLONE_NEWUSER */]), ERRNO(EPERM));
    assert.equal(decide('clone3'), ERRNO(ENOSYS));
    assert.equal(decide('socket', [2n /* AF_INET */]), ALLOW);
    assert.equal(decide('socket', [40n /* AF_VSOCK */]), ERRNO(EPERM));
    assert.equal(decide('socket', [38n /* AF_ALG */]), ERRNO(EPERM));
    assert.equal(decide('personality', [0xffffffffn]), ALLOW);
    assert.equal(decide('personality', [6n /* PER_BSD */]), ERRNO(EPERM));
    assert.equal(decide('getpid', [], x86), ALLOW, 'x86 getpid');
    assert.equal(decide('keyctl', [], x86), ERRNO(EPERM), 'x86 keyctl');
    assert.equal(run(program, { nr: 39, arch: 0x40000028 /* AUDIT_ARCH_ARM */ }), KILL_THREAD, 'an arch the filter does not know');
  });

  it('allows the CAP_SYS_ADMIN calls to a container that keeps it', { skip: onX64 }, () => {
    const program = compileSeccomp(DEFAULT_SECCOMP_PROFILE, { capabilities: [...DOCKER_CAPS, 'SYS_ADMIN'] });
    for (const name of ['mount', 'umount2', 'unshare', 'setns', 'clone3', 'bpf']) {
      assert.equal(run(program, { nr: nr(name), arch: x86_64 }), ALLOW, name);
    }
    assert.equal(run(program, { nr: nr('clone'), arch: x86_64, args: [0x20000n] }), ALLOW);
    assert.equal(run(program, { nr: nr('keyctl'), arch: x86_64 }), ERRNO(EPERM));
  });

  it('refuses to compile for another architecture than this process\'s, with one line', () => {
    const other = process.arch === 'arm64' ? 'x64' : 'arm64';
    assert.throws(() => compileSeccomp(DEFAULT_SECCOMP_PROFILE, { capabilities: [], arch: other }), {
      name: 'MydockerError',
      message: `cannot compile a seccomp program for ${other} on ${process.arch}`,
    });
  });

  it('skips the names this libseccomp does not know, as Docker does', () => {
    const profile = parseSeccompProfile(
      JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['no_such_syscall', 'keyctl'], action: 'SCMP_ACT_ERRNO' }] }),
      'test.json',
    );
    const program = compileSeccomp(profile, { capabilities: [] });
    assert.equal(run(program, { nr: nr('keyctl'), arch: x86_64 }), ERRNO(EPERM));
    assert.equal(run(program, { nr: nr('getpid'), arch: x86_64 }), ALLOW);
  });
});

describe('cachedSeccomp', () => {
  const fakeCompile = () => {
    const calls: string[][] = [];
    const compile = (_profile: unknown, opts: { capabilities: readonly string[] }): Buffer => {
      calls.push([...opts.capabilities]);
      return Buffer.alloc(16, calls.length);
    };
    return { calls, compile };
  };

  it('compiles once, then returns the same bytes from the file without compiling', (t) => {
    const dir = path.join(tempDir(t), 'cache', 'seccomp');
    const { calls, compile } = fakeCompile();
    const first = cachedSeccomp(dir, DEFAULT_SECCOMP_PROFILE, { capabilities: ['CAP_CHOWN', 'KILL'] }, compile);
    const again = cachedSeccomp(dir, DEFAULT_SECCOMP_PROFILE, { capabilities: ['kill', 'CHOWN', 'KILL'] }, () => assert.fail('compiled on a hit'));
    assert.deepEqual(again, first);
    assert.deepEqual(calls, [['CHOWN', 'KILL']]);
    const files = fs.readdirSync(dir);
    assert.equal(files.length, 1, 'no temporary file left');
    // The key spelled out: format, profile digest, capability mask (CHOWN|KILL), arch, kernel.
    assert.match(files[0]!, new RegExp(`^mydocker-seccomp-\\d+-${DEFAULT_SECCOMP_PROFILE_SHA256.slice(0, 32)}-21-${process.arch}-\\d+\\.\\d+\\.bpf$`));
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700);
    assert.equal(fs.statSync(path.dirname(dir)).mode & 0o777, 0o700);
  });

  it('keys on the capabilities, the arch, the kernel and the profile', (t) => {
    const dir = tempDir(t);
    const { calls, compile } = fakeCompile();
    const other = parseSeccompProfile('{"defaultAction":"SCMP_ACT_ALLOW"}', 'test.json');
    cachedSeccomp(dir, DEFAULT_SECCOMP_PROFILE, { capabilities: [], kernel: [6, 1] }, compile);
    cachedSeccomp(dir, DEFAULT_SECCOMP_PROFILE, { capabilities: ['SYS_ADMIN'], kernel: [6, 1] }, compile);
    cachedSeccomp(dir, DEFAULT_SECCOMP_PROFILE, { capabilities: [], kernel: [4, 4] }, compile);
    cachedSeccomp(dir, DEFAULT_SECCOMP_PROFILE, { capabilities: [], kernel: [6, 1], arch: 'arm64' }, compile);
    cachedSeccomp(dir, other, { capabilities: [], kernel: [6, 1] }, compile);
    assert.equal(calls.length, 5);
    assert.equal(fs.readdirSync(dir).length, 5);
  });

  it('compiles again over a damaged file (not whole instructions)', (t) => {
    const dir = tempDir(t);
    const { calls, compile } = fakeCompile();
    cachedSeccomp(dir, DEFAULT_SECCOMP_PROFILE, { capabilities: [] }, compile);
    const file = path.join(dir, fs.readdirSync(dir)[0]!);
    fs.writeFileSync(file, Buffer.alloc(13));
    assert.equal(cachedSeccomp(dir, DEFAULT_SECCOMP_PROFILE, { capabilities: [] }, compile).length, 16);
    assert.equal(calls.length, 2);
    assert.equal(fs.statSync(file).size, 16);
  });

  it('names the default profile by the digest written down for it (update DEFAULT_SECCOMP_PROFILE_SHA256 when this fails)', () => {
    assert.equal(profileDigest(structuredClone(DEFAULT_SECCOMP_PROFILE)), DEFAULT_SECCOMP_PROFILE_SHA256);
  });

  it('hashes with a SHA-256 equal to OpenSSL\'s', () => {
    for (const text of ['', 'abc', 'a'.repeat(55), 'a'.repeat(56), 'a'.repeat(64), 'é漢字'.repeat(300), JSON.stringify(DEFAULT_SECCOMP_PROFILE)]) {
      assert.equal(sha256Hex(text), createHash('sha256').update(text).digest('hex'), `${text.length} characters`);
    }
  });

  it('stores what libseccomp compiled, byte for byte', { skip: needsLibseccomp }, (t) => {
    const dir = tempDir(t);
    const compiled = cachedSeccomp(dir, DEFAULT_SECCOMP_PROFILE, { capabilities: DOCKER_CAPS });
    assert.deepEqual(compiled, compileSeccomp(DEFAULT_SECCOMP_PROFILE, { capabilities: DOCKER_CAPS }));
    assert.deepEqual(fs.readFileSync(path.join(dir, fs.readdirSync(dir)[0]!)), compiled);
  });
});

// A child that installs the program from stdin (if any) the way a container's first process will,
// then makes the calls and prints each one's errno (0: it worked).
const PROBE_C = String.raw`
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/keyctl.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *name, long rc) { printf("%s=%d\n", name, rc < 0 ? errno : 0); }

int main(int argc, char **argv) {
  static unsigned char bpf[65536];
  size_t len = 0;
  ssize_t n;
  while ((n = read(0, bpf + len, sizeof bpf - len)) > 0) len += n;
  if (len > 0) {
    struct sock_fprog prog = { .len = len / sizeof(struct sock_filter), .filter = (struct sock_filter *)bpf };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
      perror("install");
      return 2;
    }
  }
  char line[256];
  FILE *status = fopen("/proc/self/status", "r");
  while (status && fgets(line, sizeof line, status)) if (strncmp(line, "Seccomp:", 8) == 0) printf("mode=%d\n", atoi(line + 8));
  report("getpid", syscall(SYS_getpid));
  report("keyctl", syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0));
  report("unshare", unshare(0));
  report("mount", mount("none", argv[1], "tmpfs", 0, NULL));
  report("clone3", syscall(SYS_clone3, NULL, 0));
  int fd = socket(AF_VSOCK, SOCK_STREAM, 0);
  report("vsock", fd);
  if (fd >= 0) close(fd);
  pid_t child = fork();
  if (child == 0) _exit(0);
  report("fork", child);
  if (child > 0) waitpid(child, NULL, 0);
  return 0;
}
`;

describe('the default program installed in a real process', { skip: needsLibseccomp }, () => {
  const noCc = spawnSync('cc', ['--version']).error ? 'no C compiler (cc) to build the probe: apt-get install gcc libc6-dev' : false;

  const probe = (t: { after(fn: () => void): void }): ((program: Buffer) => Record<string, number>) => {
    const dir = tempDir(t);
    fs.writeFileSync(path.join(dir, 'probe.c'), PROBE_C);
    const build = spawnSync('cc', ['-O1', '-o', path.join(dir, 'probe'), path.join(dir, 'probe.c')], { encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
    return (program) => {
      const result = spawnSync(path.join(dir, 'probe'), [path.join(dir, 'no-such-dir')], { input: program, encoding: 'utf8' });
      assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
      return Object.fromEntries(result.stdout.trim().split('\n').map((l) => l.split('=') as [string, string]).map(([k, v]) => [k, Number(v)]));
    };
  };

  it('makes keyctl, unshare and mount fail with EPERM and clone3 with ENOSYS, while getpid and fork work', { skip: noCc }, (t) => {
    const errnos = probe(t)(compileSeccomp(DEFAULT_SECCOMP_PROFILE, { capabilities: DOCKER_CAPS }));
    assert.deepEqual(errnos, { mode: 2, getpid: 0, keyctl: EPERM, unshare: EPERM, mount: EPERM, clone3: ENOSYS, vsock: EPERM, fork: 0 });
  });

  it('control: without the program the same calls are not refused by seccomp', { skip: noCc }, (t) => {
    const errnos = probe(t)(Buffer.alloc(0));
    assert.equal(errnos.mode, 0);
    assert.equal(errnos.getpid, 0);
    assert.equal(errnos.keyctl, 0, 'keyctl(KEYCTL_GET_KEYRING_ID) works unconfined');
    assert.equal(errnos.unshare, 0, 'unshare(0) works unconfined');
    assert.equal(errnos.mount, 2 /* ENOENT */, 'mount reaches the path lookup');
    assert.equal(errnos.clone3, 22 /* EINVAL */, 'clone3 reaches the argument check');
    assert.equal(errnos.fork, 0);
  });
});
