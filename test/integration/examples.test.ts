// The example plugins of examples/, each loaded the way a user would (`--plugin examples/X.ts`,
// through tsx, importing `mydocker/hooks` by the package's own name) and run against real
// containers: the audit log, the "copy" storage driver, the "veth" network driver, the "tmpfs"
// volume driver.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { worldFor, integrationSkipReason, type World } from '../support/world.js';

const skip = integrationSkipReason() ?? false;

// This file runs as dist/test/integration/examples.test.js; the repository is three levels up.
const EXAMPLES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples');
const example = (name: string): string => path.join(EXAMPLES, name);

const SPECIFIER = /\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g;

describe('examples', () => {
  test('each example is one file importing only mydocker/hooks and node: modules', () => {
    const files = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.ts'));
    assert.ok(files.length >= 3, files.join(' '));
    for (const file of files) {
      const text = fs.readFileSync(path.join(EXAMPLES, file), 'utf8');
      for (const match of text.matchAll(SPECIFIER)) {
        const specifier = (match[1] ?? match[2])!;
        assert.match(specifier, /^(node:|mydocker\/hooks(\/[\w-]+\.js)?$)/, `${file} imports ${specifier}`);
      }
      assert.ok(text.split('\n').length <= 90, `${file} is ${text.split('\n').length} lines`);
    }
  });
});

