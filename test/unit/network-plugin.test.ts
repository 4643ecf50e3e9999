// The network plugin through the plugin host, with a fake network driver, a fake kernel and a
// temporary state root: what it refuses, the order of its calls to the driver, the /etc files it
// writes and binds, names on a user network, and a teardown after a crash that saved nothing.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JsonValue, NetworkDriver } from '../../hooks/index.js';
import { PluginHost } from '../../src/runtime/plugin-host.js';
import { stateRootNetworks } from '../../src/runtime/host-networks.js';
import { hookContext } from '../../src/runtime/contexts.js';
import { PluginError } from '../../src/errors.js';
import networkPlugin from '../../plugins/network/index.js';
import { FakeKernel } from '../support/fake-kernel.js';
import { makeRecord } from '../support/records.js';
import { tempDir } from '../support/tmp.js';

async function world(t: { after(fn: () => void): void }) {
  const root = tempDir(t);
  const kernel = new FakeKernel();
  const log: string[] = [];
  const host = new PluginHost(root, () => kernel, { networks: stateRootNetworks });
  const driver: NetworkDriver = {
    name: 'fake',
    createNetwork: async (ctx) => void log.push(`create ${ctx.network.name}`),
    deleteNetwork: async (ctx) => void log.push(`delete ${ctx.network.name}`),
    allocateAddress: async (ctx, requested) => {
      const address = await host.networks.ipam.allocate(ctx.network, ctx.owner, requested);
      log.push(`allocate ${ctx.owner.slice(0, 4)} ${address}`);
      return address;
    },
    releaseAddress: async (ctx) => {
      log.push(`release ${ctx.owner.slice(0, 4)}`);
      await host.networks.ipam.release(ctx.network, ctx.owner);
    },
    join: async (ctx) => {
      log.push(`join ${ctx.container.name} ${ctx.address} pid=${ctx.pid} ports=${ctx.ports.map((p) => `${p.hostPort}:${p.containerPort}`).join(',')}`);
      ctx.endpoint.link = `link-${ctx.container.name}`;
      // What a driver publishes: a random host port picked for a request without one.
      for (const p of ctx.ports) ctx.published.push({ ...p, hostIp: p.hostIp || '0.0.0.0', hostPort: p.hostPort || 49153 });
    },
    leave: async (ctx) => void log.push(`leave ${ctx.container.name} ${String(ctx.endpoint.link)}`),
  };
  await host.use(networkPlugin);
  await host.use({ name: 'fake-driver', apply: (api) => api.registerNetworkDriver(driver) });
  const network = await host.networks.create({ name: 'n1', driver: 'fake', subnet: '198.18.40.0/24' });
  const container = (name: string, options: Record<string, JsonValue>) => {
    const record = makeRecord({ id: `${name}`.padEnd(64, 'f'), name, hostname: `h-${name}`, options });
    const stateDir = path.join(root, 'containers', record.id);
    const rootfs = path.join(root, 'rootfs', name);
    fs.mkdirSync(stateDir, { recursive: true });
    fs.mkdirSync(rootfs, { recursive: true });
    return { record, stateDir, rootfs };
  };
  const prepare = (c: ReturnType<typeof container>) => host.hooks.prepareRootfs.promise(hookContext(c.record, c.stateDir, kernel, { rootfs: c.rootfs, layers: [] }));
  const setup = (c: ReturnType<typeof container>) => host.hooks.setupNetwork.promise(hookContext(c.record, c.stateDir, kernel, { pid: 4242, rootfs: c.rootfs, initSteps: [] }));
  const teardown = async (c: ReturnType<typeof container>) => {
    const errors: Error[] = [];
    await host.hooks.teardownNetwork.promise(hookContext(c.record, c.stateDir, kernel, { pid: null, errors }));
    return errors;
  };
  const check = (options: Record<string, JsonValue>) => host.hooks.checkOptions.call({ options, root });
  return { root, kernel, log, host, network, container, prepare, setup, teardown, check };
}

const refused = (pattern: RegExp) => (e: unknown) => e instanceof PluginError && e.hook === "checkOptions" && pattern.test(e.message) && e.exitCode === 125;

