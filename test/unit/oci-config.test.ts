// config.json of an OCI bundle: what `create` reads from a configuration as containerd's `ctr run`
// writes it, and the one-line refusals of what is malformed or what mydocker cannot honour.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseConfig } from '../../src/oci/config.js';
import { parseMountOptions } from '../../src/oci/mount-options.js';

const BUNDLE = '/run/containerd/io.containerd.runtime.v2.task/default/web';

/** A configuration of the shape containerd 1.6 gives its runtime (trimmed). */
function ctrConfig(): Record<string, unknown> {
  return {
    ociVersion: '1.0.2-dev',
    process: {
      user: { uid: 0, gid: 0, additionalGids: [10] },
      args: ['/bin/sh', '-c', 'sleep 1'],
      env: ['PATH=/usr/bin:/bin'],
      cwd: '/',
      capabilities: { bounding: ['CAP_CHOWN', 'CAP_KILL'], effective: ['CAP_CHOWN', 'CAP_KILL'], permitted: ['CAP_CHOWN', 'CAP_KILL'] },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs' },
    hostname: 'web',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/etc/hosts', type: 'bind', source: '/var/lib/x/hosts', options: ['rbind', 'rprivate', 'ro'] },
    ],
    linux: {
      resources: { devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }], memory: { limit: 104857600 }, cpu: { shares: 2, quota: 50000, period: 100000 }, pids: { limit: -1 } },
      cgroupsPath: '/default/web',
      namespaces: [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'network', path: '/proc/42/ns/net' }],
      maskedPaths: ['/proc/kcore'],
      readonlyPaths: ['/proc/sys'],
    },
    annotations: { 'io.kubernetes.cri.container-type': 'sandbox' },
  };
}

const parse = (config: unknown) => parseConfig(JSON.stringify(config), BUNDLE);
const with_ = (edit: (c: Record<string, any>) => void): Record<string, unknown> => {
  const c = ctrConfig() as Record<string, any>;
  edit(c);
  return c;
};
const refused = (config: unknown, message: RegExp) => assert.throws(() => parse(config), (e: Error) => message.test(e.message) && !e.message.includes('\n'));

describe('parseConfig', () => {
  it('reads what containerd gives: root relative to the bundle, the process, mounts, namespaces to make and to join, resources', () => {
    const c = parse(ctrConfig());
    assert.deepEqual(c.root, { path: `${BUNDLE}/rootfs`, readonly: false });
    assert.deepEqual(c.process.args, ['/bin/sh', '-c', 'sleep 1']);
    assert.deepEqual(c.process.user, { uid: 0, gid: 0, umask: null, additionalGids: [10] });
    assert.deepEqual(c.process.capabilities.inheritable, [], 'a set not given is empty');
    assert.deepEqual(c.process.rlimits, [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 1024 }]);
    assert.equal(c.process.noNewPrivileges, true);
    assert.equal(c.process.terminal, false);
    assert.deepEqual(c.linux.namespaces.map((n) => `${n.type}:${n.path ?? '-'}`), ['pid:-', 'ipc:-', 'uts:-', 'mount:-', 'network:/proc/42/ns/net']);
    assert.equal(c.linux.cgroupsPath, '/default/web');
    assert.deepEqual(c.linux.resources.memory, { limit: 104857600, reservation: null, swap: null, kernel: null, kernelTCP: null, swappiness: null, disableOOMKiller: null });
    assert.deepEqual(c.linux.resources.cpu, { shares: 2, quota: 50000, period: 100000, realtimeRuntime: null, realtimePeriod: null, cpus: null, mems: null });
    assert.deepEqual(c.linux.resources.pids, { limit: -1 });
    assert.deepEqual(c.linux.resources.devices[1], { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' });
    assert.deepEqual(c.linux.resources.devices[0], { allow: false, type: 'a', major: null, minor: null, access: 'rwm' });
    assert.deepEqual(c.mounts[1]!.options, { flags: 0x2 | 0x1000000, propagation: [], data: 'mode=755,size=65536k' });
    assert.deepEqual(c.mounts[2]!.options, { flags: 0x1000 | 0x4000 | 0x1, propagation: [0x40000 | 0x4000], data: null });
    assert.deepEqual(c.hooks.prestart, []);
    assert.equal(c.annotations['io.kubernetes.cri.container-type'], 'sandbox');
  });

  it('an absolute root path is kept', () => {
    assert.equal(parse(with_((c) => (c.root = { path: '/srv/root', readonly: true }))).root.path, '/srv/root');
  });

  it('names the field of a malformed document, in one line', () => {
    assert.throws(() => parseConfig('{', BUNDLE), /config\.json: is not valid JSON/);
    refused('a string', /config\.json: the document must be an object/);
    refused(with_((c) => (c.process.user.uid = -1)), /config\.json: process\.user\.uid must be at least 0/);
    refused(with_((c) => (c.process.args = [])), /process\.args must name the program to run/);
    refused(with_((c) => (c.process.cwd = 'tmp')), /process\.cwd must be an absolute path/);
    refused(with_((c) => (c.process.capabilities.bounding = ['CAP_FLY'])), /process\.capabilities\.bounding\[0\] is "CAP_FLY"/);
    refused(with_((c) => (c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 10, hard: 5 }])), /process\.rlimits\[0\] has a soft limit \(10\) above its hard limit \(5\)/);
    refused(with_((c) => (c.mounts[0].destination = 'proc')), /mounts\[0\]\.destination must be an absolute path/);
    refused(with_((c) => c.linux.namespaces.push({ type: 'pid' })), /linux\.namespaces\[5\]\.type repeats the pid namespace/);
    refused(with_((c) => (c.linux.namespaces[0].type = 'pids')), /is "pids", which is no namespace type/);
    refused(with_((c) => (c.ociVersion = '2.0.0')), /ociVersion is 2\.0\.0/);
    refused(with_((c) => delete c.process), /process is missing/);
    refused(with_((c) => (c.hooks = { preStart: [] })), /hooks\.preStart is no hook of the runtime-spec/);
  });

  it('refuses by name what it cannot honour, rather than running without it', () => {
    refused(with_((c) => c.linux.namespaces.push({ type: 'time' })), /mydocker has no time namespaces yet/);
    refused(with_((c) => (c.process.apparmorProfile = 'docker-default')), /process\.apparmorProfile is not supported/);
    refused(with_((c) => (c.linux.resources.blockIO = { weight: 10 })), /linux\.resources\.blockIO is not supported/);
    refused(with_((c) => (c.linux.resources.memory.useHierarchy = true)), /linux\.resources\.memory\.useHierarchy is not supported/);
    refused(with_((c) => (c.linux.resources.cpu.idle = 1)), /linux\.resources\.cpu\.idle is not supported/);
    refused(with_((c) => c.mounts.push({ destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['tmpcopyup'] })), /mounts\[3\]\.options\[0\] is "tmpcopyup"/);
    // Empty values say nothing: accepted.
    assert.doesNotThrow(() => parse(with_((c) => Object.assign(c.linux, { uidMappings: [], mountLabel: '' }))));
  });
});

