// The rtnetlink client against the real kernel, only inside scratch network namespaces made here
// (never the host's own links): a bridge, a veth whose peer is created in a second namespace,
// addresses, a default route, checked with iproute2 and a ping; errors, fds and the event loop.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';
import { RtnlError, openRtnlIn, type Rtnl } from '../../plugins/network/bridge/rtnl.js';
import { libcKernel } from '../../src/kernel/libc.js';

const skip = process.getuid?.() === 0 ? false : 'needs root';

// Test addresses from 198.18.0.0/15 (benchmarking range), away from anything a host would use.
const BRIDGE_ADDRESS = '198.18.0.1';
const PEER_ADDRESS = '198.18.0.2';

let setnsFn: ((fd: number, nstype: number) => void) | undefined;

/** The real setns(2) through koffi, throwing on failure as openRtnlIn expects. */
function setns(): (fd: number, nstype: number) => void {
  if (!setnsFn) {
    const koffi = createRequire(import.meta.url)('koffi');
    const raw = koffi.load('libc.so.6').func('int setns(int fd, int nstype)') as (fd: number, nstype: number) => number;
    setnsFn = (fd, nstype) => {
      if (raw(fd, nstype) !== 0) throw new Error(`setns(${fd}, ${nstype}) failed`);
    };
  }
  return setnsFn;
}

function run(command: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 20_000 });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? String(result.error ?? '') };
}

