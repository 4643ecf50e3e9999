// The network manager against a temporary state root, a fake driver and given host routes: names,
// subnets (chosen and given), overlap refusals, unwinding a failed create, removal rules, and the
// default network made once.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NetworkContext, NetworkDriver } from '../../hooks/index.js';
import { NetworkManager } from '../../src/network/networks.js';
import { MydockerError } from '../../src/errors.js';
import type { HostRoute } from '../../src/network/host-routes.js';
import { hostRoutes } from '../../src/network/host-routes.js';
import { parseSubnet } from '../../hooks/ipv4.js';
import { FakeKernel } from '../support/fake-kernel.js';
import { tempDir } from '../support/tmp.js';

function fakeDriver(log: string[], options: { failCreate?: boolean } = {}): NetworkDriver {
  return {
    name: 'fake',
    createNetwork: async (ctx: NetworkContext) => {
      log.push(`create ${ctx.network.name} ${ctx.network.subnet} ${ctx.network.gateway}`);
      ctx.state.bridge = `br-${ctx.network.name}`;
      if (options.failCreate) throw new Error('no bridges today');
    },
    deleteNetwork: async (ctx) => void log.push(`delete ${ctx.network.name} ${String(ctx.state.bridge)}`),
    allocateAddress: async () => '0.0.0.0',
    releaseAddress: async () => {},
    join: async () => {},
    leave: async () => {},
  };
}

function manager(t: { after(fn: () => void): void }, routes: HostRoute[] = [], driver = fakeDriver([])) {
  const dir = path.join(tempDir(t), 'networks');
  const networks = new NetworkManager(dir, {
    kernel: () => new FakeKernel(),
    driver: (name) => {
      if (name !== 'fake' && name !== 'bridge') throw new MydockerError(`unknown network driver "${name}"`);
      return driver;
    },
    routes: () => routes,
  });
  return { networks, dir };
}

const route = (device: string, cidr: string): HostRoute => ({ device, subnet: parseSubnet(cidr)! });
const isError = (pattern: RegExp, exitCode = 125) => (e: unknown) => e instanceof MydockerError && pattern.test(e.message) && e.exitCode === exitCode;