describe('network plugin', () => {
  it('refuses bad network options before anything exists', async (t) => {
    const w = await world(t);
    assert.throws(() => w.check({ network: 'nosuch' }), refused(/network nosuch not found/));
    assert.throws(() => w.check({ network: 'host', publish: ['80:80'] }), refused(/cannot be used with --net host/));
    assert.throws(() => w.check({ network: 'none', ip: '198.18.40.9' }), refused(/--ip cannot be used with --net none/));
    assert.throws(() => w.check({ ip: '198.18.40.9' }), refused(/--ip needs a user-defined network/));
    assert.throws(() => w.check({ publish: ['80/sctp'] }), refused(/invalid publish spec "80\/sctp"/));
    assert.throws(() => w.check({ expose: ['http'] }), refused(/invalid --expose "http"/));
    w.check({ publish: ['80', '[::1]::53/udp'], expose: ['8000-8002/udp'], publishAll: true });
    assert.throws(() => w.check({ network: 'container:web' }), refused(/not supported/));
    w.check({ network: 'n1', publish: ['8080:80'], ip: '198.18.40.9' });
    w.check({ network: 'none' });
    assert.deepEqual(w.log, ['create n1']);
  });

  it('writes and binds /etc/hostname, /etc/hosts and /etc/resolv.conf from the state directory', async (t) => {
    const w = await world(t);
    const c = w.container('web', { network: 'none' });
    await w.prepare(c);
    const mounts = w.kernel.calls.filter((k) => k.call === 'mount');
    assert.deepEqual(
      mounts.map((m) => [m.args[0], m.args[3]]),
      ['hostname', 'hosts', 'resolv.conf'].map((f) => [path.join(c.stateDir, f), 0x1000 /* MS_BIND */]),
    );
    for (const f of ['hostname', 'hosts', 'resolv.conf']) assert.ok(fs.statSync(path.join(c.rootfs, 'etc', f)).isFile(), `mount point /etc/${f}`);
    assert.equal(fs.readFileSync(path.join(c.stateDir, 'hostname'), 'utf8'), 'h-web\n');
    assert.match(fs.readFileSync(path.join(c.stateDir, 'hosts'), 'utf8'), /^127\.0\.0\.1\tlocalhost\n/);
    await w.setup(c);
    assert.deepEqual(w.log, ['create n1'], '--net none calls no driver');
  });

  it('on a user network: address, then join with the ports, then everyone\'s names in everyone\'s hosts', async (t) => {
    const w = await world(t);
    const a = w.container('alpha', { network: 'n1', publish: ['8080:80', '81'] });
    const b = w.container('beta', { network: 'n1', ip: '198.18.40.77' });
    for (const c of [a, b]) {
      await w.prepare(c);
      await w.setup(c);
    }
    assert.deepEqual(w.log, [
      'create n1',
      'allocate alph 198.18.40.2',
      'join alpha 198.18.40.2 pid=4242 ports=8080:80,0:81',
      'allocate beta 198.18.40.77',
      'join beta 198.18.40.77 pid=4242 ports=',
    ]);
    const hostsOf = (c: typeof a) => fs.readFileSync(path.join(c.stateDir, 'hosts'), 'utf8');
    assert.match(hostsOf(a), /\n198\.18\.40\.2\th-alpha\n198\.18\.40\.2\talpha\n198\.18\.40\.77\tbeta h-beta\n$/);
    assert.match(hostsOf(b), /\n198\.18\.40\.77\th-beta\n198\.18\.40\.77\tbeta\n198\.18\.40\.2\talpha h-alpha\n$/);
    assert.deepEqual(a.record.pluginState['mydocker:network'], {
      etcMounts: a.record.pluginState['mydocker:network']!.etcMounts,
      network: w.network.id,
      address: '198.18.40.2',
      endpoint: { link: 'link-alpha' },
      // What the driver published is saved, for `port`, `ps` and inspect.
      ports: [
        { hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80, protocol: 'tcp' },
        { hostIp: '0.0.0.0', hostPort: 49153, containerPort: 81, protocol: 'tcp' },
      ],
    });

    assert.deepEqual(await w.teardown(b), []);
    assert.deepEqual(w.log.slice(5), ['leave beta link-beta', 'release beta']);
    assert.doesNotMatch(hostsOf(a), /beta/, 'a member that left is no longer in the others\' hosts');
    assert.equal(b.record.pluginState['mydocker:network']!.network, undefined);
    assert.equal(b.record.pluginState['mydocker:network']!.ports, undefined, 'the published ports go with the network');
  });

  it('tears down from the options alone when the setup\'s state was never saved (a crash half-way)', async (t) => {
    const w = await world(t);
    const c = w.container('gamma', { network: 'n1' });
    await w.setup(c);
    c.record.pluginState = {}; // what a record saved before setupNetwork holds
    assert.deepEqual(await w.teardown(c), []);
    assert.deepEqual(w.log.slice(-2), ['leave gamma undefined', 'release gamm']);
    assert.deepEqual(await w.host.networks.ipam.allocated(w.network), []);
  });
});
