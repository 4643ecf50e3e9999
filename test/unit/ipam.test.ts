// The bitmap IPAM against a temporary state root: reserved addresses, lowest-free allocation,
// requested addresses, release by owner, exhaustion, and distinct addresses under concurrent
// processes (real flock: no root needed).
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { NetworkInfo } from '../../hooks/index.js';
import { BitmapIpam } from '../../src/network/ipam.js';
import { MydockerError } from '../../src/errors.js';
import { FakeKernel } from '../support/fake-kernel.js';
import { tempDir } from '../support/tmp.js';

/** The IPAM of a state root whose networks are stored: it refuses a network without its record. */
class StoredIpam extends BitmapIpam {
  constructor(
    private readonly dir: string,
    kernel: FakeKernel,
  ) {
    super(dir, kernel);
  }

  override allocate(net: NetworkInfo, owner: string, requested: string | null): Promise<string> {
    storeNetwork(this.dir, net);
    return super.allocate(net, owner, requested);
  }
}

function storeNetwork(dir: string, net: NetworkInfo): void {
  fs.mkdirSync(path.join(dir, net.id), { recursive: true });
  fs.writeFileSync(path.join(dir, net.id, 'network.json'), JSON.stringify({ info: net, driverState: {}, plugins: [] }));
}

function network(subnet: string, gateway: string, id = 'a'.repeat(64)): NetworkInfo {
  return { id, name: 'n1', driver: 'bridge', subnet, gateway, created: '2026-01-01T00:00:00.000Z', isDefault: false, options: {} };
}

describe('BitmapIpam', () => {
  it('hands out the lowest free address, never the network, gateway or broadcast address', async (t) => {
    const ipam = new StoredIpam(tempDir(t), new FakeKernel());
    const net = network('198.18.5.0/29', '198.18.5.1');
    const got: string[] = [];
    for (let i = 0; i < 5; i++) got.push(await ipam.allocate(net, `c${i}`, null));
    assert.deepEqual(got, ['198.18.5.2', '198.18.5.3', '198.18.5.4', '198.18.5.5', '198.18.5.6']);
    await assert.rejects(ipam.allocate(net, 'c5', null), (e: unknown) => e instanceof MydockerError && /no free address left/.test(e.message));
  });

  it('skips a gateway in the middle of the subnet', async (t) => {
    const ipam = new StoredIpam(tempDir(t), new FakeKernel());
    const net = network('198.18.5.0/30', '198.18.5.2');
    assert.equal(await ipam.allocate(net, 'c1', null), '198.18.5.1');
    await assert.rejects(ipam.allocate(net, 'c2', null), /no free address/);
  });

  it('gives a requested address once, and refuses one outside the subnet or reserved', async (t) => {
    const ipam = new StoredIpam(tempDir(t), new FakeKernel());
    const net = network('198.18.6.0/24', '198.18.6.1');
    assert.equal(await ipam.allocate(net, 'c1'.padEnd(64, '0'), '198.18.6.50'), '198.18.6.50');
    await assert.rejects(ipam.allocate(net, 'c2', '198.18.6.50'), /198\.18\.6\.50 is already in use by container c10000000000/);
    await assert.rejects(ipam.allocate(net, 'c2', '198.18.6.1'), /already in use \(reserved\)/);
    await assert.rejects(ipam.allocate(net, 'c2', '198.18.6.255'), /already in use \(reserved\)/);
    await assert.rejects(ipam.allocate(net, 'c2', '198.18.7.5'), /not in network n1's subnet/);
    await assert.rejects(ipam.allocate(net, 'c2', '198.18.6'), /invalid IP address/);
    // The lowest free one is still .2: the requested one did not move the search.
    assert.equal(await ipam.allocate(net, 'c3', null), '198.18.6.2');
  });

  it('releases every address of an owner, idempotently, and reuses them', async (t) => {
    const ipam = new StoredIpam(tempDir(t), new FakeKernel());
    const net = network('198.18.6.0/24', '198.18.6.1');
    await ipam.allocate(net, 'one', null);
    await ipam.allocate(net, 'two', null);
    await ipam.allocate(net, 'one', '198.18.6.9');
    await ipam.release(net, 'one');
    await ipam.release(net, 'one');
    assert.deepEqual(await ipam.allocated(net), [{ address: '198.18.6.3', owner: 'two' }]);
    assert.equal(await ipam.allocate(net, 'three', null), '198.18.6.2');
  });

  it('keeps the map under <root>/networks/<id>/ipam.json as a bitmap', async (t) => {
    const dir = tempDir(t);
    const ipam = new StoredIpam(dir, new FakeKernel());
    const net = network('198.18.6.0/24', '198.18.6.1');
    await ipam.allocate(net, 'one', null);
    const saved = JSON.parse(fs.readFileSync(path.join(dir, net.id, 'ipam.json'), 'utf8'));
    const bits = Buffer.from(saved.bitmap, 'base64');
    assert.equal(bits.length, 32);
    assert.equal(bits[0], 0b0000_0111); // network, gateway, and .2
    assert.equal(bits[31], 0b1000_0000); // broadcast
    assert.deepEqual(saved.owners, { '198.18.6.2': 'one' });
  });

  it('refuses a network whose record is gone (removed meanwhile): its address file is not made again', async (t) => {
    const dir = tempDir(t);
    const net = network('198.18.9.0/24', '198.18.9.1');
    await assert.rejects(new BitmapIpam(dir, new FakeKernel()).allocate(net, 'c1', null), /network n1 not found: it was removed/);
    assert.equal(fs.existsSync(path.join(dir, net.id)), false);
  });

  it('gives 20 concurrent processes 20 distinct addresses', async (t) => {
    const dir = tempDir(t);
    storeNetwork(dir, network('198.18.8.0/24', '198.18.8.1'));
    const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), '../support/ipam-worker.js');
    const outputs = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        new Promise<string>((resolve, reject) => {
          const child = spawn(process.execPath, [worker, dir, `owner${i}`], { stdio: ['ignore', 'pipe', 'inherit'] });
          let out = '';
          child.stdout.on('data', (d: Buffer) => (out += d));
          child.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`worker exited ${code}`))));
        }),
      ),
    );
    assert.equal(new Set(outputs).size, 20, `duplicates in ${outputs.join(' ')}`);
    const ipam = new BitmapIpam(dir, new FakeKernel());
    assert.equal((await ipam.allocated(network('198.18.8.0/24', '198.18.8.1'))).length, 20);
  });
});
