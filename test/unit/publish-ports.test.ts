// Published ports as the bridge driver makes them (plugins/network/bridge/publish.ts), against fake
// rules and a fake proxy: random host ports from the ephemeral range, never one another container
// or the run itself holds, a pick the proxy cannot bind replaced, a given port it cannot bind
// refused; what is published recorded before the proxy starts; IPv6 bindings proxied, not NATed.
// Also the pieces: the port choice, -P's ports, the proxy's command line read back.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JoinContext, PluginState, PortMapping } from '../../hooks/index.js';
import { parsePublish } from '../../hooks/ports.js';
import { proxyArgs, proxyOwnerOf, type ProxyOwner } from '../../hooks/port-proxy.js';
import { publishPorts, type PublishDeps } from '../../plugins/network/bridge/publish.js';
import { choosePort, ephemeralRange } from '../../plugins/network/bridge/port-choice.js';
import { ProxyBindError, type PortProxies } from '../../plugins/network/bridge/proxy.js';
import type { Iptables, Rule } from '../../plugins/network/bridge/iptables.js';
import { restoreInput } from '../../plugins/network/bridge/iptables.js';
import { containerTag, portRules } from '../../plugins/network/bridge/rules.js';
import { containerExposedPorts, imageExposedKeys, withPublishedExposed } from '../../src/container/exposed-ports.js';
import { FakeKernel } from '../support/fake-kernel.js';
import { tempDir } from '../support/tmp.js';

const SUBNET = '198.18.0.0/24';
const BRIDGE = 'mydocker-ab12cd';

/** Rules kept as iptables-save would print them (what publishedBy reads back). */
function fakeRules(): Iptables & { added: Map<string, Rule[]> } {
  const added = new Map<string, Rule[]>();
  return {
    added,
    add: (tag, rules) => void added.set(tag, [...(added.get(tag) ?? []), ...rules]),
    remove: (tag) => (added.delete(tag) ? 1 : 0),
    list: (prefix) =>
      [...added]
        .filter(([tag]) => tag.startsWith(prefix))
        .flatMap(([tag, rules]) => restoreInput(tag, rules).split('\n').filter((l) => l.startsWith('-A ')).map((line) => ({ table: 'nat' as const, line }))),
  };
}

interface ProxyCall {
  owner: ProxyOwner;
  address: string;
  bindings: PortMapping[];
  /** What was recorded when the proxy was started. */
  recorded: PluginState;
}

/** A proxy that "binds" unless the port is in `bound` (held by someone else). */
function fakeProxies(bound: Set<string>, endpointOf: () => PluginState): PortProxies & { calls: ProxyCall[] } {
  const calls: ProxyCall[] = [];
  return {
    calls,
    start: async (owner, address, bindings) => {
      calls.push({ owner, address, bindings: [...bindings], recorded: structuredClone(endpointOf()) });
      const index = bindings.findIndex((b) => bound.has(`${b.protocol}/${b.hostIp}/${b.hostPort}`));
      if (index >= 0) throw new ProxyBindError(index, 'Address in use');
      return { pid: 777, start: 1234 };
    },
    stop: async () => {},
  };
}

function world(t: { after(fn: () => void): void }, specs: string[], options: { ipv6?: boolean; bound?: string[]; rules?: ReturnType<typeof fakeRules>; id?: string; random?: () => number } = {}) {
  const root = tempDir(t);
  fs.mkdirSync(path.join(root, 'networks'));
  const endpoint: PluginState = {};
  const published: PortMapping[] = [];
  const rules = options.rules ?? fakeRules();
  const proxies = fakeProxies(new Set(options.bound ?? []), () => endpoint);
  const id = (options.id ?? 'c1').padEnd(64, '0');
  const ctx = {
    network: { id: 'n'.repeat(64), name: 'bridge', driver: 'bridge', subnet: SUBNET, gateway: '198.18.0.1', created: '', isDefault: true, options: {} },
    state: {},
    kernel: new FakeKernel(),
    container: { id, name: 'web', options: {} },
    pid: process.pid, // a live process: its start time is read
    address: '198.18.0.2',
    ports: specs.map(parsePublish),
    published,
    endpoint,
  } as unknown as JoinContext;
  const deps: PublishDeps = {
    root,
    rules,
    proxies,
    hostHasIpv6: () => options.ipv6 ?? true,
    portRange: { first: 40000, last: 40009 },
    hostListener: () => null,
    random: options.random ?? (() => 0),
  };
  return { ctx, deps, rules, proxies, endpoint, published, publish: () => publishPorts(ctx, BRIDGE, deps) };
}

const b = (hostIp: string, hostPort: number, containerPort: number, protocol: 'tcp' | 'udp' = 'tcp'): PortMapping => ({ hostIp, hostPort, containerPort, protocol });

