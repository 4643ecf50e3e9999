// Docker's seccomp profile format: parsing a user's file (and its one-line errors), and the policy
// of the default profile as resolved for a container's capabilities, arch and kernel. Pure: no
// libseccomp, no root.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { MydockerError } from '../../src/errors.js';
import { parseSeccompProfile, type SeccompProfile } from '../../src/security/seccomp/profile.js';
import { DEFAULT_SECCOMP_PROFILE } from '../../src/security/seccomp/default-profile.js';
import { actionValue, kernelVersion, resolveSeccomp, type SeccompOptions } from '../../src/security/seccomp/resolve.js';

// Docker's default capabilities (what a plain `docker run` keeps).
const DOCKER_CAPS = ['CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID', 'SETFCAP', 'SETPCAP', 'NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE'];
const ALLOW = 0x7fff0000;
const EPERM_ACTION = 0x00050001;
const ENOSYS_ACTION = 0x00050026;

const parse = (value: unknown): SeccompProfile => parseSeccompProfile(typeof value === 'string' ? value : JSON.stringify(value), '/etc/p.json');

/** The one-line message the parse of `value` fails with. */
function failure(value: unknown): string {
  try {
    parse(value);
  } catch (error) {
    assert.ok(error instanceof MydockerError, String(error));
    assert.equal(error.exitCode, 125);
    assert.ok(!error.message.includes('\n'), `one line: ${error.message}`);
    assert.match(error.message, /^seccomp profile \/etc\/p\.json: /);
    return error.message;
  }
  assert.fail(`parsed: ${JSON.stringify(value)}`);
}

/** The resolved rules of the default profile for one syscall. */
function rulesFor(name: string, opts: Partial<SeccompOptions> = {}) {
  const resolved = resolveSeccomp(DEFAULT_SECCOMP_PROFILE, { capabilities: DOCKER_CAPS, arch: 'x64', kernel: [6, 1], ...opts });
  return resolved.rules.filter((r) => r.syscall === name);
}
const unconditionallyAllowed = (name: string, opts: Partial<SeccompOptions> = {}): boolean =>
  rulesFor(name, opts).some((r) => r.action === ALLOW && r.args.length === 0);

describe('parseSeccompProfile', () => {
  it('reads Docker\'s format: names and the old name, args, includes/excludes, archMap', () => {
    const profile = parse({
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 1,
      archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] }],
      syscalls: [
        { names: ['read', 'write', 'no_such_call_anywhere'], action: 'SCMP_ACT_ALLOW' },
        { name: 'personality', action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, valueTwo: 0, op: 'SCMP_CMP_EQ' }] },
        { names: ['mount'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'], minKernel: '4.8' }, excludes: { arches: ['s390x'] }, comment: 'why' },
        { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
      ],
    });
    assert.equal(profile.defaultAction, 'SCMP_ACT_ERRNO');
    assert.equal(profile.defaultErrnoRet, 1);
    assert.deepEqual(profile.archMap, [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] }]);
    assert.deepEqual(profile.syscalls?.[0]?.names, ['read', 'write', 'no_such_call_anywhere']); // unknown names are no error
    assert.equal(profile.syscalls?.[1]?.name, 'personality');
    assert.deepEqual(profile.syscalls?.[1]?.args, [{ index: 0, value: 8, valueTwo: 0, op: 'SCMP_CMP_EQ' }]);
    assert.deepEqual(profile.syscalls?.[2]?.includes, { caps: ['CAP_SYS_ADMIN'], minKernel: '4.8' });
    assert.deepEqual(profile.syscalls?.[2]?.excludes, { arches: ['s390x'] });
    assert.equal(profile.syscalls?.[3]?.errnoRet, 38);
  });

  it('keeps 64-bit argument values exact (JSON numbers lose them beyond 2^53)', () => {
    const profile = parse(
      '{"defaultAction":"SCMP_ACT_ALLOW","x":0.12345678901234567,"syscalls":[{"names":["ioctl"],"action":"SCMP_ACT_ERRNO",' +
        '"args":[{"index":1,"value":18446744073709551615,"valueTwo":4294967296,"op":"SCMP_CMP_MASKED_EQ"}]}]}',
    );
    assert.equal(profile.syscalls?.[0]?.args?.[0]?.value, 18446744073709551615n);
    assert.equal(profile.syscalls?.[0]?.args?.[0]?.valueTwo, 4294967296);
  });

  it('fails with one line naming the file and the problem', () => {
    assert.match(failure('{"defaultAction": "SCMP_ACT_ERRNO",'), /: invalid JSON: /);
    assert.match(failure('[]'), /: not a JSON object$/);
    assert.match(failure({ syscalls: [] }), /: no "defaultAction"/);
    assert.match(failure({ defaultAction: 'SCMP_ACT_DENY' }), /: defaultAction: unknown action "SCMP_ACT_DENY" \(expected one of SCMP_ACT_KILL, /);
    assert.match(failure({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'ALLOW' }] }), /: syscalls\[0\]\.action: unknown action "ALLOW"/);
    assert.match(
      failure({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 1, op: 'SCMP_CMP_EQUAL' }] }] }),
      /: syscalls\[0\]\.args\[0\]: unknown op "SCMP_CMP_EQUAL" \(expected one of SCMP_CMP_NE, /,
    );
    assert.match(
      failure({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] }] }),
      /args\[0\]\.index must be 0 to 5/,
    );
    assert.match(failure({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ name: 'read', names: ['write'], action: 'SCMP_ACT_ALLOW' }] }), /both "name" and "names"/);
    assert.match(failure({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ nmaes: ['read'], action: 'SCMP_ACT_ALLOW' }] }), /syscalls\[0\] has no "names"/);
    assert.match(
      failure({ defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_X86'], archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: [] }] }),
      /both "architectures" and "archMap"/,
    );
    assert.match(failure({ defaultAction: 'SCMP_ACT_ERRNO', architectures: ['SCMP_ARCH_Z80'] }), /architectures\[0\]: unknown architecture "SCMP_ARCH_Z80"/);
    assert.match(
      failure({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['ptrace'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '4' } }] }),
      /includes\.minKernel must be "<kernel>\.<major>"/,
    );
    assert.match(failure({ defaultAction: 'SCMP_ACT_ERRNO', defaultErrnoRet: -1 }), /defaultErrnoRet must be an errno number/);
    assert.match(failure({ defaultAction: 'SCMP_ACT_ERRNO', flags: ['SECCOMP_FILTER_FLAG_LOG'] }), /"flags" are not supported/);
  });
});