describe('example plugins against the runtime', { skip }, () => {
  test('audit.ts writes one JSON line per hook call, run and rm alike', (t) => {
    const w = worldFor(t, 'ex-audit', { image: true });
    const log = path.join(w.root, 'audit.jsonl');
    const env = { MYDOCKER_AUDIT_LOG: log };
    const r = w.run(['run', '--plugin', example('audit.ts'), '--name', 'audited', 'busybox', 'echo', 'hi'], { env });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'hi\n');
    const [id] = w.containerIds();
    const lines = (): Array<{ hook: string; id: string | null; name: string | null; time: string; pid: number }> =>
      fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const run = lines();
    assert.deepEqual(run.map((l) => l.hook), ['checkOptions', 'prepareRootfs', 'createCgroups', 'applyCgroups', 'setupNetwork', 'releaseCgroups', 'releaseRootfs', 'teardownNetwork']);
    assert.deepEqual(run[0], { ...run[0], id: null, name: null });
    for (const line of run.slice(1)) assert.deepEqual({ id: line.id, name: line.name }, { id, name: 'audited' });
    for (const line of run) assert.ok(!Number.isNaN(Date.parse(line.time)), line.time);

    fs.writeFileSync(log, '');
    const rm = w.run(['rm', 'audited'], { env });
    assert.equal(rm.status, 0, rm.stderr);
    const removal = lines();
    assert.deepEqual(removal.map((l) => l.hook), ['releaseCgroups', 'releaseRootfs', 'teardownNetwork']);
    assert.notEqual(removal[0]!.pid, run[1]!.pid, 'rm is another process, which loaded the plugin again');
  });

  test('copy-storage.ts: whiteouts honoured, writes kept from the image, start keeps files, rm leaves nothing', (t) => {
    const w = worldFor(t, 'ex-copy', { image: true });
    // An image whose top layer deletes a file (a whiteout) and replaces a directory (opaque).
    const base = w.run(['run', '--name', 'base', 'busybox', 'sh', '-c', 'rm /bin/ls && rm -r /usr/sbin && mkdir /usr/sbin && echo x > /usr/sbin/only']);
    assert.equal(base.status, 0, base.stderr);
    assert.equal(w.run(['commit', 'base', 'layered']).status, 0);

    const plugin = ['--plugin', example('copy-storage.ts'), '--storage-driver', 'copy'];
    const script = 'test -e /etc/mark && cat /etc/mark; echo ok > /etc/mark; echo changed > /bin/busybox.txt; test -e /bin/ls || echo ls-deleted; ls /usr/sbin';
    const first = w.run(['run', ...plugin, '--name', 'copied', 'layered', 'sh', '-c', script]);
    assert.equal(first.status, 0, first.stderr);
    assert.equal(first.stdout, 'ls-deleted\nonly\n');
    const id = w.records().find((r) => r.name === 'copied')?.id;
    assert.ok(id);
    assert.deepEqual(w.mounts(), [], 'the copy is unmounted when the container ends');
    assert.equal(fs.readFileSync(path.join(w.root, 'storage/copy', id, 'rootfs/etc/mark'), 'utf8'), 'ok\n');

    // The image is untouched: a new container (on overlay) sees none of those writes.
    const fresh = w.run(['run', '--rm', 'layered', 'sh', '-c', 'test -e /etc/mark && echo leaked; test -e /bin/busybox.txt && echo leaked; true']);
    assert.equal(fresh.status, 0, fresh.stderr);
    assert.equal(fresh.stdout, '');

    // Started again, it keeps its own files; commit is refused with the driver's message.
    const again = w.run(['start', '-a', 'copied']);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(again.stdout, 'ok\nls-deleted\nonly\n');
    const commit = w.run(['commit', 'copied', 'mine']);
    assert.equal(commit.status, 125);
    assert.match(commit.stderr, /copy storage driver cannot commit container copied.*mydocker export copied/s);

    const rm = w.run(['rm', 'copied']);
    assert.equal(rm.status, 0, rm.stderr);
    assert.deepEqual(w.records().map((r) => r.name), ['base']);
    assert.deepEqual(w.list('storage/copy'), []);
    assert.deepEqual(w.mounts(), []);
  });

  test('tmpfs-volumes.ts: named and anonymous volumes in memory, shared, refused while used, nothing left', (t) => {
    const w = worldFor(t, 'ex-tmpfs', { image: true });
    const volumes = path.join(w.root, 'tmpfs-volumes');
    // Listed in the root's config, the plugin serves every command (volume ls, rm, rm -v).
    fs.writeFileSync(path.join(w.root, 'config.json'), JSON.stringify({ plugins: [example('tmpfs-volumes.ts')] }));
    t.after(() => {
      for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
        const where = line.split(' ')[4];
        if (where?.startsWith(`${volumes}/`)) spawnSync('umount', ['-l', where]);
      }
    });
    const tmpfsMounts = (): string[] =>
      fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.split(' ')[4]?.startsWith(`${volumes}/`)).map((l) => path.basename(l.split(' ')[4]!));

    const create = w.run(['volume', 'create', '--driver', 'tmpfs', 'scratch']);
    assert.equal(create.status, 0, create.stderr);
    assert.deepEqual(tmpfsMounts(), ['scratch']);
    // A volume that exists is used from its driver, with no --volume-driver; the data is in memory.
    const write = w.run(['run', '--name', 'writer', '-v', 'scratch:/s', '-v', '/anon', '--volume-driver', 'tmpfs', 'busybox', 'sh', '-c', 'echo hi > /s/f; echo a > /anon/f; grep -E " /(s|anon) " /proc/mounts | cut -d" " -f3']);
    assert.equal(write.status, 0, write.stderr);
    assert.equal(write.stdout, 'tmpfs\ntmpfs\n');
    assert.equal(fs.readFileSync(path.join(volumes, 'scratch/f'), 'utf8'), 'hi\n');
    const read = w.run(['run', '--rm', '-v', 'scratch:/data', 'busybox', 'cat', '/data/f']);
    assert.equal(read.stdout, 'hi\n', read.stderr);

    const ls = w.run(['volume', 'ls']);
    assert.equal(ls.status, 0, ls.stderr);
    assert.match(ls.stdout, /^tmpfs\s+scratch$/m);
    assert.equal(ls.stdout.split('\n').filter((l) => l.startsWith('tmpfs')).length, 2, ls.stdout);
    const refused = w.run(['volume', 'rm', 'scratch']);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /volume scratch is in use by container writer/);

    // rm -v deletes the anonymous volume through the driver that made it; the named one stays.
    const rm = w.run(['rm', '-v', 'writer']);
    assert.equal(rm.status, 0, rm.stderr);
    assert.deepEqual(tmpfsMounts(), ['scratch']);
    assert.equal(w.run(['volume', 'rm', 'scratch']).status, 0);
    assert.deepEqual(tmpfsMounts(), []);
    assert.deepEqual(w.list('tmpfs-volumes'), []);
    assert.deepEqual(w.list('volumes'), [], 'the local driver made nothing');

    const unknown = w.run(['run', '--rm', '--volume-driver', 'nfs', '-v', 'xx:/x', 'busybox', 'true']);
    assert.equal(unknown.status, 125);
    assert.match(unknown.stderr, /unknown volume driver "nfs".*available: local, tmpfs/s);
    assert.deepEqual(w.containerIds(), []);
  });

  test('veth-network.ts: a point-to-point veth per container, ping to the gateway, nothing left after rm', (t) => {
    const w = worldFor(t, 'ex-veth', { image: true });
    const hostEnds = new Set<string>();
    t.after(() => {
      for (const link of hostEnds) spawnSync('ip', ['link', 'del', link], { stdio: 'ignore' });
    });
    const subnet = '198.18.77';
    const create = w.run(['network', 'create', '--plugin', example('veth-network.ts'), '--driver', 'veth', '--subnet', `${subnet}.0/24`, 'p2p']);
    assert.equal(create.status, 0, create.stderr);

    // Traffic only between the container and the host end: its own address, then the gateway.
    const r = w.run(['run', '--name', 'pinger', '--net', 'p2p', 'busybox', 'sh', '-c', `ip -o -4 addr show dev eth0; ip route; ping -c1 -W5 ${subnet}.1`]);
    for (const id of w.containerIds()) hostEnds.add(`vp${id.slice(0, 12)}`);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, new RegExp(`inet ${subnet}\\.2 peer ${subnet}\\.1/32`));
    assert.match(r.stdout, new RegExp(`default via ${subnet}\\.1 dev eth0`));
    assert.match(r.stdout, /1 packets received/);

    assert.equal(w.run(['rm', 'pinger']).status, 0);
    const rm = w.run(['network', 'rm', 'p2p']);
    assert.equal(rm.status, 0, rm.stderr);
    assert.deepEqual(leftovers(w, subnet, [...hostEnds]), []);
  });

  test('veth-network.ts refuses -p, and the failed run leaves nothing', (t) => {
    const w = worldFor(t, 'ex-veth-p', { image: true });
    const hostEnds = new Set<string>();
    t.after(() => {
      for (const link of hostEnds) spawnSync('ip', ['link', 'del', link], { stdio: 'ignore' });
    });
    const subnet = '198.18.78';
    assert.equal(w.run(['network', 'create', '--plugin', example('veth-network.ts'), '--driver', 'veth', '--subnet', `${subnet}.0/24`, 'p2p']).status, 0);
    const r = w.run(['run', '--rm', '--net', 'p2p', '-p', '8080:80', 'busybox', 'true']);
    for (const id of w.containerIds()) hostEnds.add(`vp${id.slice(0, 12)}`);
    assert.equal(r.status, 125);
    assert.match(r.stderr, /the veth driver cannot publish ports/);
    assert.deepEqual(w.containerIds(), []);
    assert.equal(w.run(['network', 'rm', 'p2p']).status, 0);
    assert.deepEqual(leftovers(w, subnet, [...hostEnds]), []);
  });
});

/** Links, routes and policy rules of the host that mention the test's host ends or subnet. */
function leftovers(w: World, subnet: string, hostEnds: string[]): string[] {
  const out = (...args: string[]): string[] => spawnSync('ip', args, { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  return [
    ...out('-o', 'link', 'show').filter((l) => hostEnds.some((name) => l.includes(` ${name}:`) || l.includes(` ${name}@`))),
    ...out('-o', 'addr', 'show').filter((l) => l.includes(` ${subnet}.`)),
    ...out('route', 'show', 'table', 'all').filter((l) => l.includes(`${subnet}.`)),
    ...out('rule', 'show').filter((l) => l.includes(`${subnet}.`)),
    ...w.networks().filter((n) => n.name === 'p2p').map((n) => `network ${n.name}`),
  ];
}
