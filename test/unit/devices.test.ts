// Device access control, without a kernel: --device parsing (with a fake stat), the rule lists of
// plain, privileged and --device containers, their cgroup v1 lines, and the cgroup v2 device
// program the generator builds for them (shape, golden listing, encoding).
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import type * as fs from 'node:fs';
import type { DeviceRule, SecuritySettings } from '../../hooks/index.js';
import { MydockerError } from '../../src/errors.js';
import { parseDeviceSpec, splitDev } from '../../src/security/devices.js';
import { DEFAULT_DEVICE_RULES, deviceRules, formatV1Rule } from '../../plugins/cgroups/device-rules.js';
import { DEFAULT_SECURITY } from '../../src/security/settings.js';
import { describeInsn, deviceProgram, effectiveRules, encodeProgram } from '../../plugins/cgroups/device-bpf-program.js';

type Kind = 'char' | 'block' | 'dir' | 'file' | 'fifo';

/** The kernel's dev_t encoding (new_encode_dev), as stat(2) reports it. */
const makedev = (major: number, minor: number): bigint =>
  BigInt(minor & 0xff) | (BigInt(major) << 8n) | (BigInt(minor & ~0xff) << 12n);

/** A stat function over a made-up /dev. */
function fakeStat(entries: Record<string, { kind: Kind; rdev?: bigint; mode?: number; uid?: number; gid?: number }>): (p: string) => fs.Stats {
  return (p) => {
    const e = entries[p];
    if (!e) throw Object.assign(new Error(`ENOENT: no such file or directory, stat '${p}'`), { code: 'ENOENT' });
    return {
      rdev: Number(e.rdev ?? 0n),
      mode: e.mode ?? 0o660,
      uid: e.uid ?? 0,
      gid: e.gid ?? 6,
      isCharacterDevice: () => e.kind === 'char',
      isBlockDevice: () => e.kind === 'block',
      isDirectory: () => e.kind === 'dir',
      isFile: () => e.kind === 'file',
      isFIFO: () => e.kind === 'fifo',
      isSocket: () => false,
      isSymbolicLink: () => false,
    } as unknown as fs.Stats;
  };
}

const STAT = fakeStat({
  '/dev/sdb': { kind: 'block', rdev: makedev(8, 16), mode: 0o60660, gid: 6 },
  '/dev/fuse': { kind: 'char', rdev: makedev(10, 229), mode: 0o20666 },
  '/dev/nvme0n1p300': { kind: 'block', rdev: makedev(259, 300) },
  '/dev/snd': { kind: 'dir' },
  '/etc/passwd': { kind: 'file' },
  '/run/fifo': { kind: 'fifo' },
});