describe('the default profile (Docker\'s policy)', () => {
  it('denies with EPERM, and covers x86_64 with its x86 and x32 sub-architectures', () => {
    const resolved = resolveSeccomp(DEFAULT_SECCOMP_PROFILE, { capabilities: DOCKER_CAPS, arch: 'x64', kernel: [6, 1] });
    assert.equal(resolved.defaultAction, EPERM_ACTION);
    assert.deepEqual(resolved.architectures, ['x86', 'x32']);
    assert.deepEqual(resolveSeccomp(DEFAULT_SECCOMP_PROFILE, { capabilities: [], arch: 'arm64', kernel: [6, 1] }).architectures, ['arm']);
  });

  it('never allows the calls Docker keeps out of the allow-list, to a container with Docker\'s capabilities', () => {
    for (const name of ['keyctl', 'add_key', 'request_key', 'bpf', 'perf_event_open', 'userfaultfd', 'unshare', 'mount', 'umount2', 'setns', 'swapon', 'reboot', 'init_module', 'kexec_load', 'open_by_handle_at', 'syslog', 'settimeofday', 'acct', 'iopl', 'io_uring_setup']) {
      assert.deepEqual(rulesFor(name), [], name);
    }
    for (const name of ['getpid', 'read', 'execve', 'name_to_handle_at', 'chroot', 'arch_prctl', 'modify_ldt']) {
      assert.ok(unconditionallyAllowed(name), name);
    }
    assert.ok(!unconditionallyAllowed('s390_runtime_instr'), 'another arch\'s call');
  });

  it('allows each capability\'s calls with that capability, as Docker', () => {
    const withCap = (cap: string, name: string): boolean => unconditionallyAllowed(name, { capabilities: [...DOCKER_CAPS, cap] });
    for (const name of ['mount', 'umount2', 'unshare', 'setns', 'bpf', 'perf_event_open', 'clone', 'clone3', 'syslog', 'sethostname', 'fsopen']) {
      assert.ok(withCap('SYS_ADMIN', name), `SYS_ADMIN ${name}`);
    }
    assert.ok(withCap('CAP_BPF', 'bpf') && !withCap('CAP_BPF', 'mount'), 'CAP_BPF: bpf only');
    assert.ok(withCap('PERFMON', 'perf_event_open'));
    assert.ok(withCap('SYSLOG', 'syslog'));
    assert.ok(withCap('DAC_READ_SEARCH', 'open_by_handle_at'));
    assert.ok(withCap('SYS_PTRACE', 'kcmp') && withCap('SYS_PTRACE', 'pidfd_getfd'));
    assert.ok(withCap('SYS_MODULE', 'init_module') && withCap('SYS_MODULE', 'finit_module'));
    assert.ok(withCap('SYS_BOOT', 'reboot'));
    assert.ok(withCap('SYS_TIME', 'settimeofday') && withCap('SYS_TIME', 'clock_settime'));
    assert.ok(withCap('SYS_RAWIO', 'iopl'));
    assert.ok(withCap('SYS_PACCT', 'acct'));
    assert.ok(withCap('SYS_TTY_CONFIG', 'vhangup'));
    assert.ok(withCap('SYS_NICE', 'mbind'));
    assert.ok(!unconditionallyAllowed('chroot', { capabilities: [] }), 'chroot needs CAP_SYS_CHROOT');
    const all = { capabilities: [...DOCKER_CAPS, 'SYS_ADMIN', 'SYS_PTRACE', 'SYS_MODULE', 'SYS_BOOT', 'SYSLOG', 'BPF', 'PERFMON'] };
    for (const name of ['keyctl', 'add_key', 'request_key', 'userfaultfd', 'swapon', 'kexec_load']) assert.deepEqual(rulesFor(name, all), [], name);
  });

  it('lets clone make no namespace without CAP_SYS_ADMIN (flags in arg 0; arg 1 on s390x), and clone3 fail with ENOSYS', () => {
    const flags = 0x7e020000n; // NEWNS|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET|NEWCGROUP
    assert.deepEqual(rulesFor('clone'), [{ syscall: 'clone', action: ALLOW, args: [{ arg: 0, op: 7, datumA: flags, datumB: 0n }] }]);
    assert.deepEqual(rulesFor('clone', { arch: 's390x' }), [{ syscall: 'clone', action: ALLOW, args: [{ arg: 1, op: 7, datumA: flags, datumB: 0n }] }]);
    assert.deepEqual(rulesFor('clone3'), [{ syscall: 'clone3', action: ENOSYS_ACTION, args: [] }]);
    assert.deepEqual(rulesFor('clone', { capabilities: ['SYS_ADMIN'] }), [{ syscall: 'clone', action: ALLOW, args: [] }]);
  });

  it('allows ptrace of one\'s own children from kernel 4.8 on, before only with CAP_SYS_PTRACE', () => {
    assert.ok(unconditionallyAllowed('ptrace', { kernel: [4, 8] }));
    assert.ok(!unconditionallyAllowed('ptrace', { kernel: [4, 4] }));
    assert.ok(unconditionallyAllowed('ptrace', { kernel: [4, 4], capabilities: ['SYS_PTRACE'] }));
  });

  it('allows socket() for every family but AF_ALG (38) and AF_VSOCK (40), and only the harmless personalities', () => {
    assert.deepEqual(
      rulesFor('socket').map((r) => r.args.map((a) => [a.arg, a.op, a.datumA])),
      [[[0, 2, 38n]], [[0, 4, 39n]], [[0, 6, 40n]]], // LT 38, EQ 39, GT 40
    );
    assert.deepEqual(rulesFor('personality').map((r) => r.args[0]?.datumA), [0n, 8n, 0x20000n, 0x20008n, 0xffffffffn]);
  });
});