describe('publishPorts', () => {
  it('-p 80: one random port of the range, on 0.0.0.0 and ::, recorded before the proxy starts; only IPv4 NATed', async (t) => {
    const w = world(t, ['80'], { random: () => 0.5 });
    await w.publish();
    const expected = [b('0.0.0.0', 40005, 80), b('::', 40005, 80)];
    assert.deepEqual(w.published, expected);
    assert.equal(w.proxies.calls.length, 1);
    assert.deepEqual(w.proxies.calls[0]!.bindings, expected);
    assert.equal(w.proxies.calls[0]!.address, '198.18.0.2');
    assert.deepEqual(w.proxies.calls[0]!.recorded, { ports: expected, proxy: null }, 'the ports and "a proxy may run" are recorded first');
    assert.deepEqual(w.endpoint.proxy, { pid: 777, start: 1234 });
    assert.deepEqual(w.rules.added.get(containerTag(w.ctx.container.id)), portRules(BRIDGE, SUBNET, '198.18.0.2', expected[0]!));
  });

  it('never picks a port another container has (its rules) nor one the run already took', async (t) => {
    const rules = fakeRules();
    rules.add(containerTag('other'.padEnd(64, '0')), portRules(BRIDGE, SUBNET, '198.18.0.9', b('0.0.0.0', 40000, 80)));
    const w = world(t, ['80', '81', '53/udp'], { rules });
    await w.publish();
    assert.deepEqual(
      w.published.map((p) => `${p.hostIp}:${p.hostPort}/${p.protocol}`),
      ['0.0.0.0:40001/tcp', ':::40001/tcp', '0.0.0.0:40002/tcp', ':::40002/tcp', '0.0.0.0:40000/udp', ':::40000/udp'],
    );
  });

  it('a picked port the proxy cannot bind (taken meanwhile, by another root or a host process) is replaced', async (t) => {
    const w = world(t, ['127.0.0.1::80'], { bound: ['tcp/127.0.0.1/40000', 'tcp/127.0.0.1/40001'] });
    await w.publish();
    assert.deepEqual(w.published, [b('127.0.0.1', 40002, 80)]);
    assert.equal(w.proxies.calls.length, 3);
  });

  it('a given port the proxy cannot bind is refused, naming it', async (t) => {
    const w = world(t, ['[::1]:8080:80'], { bound: ['tcp/::1/8080'] });
    await assert.rejects(w.publish(), /^Error: Bind for \[::1\]:8080 failed: Address in use$/);
    assert.equal(w.rules.added.size, 0, 'no rule added');
    assert.deepEqual(w.endpoint.ports, [b('::1', 8080, 80)], 'what leave needs is recorded');
  });

  it('a given port another container has is refused before anything starts', async (t) => {
    const rules = fakeRules();
    rules.add(containerTag('other'.padEnd(64, '0')), portRules(BRIDGE, SUBNET, '198.18.0.9', b('0.0.0.0', 8080, 80)));
    const w = world(t, ['8080:80'], { rules });
    await assert.rejects(w.publish(), /Bind for 0\.0\.0\.0:8080 failed: port is already allocated \(to 0\.0\.0\.0:8080\/tcp\)/);
    assert.equal(w.proxies.calls.length, 0);
  });

  it('[::1]:8080:80 is only proxied (no rule); 127.0.0.1 never on IPv6; no IPv6 on the host: IPv4 only', async (t) => {
    const v6 = world(t, ['[::1]:8080:80']);
    await v6.publish();
    assert.deepEqual(v6.published, [b('::1', 8080, 80)]);
    assert.deepEqual(v6.rules.added.get(containerTag(v6.ctx.container.id)), []);
    const local = world(t, ['127.0.0.1:8080:80']);
    await local.publish();
    assert.deepEqual(local.published, [b('127.0.0.1', 8080, 80)]);
    const noV6 = world(t, ['8080:80'], { ipv6: false });
    await noV6.publish();
    assert.deepEqual(noV6.published, [b('0.0.0.0', 8080, 80)]);
  });

  it('gives up with one line when the range has no free port', async (t) => {
    const rules = fakeRules();
    for (let p = 40000; p <= 40009; p++) rules.add(containerTag(`o${p}`.padEnd(64, '0')), portRules(BRIDGE, SUBNET, '198.18.0.9', b('0.0.0.0', p, 80)));
    const w = world(t, ['80'], { rules });
    await assert.rejects(w.publish(), /^Error: no free host port for 80\/tcp in 40000-40009$/);
  });
});

describe('choosePort and ephemeralRange', () => {
  it('starts at a random port and wraps around', () => {
    assert.equal(choosePort({ first: 10, last: 19 }, () => false, () => 0.35), 13);
    assert.equal(choosePort({ first: 10, last: 19 }, (p) => p >= 13, () => 0.35), 10);
    assert.equal(choosePort({ first: 10, last: 19 }, () => true), null);
  });
  it('reads the kernel range, and falls back to Docker\'s', (t) => {
    const dir = tempDir(t);
    fs.writeFileSync(path.join(dir, 'range'), '32768\t60999\n');
    assert.deepEqual(ephemeralRange(path.join(dir, 'range')), { first: 32768, last: 60999 });
    assert.deepEqual(ephemeralRange(path.join(dir, 'none')), { first: 49153, last: 60999 });
  });
});

