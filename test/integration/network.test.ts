// Networking with real containers: user networks and names, isolation between networks, masquerade
// towards an "outside" host, published ports, concurrent address allocation, removal that leaves
// nothing, the --net modes and refusals, and a user's network-driver plugin.
// No traffic leaves the machine: the only peers are containers and an "outside" network namespace
// each test makes itself (198.19.<n>.0/24), removed after it even when it fails. User networks use
// 198.18.<n>.0/24, a distinct n per test.
import { describe, it, type TestContext } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes, randomInt } from 'node:crypto';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { World, worldFor, integrationSkipReason, shimSkipReason, waitFor } from '../support/world.js';
import { iptables, tagOf } from '../../plugins/network/bridge/iptables.js';
import { bridgeName, containerTag, networkTag, vethName } from '../../plugins/network/bridge/rules.js';

const skip = integrationSkipReason() ?? false;
const needsShim = { skip: shimSkipReason() ?? false };

interface InspectedNetwork {
  Name: string;
  Id: string;
  Driver: string;
  IPAM: { Config: Array<{ Subnet: string; Gateway: string }> };
  Containers: Record<string, { Name: string; IPv4Address: string }>;
}

function inspectNetwork(w: World, name: string): InspectedNetwork {
  const r = w.run(['network', 'inspect', name]);
  assert.equal(r.status, 0, r.stderr);
  const all = JSON.parse(r.stdout) as InspectedNetwork[];
  assert.equal(all.length, 1);
  return all[0]!;
}

function createNetwork(w: World, name: string, subnet: string, extra: string[] = []): string {
  const r = w.run(['network', 'create', ...extra, '--subnet', subnet, name]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

/** `run -d`: the new container's ID. */
function detached(w: World, args: string[]): string {
  const r = w.run(['run', '-d', ...args]);
  assert.equal(r.status, 0, r.stderr);
  const id = r.stdout.trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  return id;
}

/** The IPv4 address (without prefix) of eth0 as `ip -o -4 addr show eth0` prints it, or null. */
function eth0Address(output: string): string | null {
  return /\binet (\d+\.\d+\.\d+\.\d+)\/\d+/.exec(output)?.[1] ?? null;
}

function inSubnet(address: string, subnet: string): boolean {
  const toInt = (a: string) => a.split('.').reduce((n, o) => ((n << 8) | Number(o)) >>> 0, 0);
  const [base, prefix] = subnet.split('/');
  const mask = Number(prefix) === 0 ? 0 : (~0 << (32 - Number(prefix))) >>> 0;
  return (toInt(address) & mask) >>> 0 === (toInt(base!) & mask) >>> 0;
}

function randomPort(): number {
  return 20000 + randomInt(20000);
}

function psLine(w: World, name: string, all = false): string | undefined {
  const r = w.run(all ? ['ps', '-a'] : ['ps']);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').find((l) => l.trimEnd().endsWith(` ${name}`));
}

const HTTP_CLIENT = `
const http = require('node:http');
const out = (v) => process.stdout.write(JSON.stringify(v));
const req = http.get(process.argv[1], { timeout: 10000 }, (res) => {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (d) => (body += d));
  res.on('end', () => out({ status: res.statusCode, body }));
});
req.on('timeout', () => req.destroy(new Error('timed out')));
req.on('error', (e) => out({ error: e.message }));
`;

/** A GET with Node's http client, on the host or in network namespace `ns` (busybox wget crashes on this host). */
function httpGet(url: string, ns?: string): { status?: number; body?: string; error?: string } {
  const node = [process.execPath, '-e', HTTP_CLIENT, url];
  const r = ns ? spawnSync('ip', ['netns', 'exec', ns, ...node], { encoding: 'utf8', timeout: 30_000 }) : spawnSync(node[0]!, node.slice(1), { encoding: 'utf8', timeout: 30_000 });
  if (!r.stdout) return { error: `no answer from the client (status ${r.status}): ${r.stderr}` };
  return JSON.parse(r.stdout);
}

/**
 * An "outside" host: a network namespace joined to the host by a veth pair, the host's end
 * 198.19.<octet>.1/24, the namespace's end 198.19.<octet>.2/24. Removed after the test whatever happens.
 */
interface Outside {
  ns: string;
  hostEnd: string;
  hostAddress: string;
  address: string;
  /** Starts a process in the namespace (killed after the test). */
  spawn(command: string[], stdio: Array<'ignore' | number>): ChildProcess;
  exec(command: string[]): string;
}

function outsideHost(t: TestContext, octet: number): Outside {
  const tag = randomBytes(3).toString('hex');
  const ns = `mdt-out-${tag}`;
  const hostEnd = `mdto-${tag}`;
  const nsEnd = `mdti-${tag}`;
  const children: ChildProcess[] = [];
  t.after(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? '';
    for (const pid of pids.split('\n').filter(Boolean)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // gone
      }
    }
    spawnSync('ip', ['link', 'del', hostEnd], { stdio: 'ignore' }); // both ends, and the host's route
    spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  });
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const hostAddress = `198.19.${octet}.1`;
  const address = `198.19.${octet}.2`;
  ip('netns', 'add', ns);
  ip('link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', nsEnd);
  ip('link', 'set', nsEnd, 'netns', ns);
  ip('addr', 'add', `${hostAddress}/24`, 'dev', hostEnd);
  ip('link', 'set', hostEnd, 'up');
  ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', nsEnd);
  ip('-n', ns, 'link', 'set', nsEnd, 'up');
  ip('-n', ns, 'link', 'set', 'lo', 'up');
  return {
    ns,
    hostEnd,
    hostAddress,
    address,
    spawn(command, stdio) {
      const child = spawn('ip', ['netns', 'exec', ns, ...command], { stdio });
      children.push(child);
      return child;
    },
    exec(command) {
      return execFileSync('ip', ['netns', 'exec', ns, ...command], { encoding: 'utf8' });
    },
  };
}