describe('NetworkManager', () => {
  it('creates a network: the driver is called and its state is saved with the record', async (t) => {
    const log: string[] = [];
    const { networks } = manager(t, [], fakeDriver(log));
    const info = await networks.create({ name: 'backend', driver: 'fake', subnet: '198.18.3.0/24' });
    assert.equal(info.gateway, '198.18.3.1');
    assert.equal(info.isDefault, false);
    assert.match(info.id, /^[0-9a-f]{64}$/);
    assert.deepEqual(log, ['create backend 198.18.3.0/24 198.18.3.1']);
    assert.deepEqual(networks.driverState(info), { bridge: 'br-backend' });
    assert.equal(networks.find('backend')?.id, info.id);
    assert.equal(networks.find(info.id.slice(0, 5))?.name, 'backend');
    assert.equal(networks.find('nosuch'), null);
  });

  it('picks the first pool subnet that overlaps no host route and no other network', async (t) => {
    const { networks } = manager(t, [route('docker0', '172.17.0.0/16'), route('eth0', '172.18.5.0/24')]);
    const first = await networks.create({ name: 'one', driver: 'fake' });
    const second = await networks.create({ name: 'two', driver: 'fake' });
    assert.equal(first.subnet, '172.19.0.0/16');
    assert.equal(second.subnet, '172.20.0.0/16');
  });

  it('refuses a subnet overlapping a network or a host route, naming it', async (t) => {
    const { networks } = manager(t, [route('eth0', '198.19.0.0/24')]);
    await networks.create({ name: 'one', driver: 'fake', subnet: '198.18.0.0/16' });
    await assert.rejects(networks.create({ name: 'two', driver: 'fake', subnet: '198.18.4.0/24' }), isError(/overlaps network one \(198\.18\.0\.0\/16\)/));
    await assert.rejects(networks.create({ name: 'two', driver: 'fake', subnet: '198.19.0.128/25' }), isError(/overlaps the host's route on eth0/));
    await assert.rejects(networks.create({ name: 'two', driver: 'fake', subnet: '198.20.0.1/16' }), isError(/invalid subnet/));
    await assert.rejects(networks.create({ name: 'two', driver: 'fake', subnet: '198.20.0.0/31' }), isError(/too small/));
    await assert.rejects(networks.create({ name: 'two', driver: 'fake', subnet: '198.20.0.0/24', gateway: '198.21.0.1' }), isError(/not a host address/));
    await assert.rejects(networks.create({ name: 'two', driver: 'fake', gateway: '198.21.0.1' }), isError(/--gateway needs --subnet/));
    assert.deepEqual(networks.list().map((r) => r.info.name), ['one']);
  });

  it('refuses taken, reserved and invalid names, and unknown drivers, before anything exists', async (t) => {
    const { networks, dir } = manager(t);
    await networks.create({ name: 'one', driver: 'fake', subnet: '198.18.0.0/24' });
    await assert.rejects(networks.create({ name: 'one', driver: 'fake', subnet: '198.18.1.0/24' }), isError(/already exists/, 1));
    for (const name of ['bridge', 'host', 'none']) await assert.rejects(networks.create({ name, driver: 'fake' }), isError(/reserved/, 1));
    await assert.rejects(networks.create({ name: 'bad name', driver: 'fake' }), isError(/invalid network name/));
    await assert.rejects(networks.create({ name: 'two', driver: 'nosuch' }), isError(/unknown network driver/));
    assert.equal(fs.readdirSync(dir).filter((f) => /^[0-9a-f]{64}$/.test(f)).length, 1);
  });

  it('unwinds a create whose driver fails: deleteNetwork is called and no record is left', async (t) => {
    const log: string[] = [];
    const { networks } = manager(t, [], fakeDriver(log, { failCreate: true }));
    await assert.rejects(networks.create({ name: 'one', driver: 'fake', subnet: '198.18.0.0/24' }), isError(/could not create network one: no bridges today/));
    assert.deepEqual(log, ['create one 198.18.0.0/24 198.18.0.1', 'delete one br-one']);
    assert.deepEqual(networks.list(), []);
  });

  it('removes a network through its driver, and refuses one in use or a mode', async (t) => {
    const log: string[] = [];
    const { networks } = manager(t, [], fakeDriver(log));
    await networks.create({ name: 'one', driver: 'fake', subnet: '198.18.0.0/24' });
    await assert.rejects(networks.remove('one', () => ['web']), isError(/has containers attached: web/, 1));
    await assert.rejects(networks.remove('host', () => []), isError(/pre-defined network/, 1));
    await assert.rejects(networks.remove('nosuch', () => []), isError(/no such network/, 1));
    await networks.remove('one', () => []);
    assert.deepEqual(log.slice(1), ['delete one br-one']);
    assert.equal(networks.find('one'), null);
  });

  it('makes the default network once, even when asked concurrently', async (t) => {
    const log: string[] = [];
    const { networks } = manager(t, [route('docker0', '172.17.0.0/16')], fakeDriver(log));
    const made = await Promise.all(Array.from({ length: 5 }, () => networks.ensureDefault()));
    assert.equal(new Set(made.map((n) => n.id)).size, 1);
    assert.equal(made[0]!.name, 'bridge');
    assert.equal(made[0]!.isDefault, true);
    assert.equal(made[0]!.subnet, '172.18.0.0/16');
    assert.deepEqual(log, ['create bridge 172.18.0.0/16 172.18.0.1']);
  });
});

describe('hostRoutes', () => {
  it('reads /proc/net/route: destination and mask in the kernel\'s byte order, the default route left out', (t) => {
    const file = path.join(tempDir(t), 'route');
    fs.writeFileSync(
      file,
      [
        'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
        'eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0',
        'eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
        'br0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0',
        '',
      ].join('\n'),
    );
    const routes = hostRoutes(file).map((r) => [r.device, r.subnet.network, r.subnet.prefix]);
    assert.deepEqual(routes, [
      ['eth0', ((192 << 24) | (2 << 8)) >>> 0, 24],
      ['br0', ((172 << 24) | (17 << 16)) >>> 0, 16],
    ]);
  });
});