describe('-P (withPublishedExposed)', () => {
  it("adds the image's EXPOSEd ports and --expose's, random, unless a -p publishes them", () => {
    const options = withPublishedExposed({ publishAll: true, publish: ['8080:80'], expose: ['9000-9001/udp'] }, { '80/tcp': {}, '443/tcp': {} });
    assert.deepEqual(options.publish, ['8080:80', '443/tcp', '9000/udp', '9001/udp']);
  });
  it('nothing without -P, nor on the host\'s network', () => {
    const given = { publish: ['8080:80'] };
    assert.equal(withPublishedExposed(given, { '443/tcp': {} }), given);
    assert.deepEqual(withPublishedExposed({ publishAll: true, network: 'host' }, { '443/tcp': {} }).publish, undefined);
  });
  it('refuses an EXPOSEd port it cannot publish, naming where it comes from', () => {
    assert.throws(() => withPublishedExposed({ publishAll: true }, { '80/sctp': {} }), /invalid the image's EXPOSE "80\/sctp"/);
  });
});

describe('Config.ExposedPorts (containerExposedPorts)', () => {
  it("the image's EXPOSE, --expose's and -p's container ports, each once, by port", () => {
    const imageExposed = imageExposedKeys({ '443/tcp': {}, '53/udp': {}, 'bad/sctp': {} });
    assert.deepEqual(imageExposed, ['443/tcp', '53/udp'], 'an EXPOSE that cannot be published is left out');
    assert.deepEqual(containerExposedPorts(imageExposed, { publish: ['8080:80', '127.0.0.1:53:53/udp'], expose: ['9000-9001'] }), ['53/udp', '80/tcp', '443/tcp', '9000/tcp', '9001/tcp']);
  });
  it('none without EXPOSE, --expose or -p; a record older than imageExposed has the flags\' only', () => {
    assert.deepEqual(containerExposedPorts(undefined, {}), []);
    assert.deepEqual(containerExposedPorts(undefined, { expose: ['7000/udp'] }), ['7000/udp']);
  });
});

describe('the proxy\'s command line', () => {
  it('is read back by system check and teardown (its owner), and names nothing for other programs', () => {
    const owner = { root: '/var/lib/my docker', container: 'c'.repeat(64), pid: 42, start: 99 };
    const argv = ['/opt/dist/shim/mydocker-proxy', ...proxyArgs(owner, '198.18.0.2', [b('::', 40000, 80)])];
    assert.deepEqual(argv.slice(-1), ['tcp,::,40000,198.18.0.2,80']);
    assert.deepEqual(proxyOwnerOf(`${argv.join('\0')}\0`), owner);
    assert.equal(proxyOwnerOf(['/bin/sleep', ...argv.slice(1)].join('\0')), null);
    assert.equal(proxyOwnerOf(''), null, 'a zombie has no command line');
  });
});

describe('portProxies().stop', () => {
  it("without a saved PID, finds the container's proxy by its command line and stops it (none of another root or container)", async (t) => {
    const { spawn } = await import('node:child_process');
    const { portProxies } = await import('../../plugins/network/bridge/proxy.js');
    const proc = tempDir(t);
    const owner = { root: '/roots/a', container: 'c'.repeat(64), pid: 1, start: 1 };
    // Real processes (sleep) under a fake /proc whose entries claim they are proxies.
    const fake = (args: string[]) => {
      const child = spawn('sleep', ['300']);
      t.after(() => child.kill('SIGKILL'));
      const dir = path.join(proc, String(child.pid));
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, 'cmdline'), `/x/mydocker-proxy\0${args.join('\0')}\0`);
      fs.writeFileSync(path.join(dir, 'stat'), `${child.pid} (mydocker-proxy) S ${'0 '.repeat(18)}4242 0\n`);
      child.on('exit', () => fs.rmSync(path.join(dir, 'stat'), { force: true })); // what the kernel's /proc does
      return child;
    };
    const mine = fake(proxyArgs(owner, '198.18.0.2', []));
    const otherRoot = fake(proxyArgs({ ...owner, root: '/roots/b' }, '198.18.0.2', []));
    const otherContainer = fake(proxyArgs({ ...owner, container: 'd'.repeat(64) }, '198.18.0.2', []));
    await portProxies('/x/mydocker-proxy', proc).stop(null, { root: '/roots/a', container: 'c'.repeat(64) });
    assert.equal(mine.signalCode, 'SIGTERM');
    assert.equal(otherRoot.exitCode ?? otherRoot.signalCode, null);
    assert.equal(otherContainer.exitCode ?? otherContainer.signalCode, null);
  });
});