describe('resolveSeccomp', () => {
  it('drops rules whose action is the default, and splits comparisons of one argument into rules of their own', () => {
    const resolved = resolveSeccomp(
      parse({
        defaultAction: 'SCMP_ACT_ERRNO',
        syscalls: [
          { names: ['keyctl'], action: 'SCMP_ACT_ERRNO' }, // EPERM, the default: nothing to add
          { names: ['keyctl'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }, // another errno: kept
          { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0, op: 'SCMP_CMP_EQ' }, { index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
          { names: ['mmap'], action: 'SCMP_ACT_ALLOW', args: [{ index: 2, value: 4, op: 'SCMP_CMP_MASKED_EQ', valueTwo: 0 }, { index: 3, value: 1, op: 'SCMP_CMP_NE' }] },
        ],
      }),
      { capabilities: [], arch: 'x64', kernel: [6, 1] },
    );
    assert.deepEqual(
      resolved.rules.map((r) => [r.syscall, r.action, r.args.map((a) => a.arg)]),
      [['keyctl', ENOSYS_ACTION, []], ['personality', ALLOW, [0]], ['personality', ALLOW, [0]], ['mmap', ALLOW, [2, 3]]],
    );
    assert.deepEqual(resolved.architectures, []); // no archMap: the native arch only
  });

  it('maps actions to libseccomp\'s values (<seccomp.h>)', () => {
    assert.equal(actionValue('SCMP_ACT_KILL', undefined), 0);
    assert.equal(actionValue('SCMP_ACT_KILL_PROCESS', undefined), 0x80000000);
    assert.equal(actionValue('SCMP_ACT_TRAP', undefined), 0x00030000);
    assert.equal(actionValue('SCMP_ACT_ERRNO', undefined), 0x00050001);
    assert.equal(actionValue('SCMP_ACT_TRACE', 7), 0x7ff00007);
    assert.equal(actionValue('SCMP_ACT_LOG', undefined), 0x7ffc0000);
    assert.equal(actionValue('SCMP_ACT_ALLOW', undefined), 0x7fff0000);
  });

  it('reads the kernel version as Docker does (major.minor, suffixes ignored)', () => {
    assert.deepEqual(kernelVersion('6.18.44-fc-v1045'), [6, 18]);
    assert.deepEqual(kernelVersion('3.12-1-amd64'), [3, 12]);
  });
});
