// The registries plugins fill and the runtime reads them through: volume drivers (`mydocker volume`),
// stats providers (`mydocker stats`) and inspect sections (`mydocker inspect`). A fake plugin
// registers one of each next to the built-ins, in a runtime over a temporary root with a fake kernel.
import { describe, it, type TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRuntime, type Runtime } from '../../src/runtime/runtime.js';
import { processStartTime } from '../../src/container/proc-stat.js';
import { MydockerError, PluginError } from '../../src/errors.js';
import { PluginHost } from '../../src/runtime/plugin-host.js';
import { containerInfo } from '../../src/runtime/contexts.js';
import { definePlugin, type ContainerStats, type VolumeDriver, type VolumeInfo } from '../../hooks/index.js';
import { FakeKernel } from '../support/fake-kernel.js';
import { makeRecord } from '../support/records.js';

/** A volume driver keeping its volumes in memory; `users` says which containers use which volume. */
function memoryDriver(users: Record<string, string[]> = {}): VolumeDriver & { volumes: Map<string, VolumeInfo> } {
  const volumes = new Map<string, VolumeInfo>();
  return {
    name: 'mem',
    volumes,
    async create(name = 'generated') {
      // A driver with its own copy of hooks/ throws its own VolumeError: recognised by name.
      if (name.includes('!')) throw Object.assign(new Error(`invalid volume name "${name}"`), { name: 'VolumeError' });
      const volume = volumes.get(name) ?? { name, mountpoint: `/mem/${name}`, createdAt: '2024-01-01T00:00:00.000Z', anonymous: false };
      volumes.set(name, volume);
      return volume;
    },
    async get(name) {
      return volumes.get(name) ?? null;
    },
    async list() {
      return [...volumes.values()];
    },
    async remove(name) {
      volumes.delete(name);
    },
    usedBy: (_containers, name) => users[name] ?? [],
  };
}

async function runtimeWith(t: TestContext, apply: Parameters<typeof definePlugin>[0]['apply']): Promise<Runtime> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'mydocker-registries-'));
  t.after(() => fs.rmSync(root, { recursive: true, force: true }));
  return createRuntime({ root, kernel: new FakeKernel(), configFile: false, plugins: [definePlugin({ name: 'fake', apply })] });
}

function saveRecord(runtime: Runtime, over: Parameters<typeof makeRecord>[0]): void {
  runtime.containers.create(makeRecord(over));
}

/** A record that reads as running: its pid is this test's own process. */
const RUNNING = { status: 'running' as const, pid: process.pid, pidStartTime: processStartTime(process.pid), startedAt: '2024-01-01T00:00:01.000Z', finishedAt: null, exitCode: null };

describe('volume drivers (api.registerVolumeDriver)', () => {
  it('"local" is the built-in default; a plugin\'s driver is chosen by name, and each volume lists its driver', async (t) => {
    const driver = memoryDriver();
    const runtime = await runtimeWith(t, (api) => api.registerVolumeDriver(driver));
    const local = await runtime.createVolume({ name: 'data' });
    assert.equal(local.driver, 'local');
    assert.equal(local.mountpoint, path.join(runtime.root.dir, 'volumes', 'data', '_data'));
    assert.ok(fs.statSync(local.mountpoint).isDirectory());
    const mem = await runtime.createVolume({ name: 'cache', driver: 'mem' });
    assert.deepEqual({ ...mem }, { name: 'cache', mountpoint: '/mem/cache', createdAt: '2024-01-01T00:00:00.000Z', anonymous: false, driver: 'mem' });
    assert.deepEqual((await runtime.listVolumes()).map((v) => [v.driver, v.name]), [['local', 'data'], ['mem', 'cache']]);
    assert.equal((await runtime.inspectVolume('cache'))?.driver, 'mem');
    assert.equal(await runtime.inspectVolume('nothing'), null);
    await runtime.removeVolume('cache');
    assert.equal(driver.volumes.size, 0);
    await runtime.removeVolume('data');
    assert.deepEqual(await runtime.listVolumes(), []);
  });

  it("refuses an unknown driver, an unknown volume and a volume in use; a driver's VolumeError exits 1", async (t) => {
    const runtime = await runtimeWith(t, (api) => api.registerVolumeDriver(memoryDriver({ busy: ['web'] })));
    await assert.rejects(runtime.createVolume({ driver: 'nfs' }), (e: unknown) => e instanceof MydockerError && /unknown volume driver "nfs"/.test(e.message) && /local, mem/.test(e.hint ?? ''));
    await assert.rejects(runtime.removeVolume('gone'), (e: unknown) => e instanceof MydockerError && e.message === 'no such volume: gone' && e.exitCode === 1);
    await runtime.createVolume({ name: 'busy', driver: 'mem' });
    await assert.rejects(runtime.removeVolume('busy'), (e: unknown) => e instanceof MydockerError && e.message === 'volume busy is in use by container web' && e.exitCode === 1);
    await assert.rejects(runtime.createVolume({ name: 'bad!', driver: 'mem' }), (e: unknown) => e instanceof MydockerError && e.exitCode === 1 && /invalid volume name/.test(e.message));
    await assert.rejects(runtime.createVolume({ name: 'bad!' }), (e: unknown) => e instanceof MydockerError && e.exitCode === 1 && /invalid volume name "bad!"/.test(e.message));
  });

  it('the local driver refuses to remove a volume a container was given (from the volumes plugin\'s state)', async (t) => {
    const runtime = await runtimeWith(t, () => {});
    await runtime.createVolume({ name: 'shared' });
    saveRecord(runtime, { name: 'db', pluginState: { 'mydocker:volumes': { names: ['shared'], mounts: [], anonymous: {} } } });
    await assert.rejects(runtime.removeVolume('shared'), /volume shared is in use by container db/);
  });

  it('a driver name registered twice is refused', async (t) => {
    await assert.rejects(
      runtimeWith(t, (api) => api.registerVolumeDriver({ ...memoryDriver(), name: 'local' })),
      (e: unknown) => e instanceof PluginError && /volume driver "local" is registered twice/.test(e.message),
    );
  });
});

