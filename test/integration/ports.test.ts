// Published ports as a Docker user expects them (issue 16): `-p CTR_PORT` and `-P` on host ports
// picked from the ephemeral range, shown by `port`, `ps` and `inspect`; IPv6 through the port
// proxy (`curl http://[::1]:PORT/`); addresses honoured (127.0.0.1 never on IPv6, [::1] only
// there); parallel runs (of one state root and of two) never given one port; and nothing left after
// `rm -f` or after a run killed between starting the proxy and saving it: no rule, no proxy, no
// listening socket. Clients are on the host; every address is local.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { World, worldFor, integrationSkipReason, shimSkipReason, waitFor } from '../support/world.js';
import { leftovers, quiet, tracedIds } from '../support/leftovers.js';
import { runningProxies } from '../../hooks/port-proxy.js';
import { processStartTime } from '../../hooks/proc-stat.js';

const skip = integrationSkipReason() ?? shimSkipReason() ?? false;
const PROXY = fileURLToPath(new URL('../../shim/mydocker-proxy', import.meta.url));
const HTTPD = 'mkdir -p /www && echo served-by-$HOSTNAME > /www/index.html && exec httpd -f -p 80 -h /www';

/** Why the IPv6 checks cannot run here, or false: they need ::1 on lo. */
function ipv6SkipReason(): string | false {
  let table: string;
  try {
    table = fs.readFileSync('/proc/net/if_inet6', 'utf8');
  } catch {
    return 'IPv6 is disabled on this host (no /proc/net/if_inet6): the [::1] checks cannot run';
  }
  return /^0{31}1 .* lo$/m.test(table) ? false : 'IPv6 loopback (::1 on lo) is missing on this host: the [::1] checks cannot run';
}
const ipv6 = { skip: ipv6SkipReason() };

function detached(w: World, args: string[]): string {
  const r = w.run(['run', '-d', ...args]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

/** `mydocker port NAME` as lines. */
function portLines(w: World, name: string): string[] {
  const r = w.run(['port', name]);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean);
}

function psPorts(w: World, name: string): string {
  const r = w.run(['ps', '--format', '{{.Names}}|{{.Ports}}']);
  assert.equal(r.status, 0, r.stderr);
  const line = r.stdout.split('\n').find((l) => l.startsWith(`${name}|`));
  assert.ok(line, `ps lists ${name}: ${r.stdout}`);
  return line.slice(name.length + 1);
}

/** The host port `port NAME CTR_PORT/PROTO` gives on 0.0.0.0 (or the first address). */
function hostPortOf(w: World, name: string, containerPort: string): number {
  const r = w.run(['port', name, containerPort]);
  assert.equal(r.status, 0, r.stderr);
  return Number(/:(\d+)$/m.exec(r.stdout)?.[1]);
}

function get(host: string, port: number): Promise<{ status?: number; body?: string; error?: string }> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path: '/', agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
  });
}