function ip(...args: string[]): string {
  const result = run('ip', args);
  assert.equal(result.status, 0, `ip ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

function ipJson(...args: string[]): any[] {
  return JSON.parse(ip('-j', ...args));
}

function currentNetns(): fs.Stats {
  return fs.statSync('/proc/thread-self/ns/net');
}

interface Cleanup {
  after(fn: () => void): void;
}

/** Scratch namespaces and sockets for one test, all undone (last first) when it ends, pass or fail. */
function scratch(t: Cleanup) {
  const undo: (() => void)[] = [];
  t.after(() => {
    for (const step of undo.reverse()) {
      try {
        step();
      } catch {
        // keep undoing the rest
      }
    }
  });
  const id = randomBytes(3).toString('hex');
  return {
    /** `ip netns add mdtest-rtnl-<id>-<tag>`, and an fd open on it. */
    netns(tag: string): { name: string; fd: number } {
      const name = `mdtest-rtnl-${id}-${tag}`;
      ip('netns', 'add', name);
      undo.push(() => spawnSync('ip', ['netns', 'del', name]));
      const fd = fs.openSync(`/run/netns/${name}`, 'r');
      undo.push(() => fs.closeSync(fd));
      return { name, fd };
    },
    rtnl(netnsFd: number): Rtnl {
      const rtnl = openRtnlIn(libcKernel(), netnsFd, setns());
      undo.push(() => rtnl.close());
      return rtnl;
    },
  };
}

/** ping from a namespace, a few tries: carrier and forwarding state settle asynchronously. */
function ping(netns: string, address: string): { status: number | null; output: string } {
  const command = spawnSync('sh', ['-c', 'command -v ping'], { encoding: 'utf8' }).status === 0 ? ['ping'] : ['busybox', 'ping'];
  let result = { status: null as number | null, output: '' };
  for (let attempt = 0; attempt < 5 && result.status !== 0; attempt++) {
    const r = run('ip', ['netns', 'exec', netns, ...command, '-c1', '-W1', address]);
    result = { status: r.status, output: r.stdout + r.stderr };
  }
  return result;
}

describe('rtnetlink client', { skip }, () => {
  it('builds a bridge, a veth into another namespace, addresses and a default route; ping works', async (t) => {
    const s = scratch(t);
    const host = s.netns('h');
    const peer = s.netns('p');
    const home = currentNetns();
    const hostLinks = s.rtnl(host.fd);
    const peerLinks = s.rtnl(peer.fd);
    assert.equal(currentNetns().ino, home.ino, 'openRtnlIn came back to the namespace it started in');

    await hostLinks.createBridge('mdbr0');
    const bridge = await hostLinks.linkIndex('mdbr0');
    assert.ok(bridge !== null && bridge > 0, `bridge index ${bridge}`);
    await hostLinks.setLink(bridge, { up: true });
    await hostLinks.addAddress(bridge, BRIDGE_ADDRESS, 24);

    const started = performance.now();
    await hostLinks.createVeth('mdveth0', 'eth0', peer.fd, { master: bridge, up: true, mtu: 1400 });
    const eth0 = await peerLinks.linkIndex('eth0');
    assert.ok(eth0 !== null, 'the peer is in the peer namespace');
    await peerLinks.setLink(eth0, { up: true });
    await peerLinks.addAddress(eth0, PEER_ADDRESS, 24);
    await peerLinks.addDefaultRoute(BRIDGE_ADDRESS);
    t.diagnostic(`createVeth + linkIndex + setLink + addAddress + addDefaultRoute: ${(performance.now() - started).toFixed(2)} ms`);

    const [bridgeLink] = ipJson('-n', host.name, 'addr', 'show', 'mdbr0');
    assert.ok(bridgeLink.flags.includes('UP'), JSON.stringify(bridgeLink.flags));
    assert.deepEqual(
      bridgeLink.addr_info.filter((a: any) => a.family === 'inet').map((a: any) => [a.local, a.prefixlen, a.broadcast]),
      [[BRIDGE_ADDRESS, 24, '198.18.0.255']],
    );
    const [hostEnd] = ipJson('-n', host.name, 'link', 'show', 'mdveth0');
    assert.equal(hostEnd.master, 'mdbr0');
    assert.ok(hostEnd.flags.includes('UP'), JSON.stringify(hostEnd.flags));
    assert.equal(hostEnd.mtu, 1400);
    assert.equal(run('ip', ['-n', peer.name, 'link', 'show', 'mdveth0']).status === 0, false, 'the host end stays in its namespace');
    assert.equal(run('ip', ['-n', host.name, 'link', 'show', 'eth0']).status === 0, false, 'the peer was never in the host namespace');

    const [peerEnd] = ipJson('-n', peer.name, 'addr', 'show', 'eth0');
    assert.equal(peerEnd.ifindex, eth0);
    assert.ok(peerEnd.flags.includes('UP'), JSON.stringify(peerEnd.flags));
    assert.equal(peerEnd.mtu, 1400);
    assert.deepEqual(
      peerEnd.addr_info.filter((a: any) => a.family === 'inet').map((a: any) => [a.local, a.prefixlen, a.broadcast]),
      [[PEER_ADDRESS, 24, '198.18.0.255']],
    );
    assert.match(ip('-n', peer.name, 'route'), /^default via 198\.18\.0\.1 dev eth0\b/m);
    const routes = ipJson('-n', peer.name, 'route', 'show', 'default', 'table', 'main', 'proto', 'boot');
    assert.deepEqual(routes.map((r: any) => [r.dst, r.gateway, r.dev]), [['default', BRIDGE_ADDRESS, 'eth0']]);

    const reply = ping(peer.name, BRIDGE_ADDRESS);
    assert.equal(reply.status, 0, reply.output);
  });

  it('names the errno: EEXIST for an existing bridge, ENODEV as null or false', async (t) => {
    const s = scratch(t);
    const links = s.rtnl(s.netns('e').fd);
    await links.createBridge('mdbr0');
    await assert.rejects(links.createBridge('mdbr0'), (error: unknown) => {
      assert.ok(error instanceof RtnlError);
      assert.equal(error.code, 'EEXIST');
      assert.equal(error.message, 'netlink: creating bridge mdbr0 failed: EEXIST');
      return true;
    });
    const bridge = await links.linkIndex('mdbr0');
    assert.ok(bridge !== null);
    await links.addAddress(bridge, BRIDGE_ADDRESS, 24);
    await assert.rejects(links.addAddress(bridge, BRIDGE_ADDRESS, 24), { name: 'RtnlError', code: 'EEXIST' });
    await assert.rejects(links.setLink(999_999, { up: true }), { name: 'RtnlError', code: 'ENODEV' });
    assert.equal(await links.linkIndex('mdnothing'), null);
    assert.equal(await links.deleteLink('mdbr0'), true);
    assert.equal(await links.deleteLink('mdbr0'), false);
    assert.equal(await links.linkIndex('mdbr0'), null);
  });

  it('deleting the host end of a veth removes its peer in the other namespace', async (t) => {
    const s = scratch(t);
    const host = s.netns('h');
    const peer = s.netns('p');
    const hostLinks = s.rtnl(host.fd);
    const peerLinks = s.rtnl(peer.fd);
    await hostLinks.createVeth('mdveth1', 'eth0', peer.fd);
    assert.notEqual(await peerLinks.linkIndex('eth0'), null);
    assert.equal(await hostLinks.deleteLink('mdveth1'), true);
    assert.equal(await peerLinks.linkIndex('eth0'), null);
    assert.equal(await hostLinks.deleteLink('mdveth1'), false);
  });

  it('close() closes the socket fd and rejects later requests', async (t) => {
    const s = scratch(t);
    const ns = s.netns('c');
    const fds = () => new Map(fs.readdirSync('/proc/self/fd').map((fd) => [fd, safeReadlink(`/proc/self/fd/${fd}`)]));
    const before = fds();
    const links = openRtnlIn(libcKernel(), ns.fd, setns());
    const opened = [...fds()].filter(([fd, target]) => before.get(fd) !== target && target.startsWith('socket:'));
    assert.equal(opened.length, 1, `one new socket fd: ${JSON.stringify(opened)}`);
    assert.equal(await links.linkIndex('lo'), 1);
    links.close();
    const [[fd, socket]] = opened as [[string, string]];
    assert.notEqual(safeReadlink(`/proc/self/fd/${fd}`), socket, 'the socket fd is closed');
    await assert.rejects(links.linkIndex('lo'), { name: 'RtnlError', code: 'EBADF' });
    links.close(); // twice is harmless
  });

  it('an idle socket does not keep the process alive, and its requests still complete', (t) => {
    const s = scratch(t);
    const ns = s.netns('r');
    const module = new URL('../../plugins/network/bridge/rtnl.js', import.meta.url).href;
    const libc = new URL('../../src/kernel/libc.js', import.meta.url).href;
    // Never closed: the process must still exit once the answer is in. An unsettled top-level
    // await would instead end it early with status 13.
    const script = `
      const started = performance.now();
      const { openRtnl } = await import(${JSON.stringify(module)});
      const { libcKernel } = await import(${JSON.stringify(libc)});
      const kernel = libcKernel();
      const imported = performance.now();
      const rtnl = openRtnl(kernel);
      const opened = performance.now();
      const index = await rtnl.linkIndex('lo');
      process.stdout.write(JSON.stringify({ index, importMs: imported - started, openMs: opened - imported }));
    `;
    const child = spawnSync('ip', ['netns', 'exec', ns.name, process.execPath, '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    assert.equal(child.signal, null, 'the process exited by itself');
    assert.equal(child.status, 0, child.stderr);
    const result = JSON.parse(child.stdout);
    assert.equal(result.index, 1);
    t.diagnostic(`import rtnl.js: ${result.importMs.toFixed(2)} ms; first openRtnl(): ${result.openMs.toFixed(2)} ms`);
  });
});

function safeReadlink(path: string): string {
  try {
    return fs.readlinkSync(path);
  } catch {
    return '';
  }
}