describe('stats providers (api.registerStatsProvider)', () => {
  const usage: ContainerStats = { cpuNanos: 5, memoryBytes: 1024, memoryLimit: null, pids: 2 };

  it('asks providers in order, each with its own saved state; the first non-null wins', async () => {
    const host = new PluginHost('/root');
    const seen: unknown[] = [];
    await host.use(definePlugin({ name: 'none', apply: (api) => api.registerStatsProvider({ readStats: (ctx) => (seen.push(['none', ctx.state]), null) }) }));
    await host.use(definePlugin({ name: 'meter', apply: (api) => api.registerStatsProvider({ readStats: async (ctx) => (seen.push(['meter', ctx.container.name, ctx.state]), usage) }) }));
    await host.use(definePlugin({ name: 'late', apply: (api) => api.registerStatsProvider({ readStats: () => assert.fail('not asked after a reading') }) }));
    const record = makeRecord({ pluginState: { meter: { group: '/g' } } });
    assert.deepEqual(await host.stats(containerInfo(record, '/state'), record.pluginState), usage);
    assert.deepEqual(seen, [['none', {}], ['meter', 'test_container', { group: '/g' }]]);
  });

  it("a provider's throw is reported as its plugin's", async () => {
    const host = new PluginHost('/root');
    await host.use(definePlugin({ name: 'meter', apply: (api) => api.registerStatsProvider({ readStats: () => { throw new Error('no cgroup'); } }) }));
    const record = makeRecord();
    await assert.rejects(host.stats(containerInfo(record, '/state'), {}), (e: unknown) => e instanceof PluginError && e.plugin === 'meter' && e.hook === 'readStats');
  });

  it('runtime.stats reads a running container through the providers, and gives null for one that is not running', async (t) => {
    const runtime = await runtimeWith(t, (api) => api.registerStatsProvider({ readStats: ({ state }) => (state.on === true ? usage : null) }));
    saveRecord(runtime, { id: 'c'.repeat(64), name: 'up', state: RUNNING, pluginState: { fake: { on: true } } });
    saveRecord(runtime, { id: 'd'.repeat(64), name: 'down', pluginState: { fake: { on: true } } });
    assert.deepEqual(await runtime.stats('up'), usage);
    assert.equal(await runtime.stats('down'), null);
  });
});

describe('inspect sections (api.registerInspectSection)', () => {
  it("merges a plugin's fields into its section, keeping the core's keys and order; the built-ins fill OOMKilled and NetworkSettings", async (t) => {
    const runtime = await runtimeWith(t, (api) => {
      api.registerInspectSection('State', ({ state }) => ({ Dead: state.dead === true }));
      api.registerInspectSection('Quota', ({ container, running }) => ({ Container: container.name, Running: running }));
      api.registerInspectSection('Nothing', () => null);
    });
    saveRecord(runtime, {
      name: 'web',
      state: RUNNING,
      options: { network: 'backend', publish: ['8080:80'] },
      pluginState: {
        fake: { dead: true },
        'mydocker:cgroups': { oomKilled: true },
        'mydocker:network': {
          address: '172.28.0.2',
          network: 'n1',
          ports: [
            { hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80, protocol: 'tcp' },
            { hostIp: '::', hostPort: 8080, containerPort: 80, protocol: 'tcp' },
            { hostIp: '127.0.0.1', hostPort: 49153, containerPort: 53, protocol: 'udp' },
          ],
        },
      },
    });
    const info = await runtime.inspect('web');
    const state = info.State as Record<string, unknown>;
    assert.deepEqual(Object.keys(state), ['Status', 'Running', 'Paused', 'Restarting', 'Pid', 'ExitCode', 'OOMKilled', 'StartedAt', 'FinishedAt', 'Error', 'Dead']);
    assert.equal(state.OOMKilled, true);
    assert.equal(state.Dead, true);
    assert.deepEqual(info.NetworkSettings, {
      NetworkMode: 'backend',
      IPAddress: '172.28.0.2',
      NetworkID: 'n1',
      // Docker's shape: by container port, every host address and port it is published on.
      Ports: {
        '80/tcp': [
          { HostIp: '0.0.0.0', HostPort: '8080' },
          { HostIp: '::', HostPort: '8080' },
        ],
        '53/udp': [{ HostIp: '127.0.0.1', HostPort: '49153' }],
      },
    });
    assert.deepEqual(info.Quota, { Container: 'web', Running: true });
    assert.equal('Nothing' in info, false);
    const keys = Object.keys(info);
    assert.deepEqual(keys.slice(keys.indexOf('GraphDriver'), keys.indexOf('GraphDriver') + 3), ['GraphDriver', 'NetworkSettings', 'RestartCount']);
  });

  it('a stopped container: no address, OOMKilled false without the cgroups plugin\'s word', async (t) => {
    const runtime = await runtimeWith(t, () => {});
    saveRecord(runtime, { name: 'old', pluginState: { 'mydocker:network': { address: '172.28.0.2', network: 'n1' } } });
    const info = await runtime.inspect('old');
    assert.equal((info.State as Record<string, unknown>).OOMKilled, false);
    assert.deepEqual(info.NetworkSettings, { NetworkMode: 'bridge', IPAddress: '', NetworkID: '', Ports: {} });
  });
});
