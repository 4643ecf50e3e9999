// config.json → what mydocker's launch takes (src/oci/launch-plan.ts): namespaces to make and to
// join, mounts in the config's order (proc among them), the root's propagation, devices, the launch message's process fields, and the
// cgroups plugin's options; and the refusals made before anything exists.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { CLONE, MS } from '../../hooks/index.js';
import { parseConfig } from '../../src/oci/config.js';
import { DEFAULT_DEVICES, DEFAULT_DEVICE_RULES, checkSysctl, launchPlan } from '../../src/oci/launch-plan.js';
import { encodeInitConfig } from '../../src/process/first-process.js';
import { ctrConfig } from '../support/oci-bundle.js';

const BUNDLE = '/run/containerd/io.containerd.runtime.v2.task/default/web';
const plan = (edit: (c: Record<string, any>) => void = () => {}) => {
  const config = ctrConfig(['sh'], '/default/web');
  edit(config);
  return launchPlan(parseConfig(JSON.stringify(config), BUNDLE));
};
const refused = (edit: (c: Record<string, any>) => void, message: RegExp) => assert.throws(() => plan(edit), (e: Error) => message.test(e.message) && !e.message.includes('\n'));

describe('launchPlan', () => {
  it("ctr's config: five new namespaces, no cgroup one; every mount in the config's order, proc included", () => {
    const p = plan();
    assert.equal(p.unshare, CLONE.NEWPID | CLONE.NEWIPC | CLONE.NEWUTS | CLONE.NEWNS | CLONE.NEWNET);
    assert.deepEqual(p.join, []);
    assert.equal(p.hostname, 'oci-test');
    assert.deepEqual(p.mounts.map((m) => m.destination), ['/proc', '/dev', '/dev/pts', '/dev/shm', '/dev/mqueue', '/sys', '/run']);
    assert.deepEqual([p.mounts[0]!.type, p.mounts[0]!.flags], ['proc', MS.NOSUID | MS.NOEXEC | MS.NODEV]);
    assert.deepEqual(p.mounts[5], { destination: '/sys', type: 'sysfs', source: 'sysfs', flags: MS.NOSUID | MS.NOEXEC | MS.NODEV | MS.RDONLY, data: null, propagation: [], bind: false });
    assert.equal(p.cgroupNamespace, false);
    assert.deepEqual(p.devices, DEFAULT_DEVICES, 'no linux.devices: the spec\'s defaults');
    assert.equal(p.readonlyRoot, false);
    assert.deepEqual(p.rootPropagation, { slave: false, after: null });
  });

  it('rootfsPropagation: slave keeps the mounts slaves of the host\'s; shared and unbindable are set on the root at the end', () => {
    const propagationOf = (value: string) => plan((c) => (c.linux.rootfsPropagation = value)).rootPropagation;
    assert.deepEqual(propagationOf('private'), { slave: false, after: null });
    assert.deepEqual(propagationOf('rslave'), { slave: true, after: null });
    assert.deepEqual(propagationOf('shared'), { slave: false, after: 0x100000 });
    assert.deepEqual(propagationOf('rshared'), { slave: false, after: 0x100000 | MS.REC });
    assert.deepEqual(propagationOf('unbindable'), { slave: false, after: 0x20000 });
  });

  it('a hostname in a UTS namespace joined by path is set there (a pod\'s); an empty one is left alone', () => {
    const joined = plan((c) => (c.linux.namespaces = [{ type: 'mount' }, { type: 'uts', path: '/proc/9/ns/uts' }]));
    assert.equal(joined.hostname, 'oci-test');
    assert.deepEqual(joined.join, [{ path: '/proc/9/ns/uts', nstype: CLONE.NEWUTS }]);
    assert.equal(plan((c) => (c.hostname = '')).hostname, null);
  });

  it('process.user.umask travels in the launch message (tag 15, a u32)', () => {
    const p = plan((c) => (c.process.user.umask = 0o2));
    assert.equal(p.process.umask, 0o2);
    const message = encodeInitConfig({ ...p.process, steps: [] });
    const field = message.subarray(message.length - 9);
    assert.equal(field[0], 15);
    assert.equal(field.readUInt32LE(1), 4);
    assert.equal(field.readUInt32LE(5), 0o2);
  });

  it('namespaces with a path are joined (a pod\'s), the mount namespace last; a type not listed stays the host\'s', () => {
    const p = plan((c) => {
      c.linux.namespaces = [{ type: 'mount', path: '/proc/9/ns/mnt' }, { type: 'network', path: '/proc/9/ns/net' }, { type: 'pid' }];
      delete c.hostname;
    });
    assert.equal(p.unshare, CLONE.NEWPID);
    assert.deepEqual(p.join, [{ path: '/proc/9/ns/net', nstype: CLONE.NEWNET }, { path: '/proc/9/ns/mnt', nstype: CLONE.NEWNS }]);
    assert.equal(p.hostname, null);
  });

  it('the process: argv, env, cwd, numeric user, capability masks, rlimits by number, no_new_privs, a new keyring', () => {
    const p = plan((c) => {
      c.process.user = { uid: 1000, gid: 100, additionalGids: [5, 6] };
      c.process.capabilities = { bounding: ['CAP_CHOWN', 'CAP_KILL'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'], ambient: ['CAP_KILL'] };
      c.process.rlimits = [{ type: 'RLIMIT_NOFILE', soft: 1024, hard: 4096 }, { type: 'RLIMIT_CORE', soft: 0, hard: 0 }];
    });
    assert.deepEqual(p.process.argv, ['sh']);
    assert.deepEqual(p.process.user, { uid: 1000, gid: 100, additionalGids: [5, 6] });
    assert.deepEqual(p.process.capabilities, { bounding: (1n << 0n) | (1n << 5n), effective: 1n << 5n, permitted: 1n << 5n, inheritable: 0n, ambient: 1n << 5n });
    assert.deepEqual(p.process.rlimits, [{ resource: 7, soft: 1024, hard: 4096 }, { resource: 4, soft: 0, hard: 0 }]);
    assert.equal(p.process.noNewPrivileges, true);
    assert.equal(p.process.newKeyring, true);
  });

  it('an rlimit travels in the launch message as (resource, soft, hard)', () => {
    const message = encodeInitConfig({ argv: ['sh'], env: [], cwd: '/', rlimits: [{ resource: 7, soft: 1024, hard: 4096 }] });
    const field = message.subarray(message.length - 25);
    assert.equal(field[0], 13);
    assert.equal(field.readUInt32LE(1), 20);
    assert.equal(field.readUInt32LE(5), 7);
    assert.equal(field.readBigUInt64LE(9), 1024n);
    assert.equal(field.readBigUInt64LE(17), 4096n);
  });

  it("the cgroups plugin's options: cgroupsPath, limits in mydocker's keys, the config's device rules, whether it mounts a cgroup view", () => {
    const p = plan((c) => {
      c.linux.resources = { ...c.linux.resources, memory: { limit: 104857600, swap: 209715200 }, cpu: { shares: 512, quota: 50000, period: 100000, cpus: '0', mems: '0' }, pids: { limit: 100 } };
    });
    assert.deepEqual({ ...p.cgroupOptions, deviceRules: undefined }, {
      cgroupView: false,
      cgroupsPath: '/default/web',
      memory: '104857600',
      memorySwap: '209715200',
      cpuPeriod: '100000',
      cpuQuota: '50000',
      cpuShares: '512',
      cpusetCpus: '0',
      cpusetMems: '0',
      pidsLimit: '100',
      deviceRules: undefined,
    });
    assert.deepEqual((p.cgroupOptions.deviceRules as unknown[]).slice(0, 2), [
      { allow: false, type: 'a', major: null, minor: null, access: 'rwm' },
      { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' },
    ]);
    const withView = plan((c) => c.mounts.push({ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro'] }));
    assert.equal(withView.cgroupOptions.cgroupView, true);
    assert.ok(!withView.mounts.some((m) => m.type === 'cgroup'), 'the plugin mounts the view, not the window');
    assert.equal(plan((c) => (c.linux.resources.cpu = { shares: 2 })).cgroupOptions.cpuShares, '2', "CRI's sandboxes");
  });

  it("runc's rules follow the config's device rules: a config denying everything still has /dev/null, the terminals, mknod", () => {
    const p = plan((c) => (c.linux.resources = { devices: [{ allow: false, access: 'rwm' }] }));
    assert.deepEqual(p.cgroupOptions.deviceRules, [{ allow: false, type: 'a', major: null, minor: null, access: 'rwm' }, ...DEFAULT_DEVICE_RULES]);
    assert.ok(DEFAULT_DEVICE_RULES.some((r) => r.type === 'c' && r.major === 1 && r.minor === 3 && r.access === 'rwm'), '/dev/null');
    assert.equal(plan((c) => (c.linux.resources = {})).cgroupOptions.deviceRules, undefined, 'no rules: the plugin\'s own defaults');
  });

  it('bind mounts keep their flags for a remount and their propagation apart; linux.devices add to the defaults', () => {
    const p = plan((c) => {
      c.mounts.push({ destination: '/etc/hosts', type: 'bind', source: '/var/lib/x/hosts', options: ['rbind', 'rprivate', 'ro'] });
      c.linux.devices = [{ type: 'c', path: '/dev/fuse', major: 10, minor: 229, fileMode: 0o600 }];
    });
    assert.deepEqual(p.mounts.at(-1), { destination: '/etc/hosts', type: null, source: '/var/lib/x/hosts', flags: MS.BIND | MS.REC | MS.RDONLY, data: null, propagation: [0x40000 | MS.REC], bind: true });
    assert.deepEqual(p.devices.at(-1), { path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o600, uid: 0, gid: 0 });
    assert.equal(p.devices.length, DEFAULT_DEVICES.length + 1);
  });

  it('refuses, in one line, what it cannot honour or what would change the host', () => {
    refused((c) => (c.linux.namespaces = [{ type: 'pid' }]), /has no mount namespace/);
    refused((c) => (c.linux.namespaces = [{ type: 'mount' }]), /hostname is set but the container has no UTS namespace \(it would rename the host\)/);
    refused((c) => (c.hooks = { createContainer: [{ path: '/bin/true' }] }), /hooks\.createContainer is not supported by mydocker-runc yet/);
    refused((c) => (c.hooks = { startContainer: [{ path: '/bin/true' }] }), /hooks\.startContainer is not supported by mydocker-runc yet/);
    assert.doesNotThrow(() => plan((c) => (c.hooks = { prestart: [{ path: '/bin/true' }], createRuntime: [{ path: '/bin/true' }], poststart: [{ path: '/bin/true' }], poststop: [{ path: '/bin/true' }] })));
    refused((c) => (c.linux.cgroupsPath = 'system.slice:cri:web'), /is a systemd slice/);
    refused((c) => (c.linux.cgroupsPath = '/a/../../b'), /must not contain "\.\."/);
    refused((c) => (c.linux.sysctl = { 'vm.swappiness': '10' }), /"vm\.swappiness" cannot be set \(it is not namespaced/);
    refused((c) => c.mounts.push({ destination: '/x', source: '/y' }), /the mount on \/x has no type/);
  });

  it('the period and quota as given (not a CPU fraction), and memory and real-time fields in mydocker\'s keys', () => {
    const p = plan((c) => {
      c.linux.resources.memory = { limit: 50593792, reservation: 50593792, swap: 50593792, kernel: 50593792, kernelTCP: 50593792, swappiness: 10, disableOOMKiller: true };
      c.linux.resources.cpu = { shares: 1024, quota: 50000, period: 500000, realtimeRuntime: 950000, realtimePeriod: 1000000 };
    });
    const { cpuPeriod, cpuQuota, cpuRtPeriod, cpuRtRuntime, memoryReservation, kernelMemory, kernelMemoryTcp, memorySwappiness, oomKillDisable, cpus } = p.cgroupOptions;
    assert.deepEqual(
      { cpuPeriod, cpuQuota, cpuRtPeriod, cpuRtRuntime, memoryReservation, kernelMemory, kernelMemoryTcp, memorySwappiness, oomKillDisable, cpus },
      { cpuPeriod: '500000', cpuQuota: '50000', cpuRtPeriod: '1000000', cpuRtRuntime: '950000', memoryReservation: '50593792', kernelMemory: '50593792', kernelMemoryTcp: '50593792', memorySwappiness: '10', oomKillDisable: 'true', cpus: undefined },
    );
    assert.equal(plan((c) => (c.linux.resources.memory = { disableOOMKiller: false })).cgroupOptions.oomKillDisable, undefined, 'false is the default: nothing to ask');
  });

  it('a user namespace: made by a holder with the others inside it, its maps as text, devices and mount owners as host ids', () => {
    const p = plan((c) => {
      c.linux.namespaces = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'network' }, { type: 'user' }];
      c.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 2000 }];
      c.linux.gidMappings = [{ containerID: 0, hostID: 1000, size: 3000 }, { containerID: 5000, hostID: 9000, size: 1 }];
      c.linux.devices = [{ type: 'c', path: '/dev/fuse', major: 10, minor: 229, uid: 5, gid: 5000 }];
    });
    assert.equal(p.unshare, CLONE.NEWPID | CLONE.NEWIPC | CLONE.NEWUTS | CLONE.NEWNS | CLONE.NEWNET, 'never NEWUSER: the holder adds it');
    assert.deepEqual(p.userns, { path: null, uidMap: '0 1000 2000\n', gidMap: '0 1000 3000\n5000 9000 1\n', rootUid: 1000 });
    assert.deepEqual(p.devices.find((d) => d.path === '/dev/null'), { ...DEFAULT_DEVICES[0], uid: 1000, gid: 1000 });
    assert.deepEqual(p.devices.find((d) => d.path === '/dev/fuse')?.uid, 1005);
    assert.deepEqual(p.devices.find((d) => d.path === '/dev/fuse')?.gid, 9000);
    assert.equal(DEFAULT_DEVICES[0]!.uid, 0, 'the defaults themselves are left alone');
    const data = Object.fromEntries(p.mounts.map((m) => [m.destination, m.data]));
    assert.equal(data['/dev/pts'], 'newinstance,ptmxmode=0666,mode=0620,gid=1005');
    assert.equal(data['/dev'], 'mode=755,size=65536k,uid=1000,gid=1000', "a tmpfs is the container's root's, as if it had mounted it");
    assert.equal(data['/dev/mqueue'], null);
    const joined = plan((c) => {
      c.linux.namespaces = [{ type: 'pid' }, { type: 'uts' }, { type: 'mount' }, { type: 'user', path: '/proc/9/ns/user' }];
    });
    assert.deepEqual(joined.userns, { path: '/proc/9/ns/user', uidMap: '', gidMap: '', rootUid: null });
    assert.deepEqual(joined.devices, DEFAULT_DEVICES, 'joined: no maps known here, ids as given');
  });

  it('a user namespace: refuses namespaces joined by path beside it, and ids its maps leave out', () => {
    const userns = (c: Record<string, any>) => {
      c.linux.namespaces.push({ type: 'user' });
      c.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 10 }];
      c.linux.gidMappings = [{ containerID: 0, hostID: 1000, size: 10 }];
    };
    refused((c) => (userns(c), (c.linux.namespaces[4] = { type: 'network', path: '/proc/9/ns/net' })), /a user namespace together with namespaces joined by path is not supported/);
    const own = userns;
    assert.doesNotThrow(() => plan(own));
    refused((c) => (own(c), (c.linux.devices = [{ type: 'c', path: '/dev/fuse', major: 10, minor: 229, uid: 50 }])), /the owner of \/dev\/fuse is 50, which the user namespace's mappings leave out/);
    refused((c) => (own(c), c.mounts.push({ destination: '/x', type: 'tmpfs', source: 'tmpfs', options: ['gid=50'] })), /the gid= of the mount on \/x is 50/);
  });

  it('sysctls: only those of a namespace the container has of its own', () => {
    const own = new Map([['ipc', null], ['network', null]] as const);
    assert.doesNotThrow(() => checkSysctl('net.ipv4.ip_forward', own));
    assert.doesNotThrow(() => checkSysctl('kernel.shmmax', own));
    assert.doesNotThrow(() => checkSysctl('fs.mqueue.msg_max', own));
    assert.throws(() => checkSysctl('net.ipv4.ip_forward', new Map([['network', '/proc/1/ns/net']])), /no network namespace of its own/);
    assert.throws(() => checkSysctl('kernel.shmmax', new Map()), /no IPC namespace of its own/);
    assert.throws(() => checkSysctl('kernel.hostname', own), /not namespaced/);
  });
});