/** Whether something in `outside`'s namespace listens on TCP `port` (from its /proc/net/tcp). */
function listensIn(outside: Outside, port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  return outside
    .exec(['cat', '/proc/net/tcp'])
    .split('\n')
    .some((line) => {
      const [, local, , state] = line.trim().split(/\s+/);
      return local?.endsWith(`:${hex}`) && state === '0A';
    });
}

/** The host's links, routes and firewall rules, as text lines (iptables-save without its comments and chain counters). */
function hostNetworking(): { links: string[]; routes: string[]; rules: string[] } {
  const lines = (command: string, args: string[]) => execFileSync(command, args, { encoding: 'utf8' }).split('\n').filter(Boolean);
  return {
    links: lines('ip', ['-o', 'link', 'show']),
    routes: lines('ip', ['route', 'show']),
    rules: lines('iptables-save', []).filter((l) => !l.startsWith('#') && !l.startsWith(':')),
  };
}

/**
 * After the test, removes links and firewall rules of containers and networks the World no longer
 * knows (removed during the test: its own cleanup finds only what is still recorded), should the
 * runtime have left any. `links` are names, `tags` firewall tags; `matching` adds the tags of every
 * container rule whose line contains that text (a published port of a run that was refused).
 */
function sweepAfter(t: TestContext): { links: Set<string>; tags: Set<string>; matching: string[] } {
  const sweep = { links: new Set<string>(), tags: new Set<string>(), matching: [] as string[] };
  t.after(() => {
    for (const link of sweep.links) spawnSync('ip', ['link', 'del', link], { stdio: 'ignore' });
    const firewall = iptables();
    const tags = new Set(sweep.tags);
    for (const { line } of firewall.list('mydocker:ctr:')) if (sweep.matching.some((m) => line.includes(m))) tags.add(tagOf(line)!);
    for (const tag of tags) firewall.remove(tag);
  });
  return sweep;
}