describe('parseConfig: memory and cpu resources', () => {
  it('reads the memory fields runc sets on v1 and the real-time cpu budget', () => {
    const c = parse(
      with_((c) => {
        c.linux.resources.memory = { limit: 50593792, reservation: 50593792, swap: 50593792, kernel: 50593792, kernelTCP: 50593792, swappiness: 10, disableOOMKiller: true };
        c.linux.resources.cpu = { shares: 1024, quota: 50000, period: 500000, realtimeRuntime: 950000, realtimePeriod: 1000000 };
      }),
    );
    assert.deepEqual(c.linux.resources.memory, { limit: 50593792, reservation: 50593792, swap: 50593792, kernel: 50593792, kernelTCP: 50593792, swappiness: 10, disableOOMKiller: true });
    assert.deepEqual(c.linux.resources.cpu, { shares: 1024, quota: 50000, period: 500000, realtimeRuntime: 950000, realtimePeriod: 1000000, cpus: null, mems: null });
    refused(with_((c) => (c.linux.resources.memory.swappiness = 101)), /linux\.resources\.memory\.swappiness must be at most 100/);
    refused(with_((c) => (c.linux.resources.memory.disableOOMKiller = 1)), /linux\.resources\.memory\.disableOOMKiller must be true or false/);
  });
});

describe('parseConfig: user namespaces', () => {
  const userns = (edit: (c: Record<string, any>) => void = () => {}) =>
    with_((c) => {
      c.linux.namespaces = c.linux.namespaces.filter((n: { path?: string }) => n.path === undefined);
      c.linux.namespaces.push({ type: 'user' });
      c.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 2000 }];
      c.linux.gidMappings = [{ containerID: 0, hostID: 1000, size: 3000 }];
      edit(c);
    });

  it('reads the namespace and both maps', () => {
    const c = parse(userns());
    assert.ok(c.linux.namespaces.some((n) => n.type === 'user' && n.path === null));
    assert.deepEqual(c.linux.uidMappings, [{ containerID: 0, hostID: 1000, size: 2000 }]);
    assert.deepEqual(c.linux.gidMappings, [{ containerID: 0, hostID: 1000, size: 3000 }]);
    // Joined by path, it has its maps already.
    const joined = parse(userns((c) => (c.linux.namespaces.at(-1).path = '/proc/42/ns/user', delete c.linux.uidMappings, delete c.linux.gidMappings)));
    assert.deepEqual(joined.linux.uidMappings, []);
  });

  it('refuses maps it could not apply, or a new namespace without them', () => {
    refused(with_((c) => (c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }])), /linux\.uidMappings is set, but linux\.namespaces has no user namespace/);
    refused(userns((c) => delete c.linux.gidMappings), /linux\.gidMappings is missing: a new user namespace needs both/);
    refused(userns((c) => (c.linux.namespaces.at(-1).path = '/proc/42/ns/user')), /linux\.uidMappings is set, but the user namespace is joined by path/);
    refused(userns((c) => (c.linux.uidMappings[0].size = 0)), /linux\.uidMappings\[0\]\.size must be at least 1/);
    refused(userns((c) => c.linux.uidMappings.push({ containerID: 1999, hostID: 5000, size: 1 })), /linux\.uidMappings\[1\] overlaps line 0/);
    refused(userns((c) => c.linux.gidMappings.push({ containerID: 5000, hostID: 1500, size: 1 })), /linux\.gidMappings\[1\] overlaps line 0/);
    refused(userns((c) => (c.linux.uidMappings[0].hostID = 4294967290)), /runs past the last id/);
    refused(userns((c) => (c.mounts[0].uidMappings = [{ containerID: 0, hostID: 1, size: 1 }])), /no id-mapped mounts/);
  });
});

describe('parseMountOptions', () => {
  it('sets and clears flags in order, keeps propagation apart, and passes the rest as data', () => {
    assert.deepEqual(parseMountOptions(['ro', 'rw', 'nosuid', 'rbind', 'rslave', 'size=1m']), { flags: 0x2 | 0x1000 | 0x4000, propagation: [0x80000 | 0x4000], data: 'size=1m' });
    assert.deepEqual(parseMountOptions([]), { flags: 0, propagation: [], data: null });
  });
});