/** The SHA-256 of what GET `url` answers, or the error. */
function sha256Of(host: string, port: number, urlPath: string): Promise<string> {
  return new Promise((resolve) => {
    const hash = createHash('sha256');
    const req = http.get({ host, port, path: urlPath, agent: false, timeout: 30_000 }, (res) => {
      res.on('data', (c: Buffer) => hash.update(c));
      res.on('end', () => resolve(hash.digest('hex')));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve(`error: ${e.message}`));
  });
}

/** Local TCP listeners on `port`, as "ADDRESS:PORT" (from ss: every socket of the host's namespace). */
function listeners(port: number): string[] {
  const out = spawnSync('ss', ['-Hltn', `sport = :${port}`], { encoding: 'utf8' }).stdout;
  return out.split('\n').filter(Boolean).map((l) => l.trim().split(/\s+/)[3]!);
}

function rulesMentioning(text: string): string[] {
  return spawnSync('iptables-save', [], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.includes(text));
}

function proxiesOf(w: World): number[] {
  return runningProxies().filter((p) => p.owner.root === w.root).map((p) => p.pid);
}

async function serving(w: World, name: string): Promise<void> {
  await waitFor(() => w.run(['exec', name, 'wget', '-qO-', 'http://127.0.0.1:80/']).status === 0, `httpd to serve in ${name}`);
}

function ephemeralRange(): [number, number] {
  const [first, last] = fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  return [first!, last!];
}

describe('published ports', { skip }, () => {
  it('-p 80-81 and -p IP:H1-H2:80-81: a range of ports, each answering on its own host port, shown as one range by ps', async (t) => {
    const w = worldFor(t, 'ports-range', { image: true });
    const both = 'mkdir -p /a /b && echo port-80 > /a/index.html && echo port-81 > /b/index.html && httpd -p 80 -h /a && exec httpd -f -p 81 -h /b';
    detached(w, ['--name', 'picked', '-p', '127.0.0.1::80-81', 'busybox', 'sh', '-c', both]);
    const servingBoth = (name: string) => waitFor(() => w.run(['exec', name, 'wget', '-qO-', 'http://127.0.0.1:81/']).status === 0 && w.run(['exec', name, 'wget', '-qO-', 'http://127.0.0.1:80/']).status === 0, `both httpd in ${name}`);
    await servingBoth('picked');
    const picked = [hostPortOf(w, 'picked', '80/tcp'), hostPortOf(w, 'picked', '81/tcp')];
    assert.notEqual(picked[0], picked[1], 'each container port has a host port of its own');
    for (const [i, port] of picked.entries()) assert.equal((await get('127.0.0.1', port)).body, `port-8${i}\n`, `127.0.0.1:${port} answers for 8${i}`);
    // A host range below the ephemeral one (where nothing listens here), apart for each test process.
    const [first] = ephemeralRange();
    const base = first - 200 - (process.pid % 500);
    const r = w.run(['run', '-d', '--name', 'ranged', '-p', `127.0.0.1:${base}-${base + 1}:80-81`, 'busybox', 'sh', '-c', both]);
    assert.equal(r.status, 0, r.stderr);
    await servingBoth('ranged');
    assert.deepEqual(portLines(w, 'ranged'), [`80/tcp -> 127.0.0.1:${base}`, `81/tcp -> 127.0.0.1:${base + 1}`]);
    assert.equal(psPorts(w, 'ranged'), `127.0.0.1:${base}-${base + 1}->80-81/tcp`);
    assert.equal((await get('127.0.0.1', base + 1)).body, 'port-81\n');
    const refused = w.run(['run', '--rm', '-p', `${base}-${base + 2}:80`, 'busybox', 'true']);
    assert.equal(refused.status, 125);
    assert.match(refused.stderr, /a range of host ports for one container port is not supported/);
    assert.equal(w.run(['rm', '-f', 'picked', 'ranged']).status, 0);
    assert.deepEqual(listeners(base), []);
  });

  it('-p 80: a port of the ephemeral range on 0.0.0.0 and ::, shown by port, ps and inspect, answering on 127.0.0.1 and [::1]; rm -f leaves nothing', ipv6, async (t) => {
    const w = worldFor(t, 'ports-random', { image: true });
    const id = detached(w, ['--name', 'web', '--hostname', 'web', '-p', '80', 'busybox', 'sh', '-c', HTTPD]);
    await serving(w, 'web');
    const port = hostPortOf(w, 'web', '80/tcp');
    const [first, last] = ephemeralRange();
    assert.ok(port >= first && port <= last, `${port} is in the ephemeral range ${first}-${last}`);

    assert.deepEqual(portLines(w, 'web'), [`80/tcp -> 0.0.0.0:${port}`, `80/tcp -> [::]:${port}`]);
    assert.equal(psPorts(w, 'web'), `0.0.0.0:${port}->80/tcp, :::${port}->80/tcp`);
    const inspected = JSON.parse(w.run(['inspect', 'web']).stdout) as Array<{ NetworkSettings: { Ports: unknown } }>;
    assert.deepEqual(inspected[0]!.NetworkSettings.Ports, { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: String(port) }, { HostIp: '::', HostPort: String(port) }] });

    assert.deepEqual(await get('127.0.0.1', port), { status: 200, body: 'served-by-web\n' }, 'IPv4, DNATed');
    assert.deepEqual(await get('::1', port), { status: 200, body: 'served-by-web\n' }, 'IPv6, through the proxy');
    assert.deepEqual(listeners(port).sort(), [`0.0.0.0:${port}`, `[::]:${port}`], 'the proxy holds the port on both families');
    assert.equal(proxiesOf(w).length, 1, 'one proxy for the container');
    assert.ok(rulesMentioning(`mydocker:ctr:${id.slice(0, 12)}`).length > 0);

    assert.equal(w.run(['rm', '-f', 'web']).status, 0);
    assert.deepEqual(rulesMentioning(`mydocker:ctr:${id.slice(0, 12)}`), [], 'no rule left');
    assert.deepEqual(proxiesOf(w), [], 'no proxy left');
    assert.deepEqual(listeners(port), [], 'no socket left');
    assert.notEqual((await get('::1', port)).status, 200);
  });

  it("-P publishes the image's EXPOSEd ports and --expose's on random ports; UDP arrives through [::1]", ipv6, async (t) => {
    const w = worldFor(t, 'ports-all', { image: true });
    const context = path.join(w.root, 'context');
    fs.mkdirSync(context);
    fs.writeFileSync(path.join(context, 'Dockerfile'), 'FROM busybox\nEXPOSE 80 5353/udp\n');
    const built = w.run(['build', '-q', '-t', 'exposer', context]);
    assert.equal(built.status, 0, built.stderr);
    detached(w, ['--name', 'all', '--hostname', 'all', '-P', '--expose', '7000', 'exposer', 'sh', '-c', HTTPD]);
    await serving(w, 'all');
    const lines = portLines(w, 'all');
    const ports = lines.map((l) => /^(\d+\/\w+) -> (\S+):(\d+)$/.exec(l)!).map((m) => ({ ctr: m[1]!, host: m[2]!, port: Number(m[3]) }));
    assert.deepEqual(ports.map((p) => `${p.ctr} ${p.host}`), ['80/tcp 0.0.0.0', '80/tcp [::]', '5353/udp 0.0.0.0', '5353/udp [::]', '7000/tcp 0.0.0.0', '7000/tcp [::]'], lines.join('\n'));
    assert.equal(new Set(ports.map((p) => `${p.ctr}:${p.port}`)).size, 3, 'one host port per container port, both families');
    const inspected = JSON.parse(w.run(['inspect', 'all']).stdout)[0];
    assert.deepEqual(inspected.Config.ExposedPorts, { '80/tcp': {}, '5353/udp': {}, '7000/tcp': {} }, "the image's EXPOSE and --expose");
    assert.equal(inspected.HostConfig.PublishAllPorts, true);
    for (const port of ['80', '5353/udp', '7000']) assert.equal(w.run(['ps', '--filter', `expose=${port}`, '--format', '{{.Names}}']).stdout, 'all\n', port);
    assert.equal(w.run(['ps', '--filter', 'expose=81', '--format', '{{.Names}}']).stdout, '');

    const web = ports.find((p) => p.ctr === '80/tcp')!.port;
    assert.deepEqual(await get('::1', web), { status: 200, body: 'served-by-all\n' });
    // Megabytes through the proxy arrive whole (its buffers fill and drain many times over).
    const made = w.run(['exec', 'all', 'sh', '-c', 'dd if=/dev/urandom of=/www/big bs=1k count=4096 2>/dev/null && sha256sum /www/big']);
    assert.equal(made.status, 0, made.stderr);
    assert.equal(await sha256Of('::1', web, '/big'), made.stdout.split(' ')[0]);
    // Busybox has no UDP server: the container's kernel counts datagrams that found no socket
    // (Udp NoPorts), proof enough that they crossed the proxy to port 5353.
    const noPorts = (): number => {
      const [names, values] = w.run(['exec', 'all', 'cat', '/proc/net/snmp']).stdout.split('\n').filter((l) => l.startsWith('Udp:')).map((l) => l.trim().split(/\s+/));
      return Number(values![names!.indexOf('NoPorts')]);
    };
    const before = noPorts();
    const { createSocket } = await import('node:dgram');
    const socket = createSocket('udp6');
    t.after(() => socket.close());
    const udp = ports.find((p) => p.ctr === '5353/udp')!.port;
    for (let i = 0; i < 3; i++) await new Promise<void>((resolve, reject) => socket.send('ping', udp, '::1', (e) => (e ? reject(e) : resolve())));
    await waitFor(() => noPorts() >= before + 3, 'the datagrams to arrive in the container');
  });

  it('-p 127.0.0.1::80 never listens on IPv6; -p [::1]:PORT:80 listens only there', ipv6, async (t) => {
    const w = worldFor(t, 'ports-addr', { image: true });
    detached(w, ['--name', 'local4', '--hostname', 'local4', '-p', '127.0.0.1::80', 'busybox', 'sh', '-c', HTTPD]);
    const v4 = hostPortOf(w, 'local4', '80');
    assert.deepEqual(listeners(v4), [`127.0.0.1:${v4}`]);
    assert.equal(psPorts(w, 'local4'), `127.0.0.1:${v4}->80/tcp`);

    // A port of the range no one holds now (the proxy's bind would refuse it otherwise).
    const [first] = ephemeralRange();
    let port = first + 1000 + Math.floor(Math.random() * 1000);
    while (listeners(port).length > 0) port++;
    detached(w, ['--name', 'local6', '--hostname', 'local6', '-p', `[::1]:${port}:80`, 'busybox', 'sh', '-c', HTTPD]);
    await serving(w, 'local6');
    assert.deepEqual(listeners(port), [`[::1]:${port}`]);
    assert.deepEqual(portLines(w, 'local6'), [`80/tcp -> [::1]:${port}`]);
    assert.deepEqual(await get('::1', port), { status: 200, body: 'served-by-local6\n' });
    assert.equal((await get('127.0.0.1', port)).error, 'ECONNREFUSED', 'nothing on IPv4');
    assert.deepEqual(rulesMentioning(`--dport ${port} `), [], 'no NAT rule for an IPv6-only port');
  });

  it('parallel runs, of one state root and of two, get distinct ports', async (t) => {
    const worlds = [worldFor(t, 'ports-par-a', { image: true }), worldFor(t, 'ports-par-b', { image: true })];
    const names = worlds.flatMap((w, i) => [0, 1, 2].map((j) => ({ w, name: `p${i}${j}` })));
    const results = await Promise.all(
      names.map(
        ({ w, name }) =>
          new Promise<{ code: number | null; stderr: string }>((resolve) => {
            const child = w.start(['run', '-d', '--name', name, '-p', '80', '-p', '53/udp', 'busybox', 'sleep', '300']);
            let stderr = '';
            child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
            child.on('exit', (code) => resolve({ code, stderr }));
          }),
      ),
    );
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    const tcp = names.map(({ w, name }) => hostPortOf(w, name, '80/tcp'));
    const udp = names.map(({ w, name }) => hostPortOf(w, name, '53/udp'));
    assert.equal(new Set(tcp).size, names.length, `distinct tcp ports: ${tcp.join(' ')}`);
    assert.equal(new Set(udp).size, names.length, `distinct udp ports: ${udp.join(' ')}`);
  });

  it('a run killed after starting the proxy, before saving it, leaves nothing once removed', async (t) => {
    const w = worldFor(t, 'ports-crash', { image: true });
    const r = w.run(['run', '-d', '--name', 'killed', '-p', '80', 'busybox', 'sleep', '300'], { env: { MYDOCKER_TEST_STOP_AT: 'network:proxy-started' } });
    assert.equal(r.status, null, `killed at the step: ${r.stderr}`);
    // The proxy watches the container's first process, which ends with the run that launched it.
    await quiet(w);
    const ids = tracedIds(w);
    assert.equal(w.run(['rm', '-f', 'killed']).status, 0);
    assert.deepEqual(leftovers(w, ids), []);
  });

  it('a proxy ends with the process it serves; one that cannot is reported by system check, and --fix stops it', async (t) => {
    const w = worldFor(t, 'ports-check');
    fs.mkdirSync(path.join(w.root, 'containers'), { recursive: true });
    const startProxy = (pid: number) => {
      const proxy = spawn(PROXY, ['--root', w.root, '--container', 'c'.repeat(64), '--pid', String(pid), '--start', String(processStartTime(pid)), 'tcp,127.0.0.1,0,127.0.0.1,9'], { stdio: ['ignore', 'pipe', 'ignore'] });
      t.after(() => proxy.kill('SIGKILL'));
      return proxy;
    };
    const ready = (proxy: ReturnType<typeof spawn>) => new Promise<string>((resolve) => proxy.stdout!.once('data', (c: Buffer) => resolve(c.toString())));
    const served = (): ReturnType<typeof spawn> => {
      const sleeper = spawn('sleep', ['300']);
      t.after(() => sleeper.kill('SIGKILL'));
      return sleeper;
    };

    const first = served();
    const loyal = startProxy(first.pid!);
    assert.equal(await ready(loyal), 'OK\n');
    first.kill('SIGKILL');
    await waitFor(() => loyal.exitCode === 0, 'the proxy to end with the process it serves');

    const second = served();
    const stuck = startProxy(second.pid!);
    assert.equal(await ready(stuck), 'OK\n');
    stuck.kill('SIGSTOP'); // cannot see its process end
    second.kill('SIGKILL');
    await waitFor(() => processStartTime(second.pid!) === null, 'the served process to end');
    const check = w.run(['system', 'check']);
    assert.equal(check.status, 1, check.stdout + check.stderr);
    assert.match(check.stdout, new RegExp(`port proxy cccccccccccc: pid ${stuck.pid} \\(the first process of container cccccccccccc \\(pid ${second.pid}\\) has ended\\)`));
    assert.equal(w.run(['system', 'check', '--fix']).status, 0);
    await waitFor(() => stuck.signalCode === 'SIGKILL', 'the proxy to be stopped');
    assert.equal(w.run(['system', 'check']).status, 0);
  });
});