describe('networking', { skip }, () => {
  it('containers of a user network reach each other by address and by name', needsShim, (t) => {
    const w = worldFor(t, 'net-names', { image: true });
    createNetwork(w, 'n1', '198.18.1.0/24');
    const id = detached(w, ['--name', 'target', '--net', 'n1', 'busybox', 'sleep', '300']);

    const inside = w.run(['exec', 'target', 'ip', '-o', '-4', 'addr', 'show', 'eth0']);
    assert.equal(inside.status, 0, inside.stderr);
    assert.equal(eth0Address(inside.stdout), '198.18.1.2', 'the first container gets the lowest address');
    const n1 = inspectNetwork(w, 'n1');
    assert.equal(n1.Driver, 'bridge');
    assert.deepEqual(n1.IPAM.Config[0], { Subnet: '198.18.1.0/24', Gateway: '198.18.1.1' });
    assert.deepEqual(n1.Containers, { [id]: { Name: 'target', IPv4Address: '198.18.1.2/24' } });

    const byAddress = w.run(['run', '--rm', '--net', 'n1', 'busybox', 'ping', '-c1', '-W2', '198.18.1.2']);
    assert.equal(byAddress.status, 0, byAddress.stdout + byAddress.stderr);
    assert.match(byAddress.stdout, /^64 bytes from 198\.18\.1\.2: /m);
    const byName = w.run(['run', '--rm', '--net', 'n1', 'busybox', 'ping', '-c1', '-W2', 'target']);
    assert.equal(byName.status, 0, byName.stdout + byName.stderr);
    assert.match(byName.stdout, /^PING target \(198\.18\.1\.2\)/m);
    assert.match(byName.stdout, /^64 bytes from 198\.18\.1\.2: /m);
  });

  it('containers of different networks cannot reach each other, each reaches its own gateway', needsShim, (t) => {
    const w = worldFor(t, 'net-isolation', { image: true });
    createNetwork(w, 'n2a', '198.18.2.0/24');
    createNetwork(w, 'n2b', '198.18.3.0/24');
    const a = detached(w, ['--name', 'in-a', '--net', 'n2a', 'busybox', 'sleep', '300']);
    const b = detached(w, ['--name', 'in-b', '--net', 'n2b', 'busybox', 'sleep', '300']);
    assert.deepEqual(inspectNetwork(w, 'n2a').Containers, { [a]: { Name: 'in-a', IPv4Address: '198.18.2.2/24' } });
    assert.deepEqual(inspectNetwork(w, 'n2b').Containers, { [b]: { Name: 'in-b', IPv4Address: '198.18.3.2/24' } });

    const ping = (net: string, target: string) => w.run(['run', '--rm', '--net', net, 'busybox', 'ping', '-c1', '-W2', target]);
    for (const [net, own, gateway, other] of [
      ['n2a', '198.18.2.2', '198.18.2.1', '198.18.3.2'],
      ['n2b', '198.18.3.2', '198.18.3.1', '198.18.2.2'],
    ] as const) {
      const toGateway = ping(net, gateway);
      assert.equal(toGateway.status, 0, `${net} reaches its gateway: ${toGateway.stdout}${toGateway.stderr}`);
      const toOwn = ping(net, own);
      assert.equal(toOwn.status, 0, `${net} reaches its own member ${own}: ${toOwn.stdout}${toOwn.stderr}`);
      const toOther = ping(net, other);
      assert.notEqual(toOther.status, 0, `${net} must not reach ${other}: ${toOther.stdout}`);
      assert.match(toOther.stdout, /1 packets transmitted, 0 packets received/);
    }
  });

  it('outbound traffic is masqueraded: the outside host sees the host\'s address, not the container\'s', async (t) => {
    const w = worldFor(t, 'net-masq', { image: true });
    const outside = outsideHost(t, 3);
    const www = path.join(w.root, 'www');
    fs.mkdirSync(www);
    fs.writeFileSync(path.join(www, 'index.html'), 'page-from-outside\n');
    const log = path.join(w.root, 'httpd.log');
    const fd = fs.openSync(log, 'w');
    const httpd = outside.spawn(['/bin/busybox', 'httpd', '-f', '-vv', '-p', `${outside.address}:8000`, '-h', www], ['ignore', fd, fd]);
    fs.closeSync(fd);
    await waitFor(() => listensIn(outside, 8000) || httpd.exitCode !== null, 'httpd to listen in the outside namespace');
    assert.equal(httpd.exitCode, null, `httpd runs: ${fs.readFileSync(log, 'utf8')}`);

    // `; exit $?` keeps sh as PID 1: a last command is exec'd, and busybox timeout's SIGTERM cannot
    // end a PID 1 (wget) that has no handler for it.
    const r = w.run(['run', '--rm', 'busybox', 'sh', '-c', `ip -o -4 addr show eth0 && timeout 20 wget -qO- http://${outside.address}:8000/; exit $?`]);
    assert.equal(r.status, 0, `the container gets the page (143: no answer in 20 s; 139: busybox wget crashes when it cannot connect): ${r.stdout}${r.stderr}`);
    const containerAddress = eth0Address(r.stdout);
    const bridge = inspectNetwork(w, 'bridge');
    assert.ok(containerAddress && inSubnet(containerAddress, bridge.IPAM.Config[0]!.Subnet), `container address ${containerAddress} in ${bridge.IPAM.Config[0]!.Subnet}`);
    assert.equal(r.stdout.split('\n').slice(1).join('\n'), 'page-from-outside\n');

    const peers = await waitFor(() => {
      const found = [...fs.readFileSync(log, 'utf8').matchAll(/^(\d+\.\d+\.\d+\.\d+):\d+: url:\/$/gm)].map((m) => m[1]!);
      return found.length > 0 && found;
    }, 'httpd to log the request');
    assert.deepEqual(peers, [outside.hostAddress], `the request came from the host's address on the link (container: ${containerAddress})`);
  });

  it('-p publishes a port to other namespaces and to the host; a taken port is refused and leaves nothing', needsShim, async (t) => {
    const w = worldFor(t, 'net-ports', { image: true });
    const outside = outsideHost(t, 4);
    const port = randomPort();
    sweepAfter(t).matching.push(`--dport ${port} `);
    detached(w, ['--name', 'web', '-p', `${port}:80`, 'busybox', 'sh', '-c', 'mkdir -p /www && echo served-by-web > /www/index.html && exec httpd -f -p 80 -h /www']);
    await waitFor(() => w.run(['exec', 'web', 'wget', '-qO-', 'http://127.0.0.1:80/']).stdout === 'served-by-web\n', 'httpd to serve inside the container');

    assert.deepEqual(httpGet(`http://${outside.hostAddress}:${port}/`, outside.ns), { status: 200, body: 'served-by-web\n' }, 'from another namespace through the host\'s address');
    assert.deepEqual(httpGet(`http://127.0.0.1:${port}/`), { status: 200, body: 'served-by-web\n' }, 'from the host through 127.0.0.1');
    assert.deepEqual(httpGet(`http://${outside.hostAddress}:${port}/`), { status: 200, body: 'served-by-web\n' }, 'from the host through its own address');
    // Through the host's address from the same network (hairpin NAT), and from the container itself
    // (the bridge must send the answer back out of the port it came in by: hairpin mode).
    const viaHost = `timeout 10 wget -qO- http://${outside.hostAddress}:${port}/; exit $?`;
    const neighbour = w.run(['run', '--rm', 'busybox', 'sh', '-c', viaHost]);
    assert.deepEqual([neighbour.status, neighbour.stdout], [0, 'served-by-web\n'], `from another container of the network: ${neighbour.stderr}`);
    const itself = w.run(['exec', 'web', 'sh', '-c', viaHost]);
    assert.deepEqual([itself.status, itself.stdout], [0, 'served-by-web\n'], `from the container itself: ${itself.stderr}`);

    assert.ok(psLine(w, 'web')?.includes(`0.0.0.0:${port}->80/tcp`), `ps shows the port: ${psLine(w, 'web')}`);

    const bridge = w.networks().find((n) => n.name === 'bridge')!.bridge;
    const mine = () => ({
      rules: hostNetworking().rules.filter((l) => l.includes('mydocker:ctr:') && (l.includes(`--dport ${port} `) || l.includes(bridge))),
      veths: execFileSync('ip', ['-o', 'link', 'show', 'master', bridge], { encoding: 'utf8' }).split('\n').filter(Boolean).map((l) => l.split(':')[1]!.trim()),
    });
    const before = mine();
    assert.equal(before.rules.length, 4, before.rules.join('\n'));
    const ids = w.containerIds();
    const second = w.run(['run', '--name', 'web2', '-p', `${port}:80`, 'busybox', 'true']);
    assert.equal(second.status, 125);
    assert.match(second.stderr, new RegExp(`Bind for 0\\.0\\.0\\.0:${port} failed: port is already allocated`));
    assert.equal(psLine(w, 'web2', true), undefined, 'no container is left of the refused run');
    assert.deepEqual(w.containerIds(), ids);
    assert.deepEqual(mine(), before, 'no rules or links are left of the refused run');
    assert.deepEqual(httpGet(`http://127.0.0.1:${port}/`), { status: 200, body: 'served-by-web\n' }, 'the first container still serves the port');
  });

  it('-p .../udp forwards datagrams from the host to the container\'s port', needsShim, async (t) => {
    const w = worldFor(t, 'net-udp', { image: true });
    const port = randomPort();
    sweepAfter(t).matching.push(`--dport ${port} `);
    detached(w, ['--name', 'udp', '-p', `127.0.0.1:${port}:5353/udp`, 'busybox', 'sleep', '300']);
    assert.ok(psLine(w, 'udp')?.includes(`127.0.0.1:${port}->5353/udp`), `ps shows the port: ${psLine(w, 'udp')}`);
    // Busybox has no UDP server: the container's kernel counts datagrams that found no socket
    // (Udp NoPorts in /proc/net/snmp), which is proof enough that they arrived, on port 5353.
    const noPorts = (): number => {
      const lines = w.run(['exec', 'udp', 'cat', '/proc/net/snmp']).stdout.split('\n').filter((l) => l.startsWith('Udp:'));
      const [names, values] = lines.map((l) => l.trim().split(/\s+/));
      return Number(values![names!.indexOf('NoPorts')]);
    };
    const before = noPorts();
    const { createSocket } = await import('node:dgram');
    const socket = createSocket('udp4');
    t.after(() => socket.close());
    for (let i = 0; i < 3; i++) await new Promise<void>((resolve, reject) => socket.send('ping', port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
    await waitFor(() => noPorts() >= before + 3, 'the datagrams to arrive in the container');
  });

  it('20 concurrent runs get 20 distinct addresses, released when they end', async (t) => {
    const w = worldFor(t, 'net-ipam', { image: true });
    createNetwork(w, 'n5', '198.18.5.0/24');
    const sync = path.join(w.root, 'sync');
    fs.mkdirSync(sync);
    const runs = Array.from({ length: 20 }, () => {
      const child = w.start(['run', '--rm', '--net', 'n5', '-v', `${sync}:/sync`, 'busybox', 'sh', '-c', 'ip -o -4 addr show eth0; while [ ! -e /sync/go ]; do sleep 0.1; done']);
      const run = { child, stdout: '', stderr: '', exit: new Promise<number | null>((resolve) => child.on('exit', resolve)) };
      child.stdout!.on('data', (d: Buffer) => (run.stdout += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (run.stderr += d.toString()));
      return run;
    });
    // All hold their address at once: each waits for /sync/go before it ends.
    const addresses = await waitFor(
      () => {
        const ended = runs.find((r) => r.child.exitCode !== null || r.child.signalCode !== null);
        if (ended) throw new Error(`a run ended before the others had their address: ${ended.child.exitCode} ${ended.stderr}`);
        const found = runs.map((r) => eth0Address(r.stdout));
        return found.every((a) => a !== null) && (found as string[]);
      },
      'all 20 containers to have their address',
      180_000,
    );
    assert.equal(new Set(addresses).size, 20, `distinct: ${addresses.join(' ')}`);
    for (const address of addresses) assert.ok(inSubnet(address, '198.18.5.0/24') && !['198.18.5.0', '198.18.5.1', '198.18.5.255'].includes(address), address);
    const held = Object.values(inspectNetwork(w, 'n5').Containers).map((c) => c.IPv4Address);
    assert.deepEqual(held.sort(), addresses.map((a) => `${a}/24`).sort(), 'network inspect lists the same 20 addresses');

    fs.writeFileSync(path.join(sync, 'go'), '');
    const codes = await Promise.all(runs.map((r) => r.exit));
    assert.deepEqual(codes, Array(20).fill(0), runs.map((r) => r.stderr).join(''));
    assert.deepEqual(inspectNetwork(w, 'n5').Containers, {}, 'every address was released');
    const again = w.run(['run', '--rm', '--net', 'n5', 'busybox', 'ip', '-o', '-4', 'addr', 'show', 'eth0']);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(eth0Address(again.stdout), '198.18.5.2', 'the lowest address is free again');
  });

  it('removing containers and networks leaves no link, route or rule behind', needsShim, (t) => {
    const w = worldFor(t, 'net-removal'); // no image yet: the first run makes it, and the default network
    const sweep = sweepAfter(t);
    const before = hostNetworking();
    createNetwork(w, 'n6', '198.18.6.0/24');
    const portA = randomPort();
    const portB = portA === 39999 ? 20000 : portA + 1;
    const ids = [
      detached(w, ['--name', 'on-default', '-p', `${portA}:80`, 'busybox', 'sleep', '300']),
      detached(w, ['--name', 'on-user', '--net', 'n6', '-p', `127.0.0.1:${portB}:80/tcp`, 'busybox', 'sleep', '300']),
    ];
    const stopped = w.run(['run', '--name', 'stopped', '--net', 'n6', 'busybox', 'true']);
    assert.equal(stopped.status, 0, stopped.stderr);
    ids.push(w.containerIds().find((i) => !ids.includes(i))!);
    const networks = w.networks();
    assert.deepEqual(networks.map((n) => n.name).sort(), ['bridge', 'n6']);

    // What is this world's: its bridges, veths and tags. Anything else of that kind belongs to
    // another world (a concurrent run of other tests) and is left out of the comparison.
    const ours = new Set([...networks.map((n) => n.bridge), ...networks.map((n) => networkTag(n.id)), ...ids.map(vethName), ...ids.map(containerTag)]);
    for (const name of ours) (name.startsWith('mydocker:') ? sweep.tags : sweep.links).add(name);
    const foreign = (line: string) => [...line.matchAll(/mydocker-[0-9a-f]{6}\b|veth[0-9a-f]{11}\b|mydocker:(?:net|ctr):[0-9a-f]{12}/g)].some((m) => !ours.has(m[0]));
    const comparable = (s: ReturnType<typeof hostNetworking>) => ({
      links: s.links.filter((l) => !foreign(l)),
      routes: s.routes.filter((l) => !foreign(l)),
      rules: s.rules.filter((l) => !foreign(l)),
    });
    const during = w.networkLeftovers(ids);
    for (const name of [...networks.map((n) => n.bridge), vethName(ids[0]!), vethName(ids[1]!)]) {
      assert.ok(during.some((l) => l.includes(` ${name}:`) || l.includes(` ${name}@`)), `${name} exists while the containers run`);
    }
    assert.notDeepEqual(comparable(hostNetworking()), comparable(before), 'the snapshot sees the networks');

    const rm = w.run(['rm', '-f', 'on-default', 'on-user', 'stopped']);
    assert.equal(rm.status, 0, rm.stderr);
    const removeUser = w.run(['network', 'rm', 'n6']);
    assert.equal(removeUser.status, 0, removeUser.stderr);
    const removeDefault = w.run(['network', 'rm', 'bridge']);
    assert.equal(removeDefault.status, 0, removeDefault.stderr);
    assert.deepEqual(w.networks(), []);
    assert.deepEqual(w.containerIds(), []);

    assert.deepEqual(w.networkLeftovers(ids), []);
    const after = hostNetworking();
    const leftover = [...after.links, ...after.routes, ...after.rules].filter((l) => [...ours].some((name) => l.includes(name)));
    assert.deepEqual(leftover, [], 'nothing of this world\'s networks or containers is on the host');
    assert.deepEqual(comparable(after), comparable(before));
  });

  it('a veth whose namespace something on the host still holds is deleted by the teardown', needsShim, (t) => {
    // The teardown waits for the kernel to remove the veth with the container's namespace; one
    // that someone keeps (here: this process, by a descriptor) outlives the container, and its
    // veth would stay on the bridge were the teardown not to delete it after the wait.
    const w = worldFor(t, 'net-held', { image: true });
    const sweep = sweepAfter(t);
    const id = detached(w, ['--name', 'held', 'busybox', 'sleep', '300']);
    sweep.links.add(vethName(id));
    const pid = (JSON.parse(w.run(['inspect', 'held']).stdout) as Array<{ State: { Pid: number } }>)[0]!.State.Pid;
    const netns = fs.openSync(`/proc/${pid}/ns/net`, 'r');
    try {
      assert.ok(fs.existsSync(`/sys/class/net/${vethName(id)}`), 'the veth exists while the container runs');
      const rm = w.run(['rm', '-f', 'held']);
      assert.equal(rm.status, 0, rm.stderr);
      assert.deepEqual(w.networkLeftovers([id]).filter((l) => l.includes(vethName(id))), [], 'its veth is gone with the container');
    } finally {
      fs.closeSync(netns);
    }
  });

  it('--net none, --net host, --ip, and the refusals of bad network options', async (t) => {
    const w = worldFor(t, 'net-modes', { image: true });

    const none = w.run(['run', '--rm', '--net', 'none', 'busybox', 'ip', '-o', 'link']);
    assert.equal(none.status, 0, none.stderr);
    const noneLinks = none.stdout.split('\n').filter(Boolean);
    assert.equal(noneLinks.length, 1, none.stdout);
    assert.match(noneLinks[0]!, /^1: lo: <LOOPBACK,UP,LOWER_UP>/);

    const hostNs = fs.readlinkSync('/proc/self/ns/net');
    const host = w.run(['run', '--rm', '--net', 'host', 'busybox', 'sh', '-c', 'readlink /proc/self/ns/net; ip -o link']);
    assert.equal(host.status, 0, host.stderr);
    const [hostNsInside, ...hostLinksInside] = host.stdout.split('\n').filter(Boolean);
    assert.equal(hostNsInside, hostNs, 'the container is in the host\'s network namespace');
    const linkName = (l: string) => l.split(':')[1]!.trim().split('@')[0]!;
    const hostLinks = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).split('\n').filter(Boolean).map(linkName);
    const insideLinks = hostLinksInside.map(linkName);
    const uplink = hostLinks.find((n) => n !== 'lo' && !/^(mydocker-|veth|mdto-)/.test(n));
    assert.ok(uplink, `the host has an interface besides lo: ${hostLinks.join(' ')}`);
    for (const name of hostLinks.filter((n) => !/^(mydocker-|veth|mdto-)/.test(n))) assert.ok(insideLinks.includes(name), `${name} is seen inside: ${insideLinks.join(' ')}`);

    createNetwork(w, 'n7', '198.18.7.0/24');
    const fixed = w.run(['run', '--rm', '--net', 'n7', '--ip', '198.18.7.50', 'busybox', 'ip', '-o', '-4', 'addr', 'show', 'eth0']);
    assert.equal(fixed.status, 0, fixed.stderr);
    assert.equal(eth0Address(fixed.stdout), '198.18.7.50');
    assert.match(fixed.stdout, /inet 198\.18\.7\.50\/24 /);

    // The address held by a running container (in the foreground of a background CLI).
    const holder = w.start(['run', '--name', 'holder', '--net', 'n7', '--ip', '198.18.7.50', 'busybox', 'sleep', '300']);
    t.after(() => holder.kill('SIGKILL'));
    await waitFor(() => Object.values(inspectNetwork(w, 'n7').Containers).some((c) => c.Name === 'holder'), 'holder to have its address');
    assert.deepEqual(Object.values(inspectNetwork(w, 'n7').Containers), [{ Name: 'holder', IPv4Address: '198.18.7.50/24' }]);

    const ids = w.containerIds();
    const refused = (args: string[], message: RegExp) => {
      const r = w.run(['run', '--rm', ...args, 'busybox', 'true']);
      assert.equal(r.status, 125, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.deepEqual(w.containerIds(), ids, `${args.join(' ')} leaves no container`);
    };
    refused(['--net', 'n7', '--ip', '198.18.7.50'], /address 198\.18\.7\.50 is already in use/);
    refused(['--ip', '198.18.7.51'], /--ip needs a user-defined network/);
    refused(['--net', 'host', '-p', `${randomPort()}:80`], /cannot be used with --net host/);
    refused(['--net', 'nosuch'], /network nosuch not found/);
    assert.deepEqual(Object.values(inspectNetwork(w, 'n7').Containers), [{ Name: 'holder', IPv4Address: '198.18.7.50/24' }], 'the refusals took no address');
  });

  it('network rm is refused while a stopped container uses the network; an overlapping subnet is refused', (t) => {
    const w = worldFor(t, 'net-rm', { image: true });
    const id = createNetwork(w, 'n8', '198.18.8.0/24');
    const run = w.run(['run', '--name', 'was-here', '--net', 'n8', 'busybox', 'true']);
    assert.equal(run.status, 0, run.stderr);

    const refused = w.run(['network', 'rm', 'n8']);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /network n8 has containers attached: was-here/);
    assert.ok(w.networks().some((n) => n.name === 'n8'), 'the network is still there');
    assert.match(execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }), new RegExp(` ${bridgeName(id)}:`));

    for (const subnet of ['198.18.8.0/24', '198.18.8.128/25', '198.18.0.0/16']) {
      const overlap = w.run(['network', 'create', '--subnet', subnet, 'n8b']);
      assert.equal(overlap.status, 125, `${subnet}: ${overlap.stderr}`);
      assert.match(overlap.stderr, /overlaps network n8 \(198\.18\.8\.0\/24\)/);
    }
    assert.deepEqual(w.networks().map((n) => n.name).sort(), ['bridge', 'n8'], 'no network of the refused creates');

    assert.equal(w.run(['rm', 'was-here']).status, 0);
    const removed = w.run(['network', 'rm', 'n8']);
    assert.equal(removed.status, 0, removed.stderr);
    assert.equal(removed.stdout, 'n8\n');
    assert.deepEqual(w.networks().map((n) => n.name), ['bridge']);
    assert.doesNotMatch(execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }), new RegExp(` ${bridgeName(id)}:`));
  });

  it('a user\'s network-driver plugin serves --driver: create, allocate, join, leave, release, delete', (t) => {
    const w = worldFor(t, 'net-plugin', { image: true });
    const log = path.join(w.root, 'driver.log');
    const plugin = path.join(w.root, 'netdriver.mjs');
    fs.writeFileSync(
      plugin,
      `import * as fs from 'node:fs';
const log = (line) => fs.appendFileSync(${JSON.stringify(log)}, line + '\\n');
export default {
  name: 'test-netdriver',
  apply(api) {
    api.registerNetworkDriver({
      name: 'testnet',
      async createNetwork(ctx) {
        ctx.state.made = 'by-create';
        log(\`create \${ctx.network.name} \${ctx.network.driver} \${ctx.network.subnet}\`);
      },
      async deleteNetwork(ctx) {
        log(\`delete \${ctx.network.name} \${ctx.state.made}\`);
      },
      async allocateAddress(ctx, requested) {
        const address = await api.networks.ipam.allocate(ctx.network, ctx.owner, requested);
        log(\`allocate \${ctx.owner.slice(0, 12)} \${address}\`);
        return address;
      },
      async releaseAddress(ctx) {
        await api.networks.ipam.release(ctx.network, ctx.owner);
        log(\`release \${ctx.owner.slice(0, 12)}\`);
      },
      async join(ctx) {
        const netns = fs.readlinkSync('/proc/' + ctx.pid + '/ns/net');
        ctx.endpoint.joined = ctx.address;
        log(\`join \${ctx.container.name} \${ctx.container.id.slice(0, 12)} \${ctx.address} \${ctx.state.made} pid=\${ctx.pid} \${netns}\`);
      },
      async leave(ctx) {
        log(\`leave \${ctx.container.name} \${ctx.container.id.slice(0, 12)} \${ctx.endpoint.joined}\`);
      },
    });
  },
};
`,
    );

    createNetwork(w, 'tn', '198.18.9.0/24', ['--plugin', plugin, '--driver', 'testnet']);
    assert.equal(inspectNetwork(w, 'tn').Driver, 'testnet');
    // No --plugin: the network recorded the plugin its driver comes from.
    const run = w.run(['run', '--rm', '--name', 'tnc', '--net', 'tn', 'busybox', 'true']);
    assert.equal(run.status, 0, run.stderr);
    const rm = w.run(['network', 'rm', 'tn']);
    assert.equal(rm.status, 0, rm.stderr);

    const lines = fs.readFileSync(log, 'utf8').split('\n').filter(Boolean);
    assert.equal(lines.length, 6, lines.join('\n'));
    const owner = /^allocate ([0-9a-f]{12}) /.exec(lines[1]!)?.[1];
    assert.ok(owner, lines[1]);
    assert.equal(lines[0], 'create tn testnet 198.18.9.0/24');
    assert.equal(lines[1], `allocate ${owner} 198.18.9.2`);
    const join = new RegExp(`^join tnc ${owner} 198\\.18\\.9\\.2 by-create pid=(\\d+) (net:\\[\\d+\\])$`).exec(lines[2]!);
    assert.ok(join, lines[2]);
    assert.notEqual(join[2], fs.readlinkSync('/proc/self/ns/net'), 'join sees the container\'s own network namespace');
    assert.equal(lines[3], `leave tnc ${owner} 198.18.9.2`);
    assert.equal(lines[4], `release ${owner}`);
    assert.equal(lines[5], 'delete tn by-create');
    assert.deepEqual(w.networks().map((n) => n.name), ['bridge']);
  });
});