describe('--device parsing', () => {
  it('reads HOST, HOST:CONTAINER, HOST:PERMISSIONS and HOST:CONTAINER:PERMISSIONS', () => {
    assert.deepEqual(parseDeviceSpec('/dev/sdb', STAT), {
      hostPath: '/dev/sdb', containerPath: '/dev/sdb', type: 'b', major: 8, minor: 16, fileMode: 0o660, uid: 0, gid: 6, permissions: 'rwm',
    });
    assert.deepEqual(
      [parseDeviceSpec('/dev/sdb:/dev/xvdb', STAT), parseDeviceSpec('/dev/sdb:r', STAT), parseDeviceSpec('/dev/sdb:/dev/xvdb:mr', STAT)].map((d) => [d.containerPath, d.permissions]),
      [['/dev/xvdb', 'rwm'], ['/dev/sdb', 'r'], ['/dev/xvdb', 'mr']],
    );
    const fuse = parseDeviceSpec('/dev/fuse:/dev/./fuse//:rw', STAT);
    assert.deepEqual([fuse.type, fuse.major, fuse.minor, fuse.fileMode, fuse.containerPath], ['c', 10, 229, 0o666, '/dev/fuse']);
    // A minor above 255 is split across the dev_t: both halves are put back together.
    assert.deepEqual([parseDeviceSpec('/dev/nvme0n1p300', STAT).major, parseDeviceSpec('/dev/nvme0n1p300', STAT).minor], [259, 300]);
  });

  it('takes major and minor from every bit of a dev_t', () => {
    assert.deepEqual(splitDev(makedev(1, 3)), { major: 1, minor: 3 });
    assert.deepEqual(splitDev(makedev(4095, 0xfffff)), { major: 4095, minor: 0xfffff });
    assert.deepEqual(splitDev(makedev(0, 0x12345)), { major: 0, minor: 0x12345 });
    // glibc's 64-bit layout (gnu_dev_makedev) keeps room for 32-bit majors and minors.
    const glibcMakedev = (major: bigint, minor: bigint): bigint =>
      ((major & 0xfffn) << 8n) | ((major & ~0xfffn) << 32n) | (minor & 0xffn) | ((minor & ~0xffn) << 12n);
    assert.deepEqual(splitDev(glibcMakedev(0x12345n, 0xabcdefn)), { major: 0x12345, minor: 0xabcdef });
  });

  for (const [spec, message] of [
    ['', /invalid --device "": no host path; expected HOST\[:CONTAINER\]\[:PERMISSIONS\]/],
    [':/dev/xvdb', /no host path/],
    ['/dev/sdb:/dev/xvdb:rw:x', /too many ":"/],
    ['/dev/sdb:/dev/xvdb:rwx', /permissions "rwx" are not a non-empty combination of r, w and m/],
    ['/dev/sdb:/dev/xvdb:rr', /permissions "rr" are not/],
    ['/dev/sdb:/dev/xvdb:', /permissions "" are not/],
    ['/dev/sdb:xvdb', /"xvdb" is neither an absolute container path nor permissions/],
    ['/dev/sdb:', /the container path is empty/],
    ['/dev/sdb::rw', /the container path is empty; give one \(e\.g\. \/dev\/sdb:\/dev\/sdb:rw\) or write \/dev\/sdb:rw/],
    ['dev/sdb', /the host path "dev\/sdb" is not absolute; give the device's full path, e\.g\. \/dev\/sdb/],
    ['sdb:/dev/xvdb', /the host path "sdb" is not absolute/],
    ['/dev/sdb:xvdb:rw', /the container path "xvdb" is not absolute; give the full path it gets inside/],
    ['/dev/sdb:/', /the container path cannot be "\/"/],
    ['/dev/nope', /\/dev\/nope does not exist on the host; give the path of a device node/],
    ['/dev/snd', /\/dev\/snd is a directory, which mydocker does not expand into its devices; give each device node with its own --device/],
    ['/etc/passwd:/dev/x', /\/etc\/passwd is not a device node \(a regular file\); give a character or block device/],
    ['/run/fifo', /not a device node \(a FIFO\)/],
  ] as const) {
    it(`refuses ${JSON.stringify(spec)} with one line and exit code 125`, () => {
      assert.throws(() => parseDeviceSpec(spec, STAT), (error: unknown) => {
        assert.ok(error instanceof MydockerError);
        assert.equal(error.exitCode, 125);
        assert.match(error.message, message);
        assert.doesNotMatch(error.message, /\n/);
        return true;
      });
    });
  }

  it('reports a stat failure other than a missing path as it is', () => {
    const denied = (): fs.Stats => {
      throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
    };
    assert.throws(() => parseDeviceSpec('/dev/sdb', denied), /cannot stat \/dev\/sdb on the host \(EACCES\)/);
  });
});

const security = (over: Partial<SecuritySettings>): SecuritySettings => ({ ...DEFAULT_SECURITY, ...over });

describe('device rules', () => {
  it('are Docker\'s: deny all, then the default allow-list', () => {
    const rules = deviceRules(DEFAULT_SECURITY);
    assert.deepEqual(rules[0], { allow: false, type: 'a', major: null, minor: null, access: 'rwm' });
    assert.deepEqual(rules.slice(1), [...DEFAULT_DEVICE_RULES]);
    assert.deepEqual(rules.map(formatV1Rule), [
      'a *:* rwm', 'c *:* m', 'b *:* m', 'c 1:3 rwm', 'c 1:5 rwm', 'c 1:7 rwm', 'c 1:8 rwm', 'c 1:9 rwm',
      'c 5:0 rwm', 'c 5:1 rwm', 'c 5:2 rwm', 'c 10:200 rwm', 'c 136:* rwm',
    ]);
    assert.ok(DEFAULT_DEVICE_RULES.every((r) => r.allow));
  });

  it('allow everything for a privileged container, --device mappings included', () => {
    const sdb = parseDeviceSpec('/dev/sdb', STAT);
    assert.deepEqual(deviceRules(security({ privileged: true, devices: [sdb] })), [{ allow: true, type: 'a', major: null, minor: null, access: 'rwm' }]);
    assert.deepEqual(deviceRules(security({ privileged: true })).map(formatV1Rule), ['a *:* rwm']);
  });

  it('end with one allow rule per --device, with its permissions', () => {
    const rules = deviceRules(security({ devices: [parseDeviceSpec('/dev/sdb:/dev/xvdb:r', STAT), parseDeviceSpec('/dev/fuse', STAT)] }));
    assert.equal(rules.length, 1 + DEFAULT_DEVICE_RULES.length + 2);
    assert.deepEqual(rules.slice(-2).map(formatV1Rule), ['b 8:16 r', 'c 10:229 rwm']);
    assert.ok(rules.slice(-2).every((r) => r.allow));
  });
});

const allow = (type: DeviceRule['type'], major: number | null, minor: number | null, access: string): DeviceRule => ({ allow: true, type, major, minor, access });
const deny = (type: DeviceRule['type'], major: number | null, minor: number | null, access: string): DeviceRule => ({ allow: false, type, major, minor, access });

const HEADER = [
  'r2 = *(u32 *)(r1 +0)',
  'w2 &= 0xffff',
  'r3 = *(u32 *)(r1 +0)',
  'w3 >>= 16',
  'r4 = *(u32 *)(r1 +4)',
  'r5 = *(u32 *)(r1 +8)',
];

const listing = (rules: DeviceRule[]): string[] => deviceProgram(rules).map(describeInsn);

describe('the cgroup v2 device program', () => {
  it('with no rule, or deny all, refuses everything; allow all allows everything', () => {
    assert.deepEqual(listing([]), [...HEADER, 'w0 = 0', 'exit']);
    assert.deepEqual(listing([deny('a', null, null, 'rwm')]), [...HEADER, 'w0 = 0', 'exit']);
    assert.deepEqual(listing(deviceRules(security({ privileged: true }))), [...HEADER, 'w0 = 1', 'exit']);
  });

  it('gives each allowed device a block that jumps to the next one when the request does not match', () => {
    assert.deepEqual(listing([deny('a', null, null, 'rwm'), allow('c', 1, 3, 'rwm'), allow('c', null, null, 'm'), allow('c', 136, null, 'rw')]), [
      ...HEADER,
      // c 1:3 rwm: any access, so no access test
      'if r2 != 0x2 goto pc+4',
      'if r4 != 0x1 goto pc+3',
      'if r5 != 0x3 goto pc+2',
      'w0 = 1',
      'exit',
      // c *:* m: only a request wholly within "m" (mknod) matches
      'if r2 != 0x2 goto pc+5',
      'w1 = w3',
      'w1 &= 0x1',
      'if r1 != r3 goto pc+2',
      'w0 = 1',
      'exit',
      // c 136:* rw
      'if r2 != 0x2 goto pc+6',
      'w1 = w3',
      'w1 &= 0x6',
      'if r1 != r3 goto pc+3',
      'if r4 != 0x88 goto pc+2',
      'w0 = 1',
      'exit',
      'w0 = 0',
      'exit',
    ]);
  });

  it('denies a device under allow-all with a block matching any of the denied access', () => {
    assert.deepEqual(listing([allow('a', null, null, 'rwm'), deny('b', 8, 0, 'w'), deny('b', 8, 1, 'rwm')]), [
      ...HEADER,
      'if r2 != 0x1 goto pc+7',
      'w1 = w3',
      'w1 &= 0x4',
      'if r1 == 0x0 goto pc+4',
      'if r4 != 0x8 goto pc+3',
      'if r5 != 0x0 goto pc+2',
      'w0 = 0',
      'exit',
      'if r2 != 0x1 goto pc+4',
      'if r4 != 0x8 goto pc+3',
      'if r5 != 0x1 goto pc+2',
      'w0 = 0',
      'exit',
      'w0 = 1',
      'exit',
    ]);
  });

  it('for Docker\'s default rules: the header, a block per allowed device, the default deny (69 instructions)', () => {
    const program = deviceProgram(deviceRules(DEFAULT_SECURITY));
    // 6 header + 2 wildcard mknod blocks of 6 + 9 exact devices of 5 + c 136:* of 4 + 2.
    assert.equal(program.length, 6 + 2 * 6 + 9 * 5 + 4 + 2);
    const text = program.map(describeInsn);
    assert.deepEqual(text.slice(0, 6), HEADER);
    assert.deepEqual(text.slice(-2), ['w0 = 0', 'exit']);
    assert.equal(text.filter((t) => t === 'w0 = 1').length, DEFAULT_DEVICE_RULES.length);
    // Every jump lands inside the program, on the first instruction of a block or the default.
    program.forEach((insn, at) => {
      if (/goto/.test(describeInsn(insn))) {
        const target = at + 1 + insn.off;
        assert.ok(target > at && target < program.length, `jump at ${at} to ${target}`);
        assert.equal(describeInsn(program[target - 1]!), 'exit', `jump at ${at} lands after an exit`);
      }
    });
  });

  it('applies rules in order as the devices cgroup does: "a" resets, same-device rules merge, no holes in wildcards', () => {
    assert.deepEqual(effectiveRules([allow('c', 1, 3, 'r'), deny('a', null, null, 'rwm'), allow('c', 1, 5, 'r'), allow('c', 1, 5, 'w')]), {
      defaultAllow: false,
      exceptions: [allow('c', 1, 5, 'rw')],
    });
    assert.deepEqual(effectiveRules([deny('a', null, null, 'rwm'), allow('c', 1, 5, 'rwm'), deny('c', 1, 5, 'w'), deny('c', null, null, 'rwm')]), {
      defaultAllow: false,
      exceptions: [allow('c', 1, 5, 'rm')],
    });
    // Under allow-all, allowing one device inside a denied wildcard changes nothing (v1 agrees).
    assert.deepEqual(effectiveRules([allow('a', null, null, 'rwm'), deny('b', 8, null, 'rwm'), allow('b', 8, 0, 'rwm')]).exceptions, [deny('b', 8, null, 'rwm')]);
    assert.throws(() => deviceProgram([allow('c', 1, 3, 'rx')]), /access must be a non-empty subset of "rwm"/);
    assert.throws(() => deviceProgram([allow('c', -1, 3, 'r')]), /major and minor must be integers/);
  });

  it('encodes each instruction as struct bpf_insn', () => {
    const bytes = encodeProgram(deviceProgram([]));
    assert.equal(bytes.length, 8 * 8);
    assert.equal(bytes.subarray(0, 8).toString('hex'), '6112000000000000', 'r2 = *(u32 *)(r1 + 0): dst in the low nibble');
    assert.equal(bytes.subarray(8, 16).toString('hex'), '54020000ffff0000', 'w2 &= 0xffff');
    assert.equal(bytes.subarray(48, 56).toString('hex'), 'b400000000000000', 'w0 = 0');
    assert.equal(bytes.subarray(56, 64).toString('hex'), '9500000000000000', 'exit');
    const jump = encodeProgram(deviceProgram([deny('a', null, null, 'rwm'), allow('c', 1, 3, 'rwm')])).subarray(48, 56);
    assert.equal(jump.toString('hex'), '5502040002000000', 'if r2 != 2 goto pc+4');
  });
});
