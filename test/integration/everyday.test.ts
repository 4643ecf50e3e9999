// The everyday commands and flags of issue 16 that Docker users script with: --label, --entrypoint,
// ps --filter and --format templates, inspect -f.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { worldFor, integrationSkipReason, waitFor } from '../support/world.js';

const skip = integrationSkipReason() ?? false;

describe('everyday flags and formats', { skip }, () => {
  test('--label is kept, shown by inspect -f and ps templates, and filtered on', (t) => {
    const w = worldFor(t, 'labels', { image: true });
    assert.equal(w.run(['run', '--net', 'none', '--name', 'front', '--label', 'tier=web', '-l', 'owner', 'busybox', 'true']).status, 0);
    assert.equal(w.run(['run', '--net', 'none', '--name', 'back', '--label', 'tier=db', 'busybox', 'sh', '-c', 'exit 3']).status, 3);

    const labels = w.run(['inspect', '-f', '{{json .Config.Labels}}', 'front']);
    assert.equal(labels.status, 0, labels.stderr);
    assert.deepEqual(JSON.parse(labels.stdout), { tier: 'web', owner: '' });
    assert.equal(w.run(['inspect', '--format', '{{index .Config.Labels "tier"}} {{.State.ExitCode}}', 'front', 'back']).stdout, 'web 0\ndb 3\n');

    assert.equal(w.run(['ps', '-a', '--filter', 'label=tier=db', '--format', '{{.Names}}']).stdout, 'back\n');
    assert.equal(w.run(['ps', '-a', '-f', 'label=owner', '--format', '{{.Names}} {{.Label "tier"}}']).stdout, 'front web\n');
    // A status filter needs no -a, as Docker's (an exited filter alone does).
    assert.equal(w.run(['ps', '--filter', 'status=exited', '--filter', 'exited=3', '--format', '{{.Names}}:{{.State}}']).stdout, 'back:exited\n');
    assert.equal(w.run(['ps', '--filter', 'exited=3', '-q']).stdout, '');
    assert.equal(w.run(['ps', '-a', '--filter', 'name=^/fr', '-q']).stdout.trim().length, 12);

    const table = w.run(['ps', '-a', '--filter', 'status=exited', '--format', 'table {{.Names}}\\t{{.Status}}']).stdout.split('\n');
    assert.match(table[0]!, /^NAMES\s{3,}STATUS$/);
    assert.equal(table.filter((l) => /^(front|back)\s{3,}Exited \(\d\)/.test(l)).length, 2, table.join('\n'));
  });

  test('a bad template or filter is one line with exit code 1, before any output', (t) => {
    const w = worldFor(t, 'badfmt', { image: true });
    assert.equal(w.run(['run', '--net', 'none', '--name', 'one', 'busybox', 'true']).status, 0);
    for (const args of [
      ['ps', '-a', '--format', '{{.Nope}}'],
      ['ps', '-a', '--format', '{{if .ID}}'],
      ['ps', '--filter', 'color=red'],
      ['inspect', '-f', '{{.State.Nope}}', 'one'],
    ]) {
      const r = w.run(args);
      assert.notEqual(r.status, 0, args.join(' '));
      assert.equal(r.stdout, '', args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /^mydocker: /);
    }
    assert.equal(w.run(['ps', '--filter', 'color=red']).status, 1);
  });

  test('--entrypoint replaces the image\'s and drops its CMD; arguments follow it', (t) => {
    const w = worldFor(t, 'entry', { image: true });
    const echo = w.run(['run', '--rm', '--net', 'none', '--entrypoint', 'echo', 'busybox', 'from', 'entrypoint']);
    assert.equal(echo.status, 0, echo.stderr);
    assert.equal(echo.stdout, 'from entrypoint\n');
    // busybox's CMD is sh: with --entrypoint and no arguments it is not appended.
    const alone = w.run(['run', '--rm', '--net', 'none', '--entrypoint', 'echo', 'busybox']);
    assert.equal(alone.stdout, '\n');
    const missing = w.run(['run', '--rm', '--net', 'none', '--entrypoint', '/nope', 'busybox']);
    assert.equal(missing.status, 127, missing.stderr);
  });
});

describe('wait and rename', { skip }, () => {
  test('wait blocks until the container stops and prints its exit code; unknown is exit 1', async (t) => {
    const w = worldFor(t, 'wait', { image: true });
    const id = w.run(['run', '-d', '--net', 'none', '--name', 'sleeper', 'busybox', 'sh', '-c', 'sleep 1; exit 7']).stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    const waited = w.run(['wait', 'sleeper']);
    assert.equal(waited.status, 0, waited.stderr);
    assert.equal(waited.stdout, '7\n');
    assert.match(w.run(['ps', '-a', '--format', '{{.Status}}']).stdout, /^Exited \(7\)/);
    // A stopped container answers at once; an unknown one is reported, the known one still printed.
    const both = w.run(['wait', 'sleeper', 'nosuch']);
    assert.equal(both.status, 1);
    assert.equal(both.stdout, '7\n');
    assert.match(both.stderr, /nosuch/);
  });

  test('rename moves the name (the old one is free again), refuses a taken one, and rm finds it by the new one', (t) => {
    const w = worldFor(t, 'rename', { image: true });
    assert.equal(w.run(['run', '--net', 'none', '--name', 'first', 'busybox', 'true']).status, 0);
    assert.equal(w.run(['run', '--net', 'none', '--name', 'other', 'busybox', 'true']).status, 0);
    const taken = w.run(['rename', 'first', 'other']);
    assert.equal(taken.status, 1);
    assert.match(taken.stderr, /already in use/);
    const same = w.run(['rename', 'first', 'first']);
    assert.equal(same.status, 1);
    assert.equal(w.run(['rename', 'first', 'second']).status, 0);
    assert.equal(w.run(['inspect', '-f', '{{.Name}}', 'second']).stdout, 'second\n');
    assert.equal(w.run(['inspect', 'first']).status, 1, 'the old name is gone');
    // The old name is free for a new container.
    assert.equal(w.run(['run', '--net', 'none', '--name', 'first', 'busybox', 'true']).status, 0);
    for (const name of ['first', 'second', 'other']) assert.equal(w.run(['rm', name]).status, 0);
    assert.deepEqual(w.list('names'), []);
  });

  test('a rename killed after the record is saved leaves two names; rm removes both', (t) => {
    const w = worldFor(t, 'renamekill', { image: true });
    assert.equal(w.run(['run', '--net', 'none', '--name', 'before', 'busybox', 'true']).status, 0);
    const killed = w.run(['rename', 'before', 'after'], { env: { MYDOCKER_TEST_STOP_AT: 'rename:record-saved' } });
    assert.notEqual(killed.status, 0);
    assert.deepEqual(w.list('names').sort(), ['after', 'before']);
    assert.equal(w.run(['rm', 'after']).status, 0);
    assert.deepEqual(w.list('names'), []);
  });
});

describe('top and port', { skip }, () => {
  test('top lists the container\'s processes only, with ps options passed through', (t) => {
    const w = worldFor(t, 'top', { image: true });
    const id = w.run(['run', '-d', '--net', 'none', '--name', 'busy', 'busybox', 'sh', '-c', 'sleep 301 & exec sleep 302']).stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    const all = w.run(['top', 'busy']);
    assert.equal(all.status, 0, all.stderr);
    const lines = all.stdout.trim().split('\n');
    assert.match(lines[0]!, /^UID\s+PID\s+PPID/);
    assert.deepEqual(lines.slice(1).map((l) => l.split(/\s+/).slice(7).join(' ')).sort(), ['sleep 301', 'sleep 302']);
    const custom = w.run(['top', 'busy', '-o', 'pid,args']);
    assert.equal(custom.status, 0, custom.stderr);
    const [header, ...rows] = custom.stdout.trim().split('\n');
    assert.match(header!, /^\s*PID\s+COMMAND$/);
    assert.deepEqual(rows.map((l) => l.trim().split(/\s+/).slice(1).join(' ')).sort(), ['sleep 301', 'sleep 302']);
    assert.equal(w.run(['rm', '-f', 'busy']).status, 0);
    const stopped = w.run(['top', 'busy']);
    assert.equal(stopped.status, 1);
  });

  test('port prints each published port, or where one is published; exit 1 for one that is not', (t) => {
    const w = worldFor(t, 'port', { image: true });
    const id = w.run(['run', '-d', '--name', 'pub', '-p', '127.0.0.1:18391:80', '-p', '18392:53/udp', 'busybox', 'sleep', '300']).stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    // Without an address a port is published on IPv6 too, where the host has it (as Docker's).
    const v6 = fs.existsSync('/proc/net/if_inet6');
    assert.equal(w.run(['port', 'pub']).stdout, `80/tcp -> 127.0.0.1:18391\n53/udp -> 0.0.0.0:18392\n${v6 ? '53/udp -> [::]:18392\n' : ''}`);
    assert.equal(w.run(['port', 'pub', '53/udp']).stdout, `0.0.0.0:18392\n${v6 ? '[::]:18392\n' : ''}`);
    const missing = w.run(['port', 'pub', '53']);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /no public port '53\/tcp'/);
    assert.equal(w.run(['rm', '-f', 'pub']).status, 0);
  });
});

describe('--add-host and --dns*', { skip }, () => {
  test('reach /etc/hosts and /etc/resolv.conf on --net none, the default bridge and a user network (kept when members change)', (t) => {
    const w = worldFor(t, 'dns', { image: true });
    const flags = ['--add-host', 'db:10.1.2.3', '--add-host', 'v6:2001:db8::7', '--dns', '9.9.9.9', '--dns-search', 'corp.example', '--dns-option', 'ndots:3'];
    const none = w.run(['run', '--rm', '--net', 'none', ...flags, 'busybox', 'cat', '/etc/hosts', '/etc/resolv.conf']);
    assert.equal(none.status, 0, none.stderr);
    assert.match(none.stdout, /^10\.1\.2\.3\tdb$/m);
    assert.match(none.stdout, /^2001:db8::7\tv6$/m);
    assert.match(none.stdout, /^nameserver 9\.9\.9\.9\nsearch corp\.example\noptions ndots:3\n$/m);
    assert.doesNotMatch(none.stdout, /^nameserver (?!9\.9\.9\.9)/m, 'only the given nameserver');

    const bridge = w.run(['run', '--rm', '--add-host', 'db:10.1.2.3', 'busybox', 'sh', '-c', 'cat /etc/hosts; nslookup db 2>/dev/null | grep -c 10.1.2.3 || true']);
    assert.equal(bridge.status, 0, bridge.stderr);
    const lines = bridge.stdout.split('\n');
    const added = lines.indexOf('10.1.2.3\tdb');
    const own = lines.findIndex((l) => /^172\.|^10\./.test(l) && !l.endsWith('\tdb'));
    assert.ok(added > 0 && own > added, `--add-host before the container's own line:\n${bridge.stdout}`);

    const made = w.run(['network', 'create', '--subnet', '198.18.97.0/24', 'dnsnet']);
    assert.equal(made.status, 0, made.stderr);
    assert.equal(w.run(['run', '-d', '--net', 'dnsnet', '--name', 'm1', '--add-host', 'db:10.1.2.3', 'busybox', 'sleep', '300']).status, 0);
    // A second member joining rewrites m1's hosts file: m1's own --add-host line stays.
    assert.equal(w.run(['run', '-d', '--net', 'dnsnet', '--name', 'm2', 'busybox', 'sleep', '300']).status, 0);
    const hosts = w.run(['exec', 'm1', 'cat', '/etc/hosts']).stdout;
    assert.match(hosts, /^10\.1\.2\.3\tdb$/m);
    assert.match(hosts, /^198\.18\.97\.\d+\tm2/m);
    for (const name of ['m1', 'm2']) assert.equal(w.run(['rm', '-f', name]).status, 0);
    assert.equal(w.run(['network', 'rm', 'dnsnet']).status, 0);
  });

  test('bad values and --dns with --net host are refused before anything exists', (t) => {
    const w = worldFor(t, 'dnsbad', { image: true });
    for (const args of [
      ['--add-host', 'nocolon'],
      ['--add-host', 'gw:host-gateway'],
      ['--dns', 'resolver.example'],
      ['--net', 'host', '--dns', '1.1.1.1'],
    ]) {
      const r = w.run(['run', '--rm', ...args, 'busybox', 'true']);
      assert.equal(r.status, 125, args.join(' '));
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    assert.deepEqual(w.containerIds(), []);
  });
});

describe('--stop-signal and --stop-timeout', { skip }, () => {
  test('stop sends the container\'s stop signal, and SIGKILL after its own timeout', async (t) => {
    const w = worldFor(t, 'stopsig', { image: true });
    const script = 'trap "echo got-usr1; exit 5" USR1; echo ready; while true; do sleep 0.1; done';
    assert.equal(w.run(['run', '-d', '--net', 'none', '--name', 'usr1', '--stop-signal', 'USR1', 'busybox', 'sh', '-c', script]).status, 0);
    assert.equal(w.run(['inspect', '-f', '{{.Config.StopSignal}}', 'usr1']).stdout, 'SIGUSR1\n');
    // The trap is set once the shell has said so: a signal before it would be ignored by PID 1.
    await waitFor(() => w.run(['logs', 'usr1']).stdout.includes('ready'), 'the shell to set its trap');
    assert.equal(w.run(['stop', 'usr1']).status, 0);
    assert.equal(w.run(['inspect', '-f', '{{.State.ExitCode}}', 'usr1']).stdout, '5\n');
    assert.match(w.run(['logs', 'usr1']).stdout, /got-usr1/);

    // PID 1 ignores a SIGTERM it has no handler for: its --stop-timeout of 1 s, then SIGKILL (137).
    assert.equal(w.run(['run', '-d', '--net', 'none', '--name', 'deaf', '--stop-timeout', '1', 'busybox', 'sleep', '300']).status, 0);
    assert.equal(w.run(['inspect', '-f', '{{.Config.StopTimeout}}', 'deaf']).stdout, '1\n');
    assert.equal(w.run(['stop', 'deaf'], { timeoutMs: 8000 }).status, 0);
    assert.equal(w.run(['inspect', '-f', '{{.State.ExitCode}}', 'deaf']).stdout, '137\n');

    for (const bad of [['--stop-signal', 'NOPE'], ['--stop-timeout', 'soon']]) {
      const r = w.run(['run', '--rm', '--net', 'none', ...bad, 'busybox', 'true']);
      assert.equal(r.status, 125, bad.join(' '));
    }
  });
});

describe('logs --since and --until', { skip }, () => {
  test('select lines by the times the log recorded', async (t) => {
    const w = worldFor(t, 'logtime', { image: true });
    assert.equal(w.run(['run', '-d', '--net', 'none', '--name', 'talker', 'busybox', 'sh', '-c', 'echo one; sleep 1; echo two; echo three >&2']).status, 0);
    await waitFor(() => w.run(['ps', '-a', '--filter', 'status=exited', '-q']).stdout.trim() !== '', 'the container to end');
    const stamped = w.run(['logs', '-t', 'talker']).stdout.trim().split('\n');
    const twoAt = stamped.find((l) => l.endsWith(' two'))!.split(' ')[0]!;
    const since = w.run(['logs', '--since', twoAt, 'talker']);
    assert.equal(since.status, 0, since.stderr);
    assert.equal(since.stdout, 'two\n');
    assert.equal(since.stderr, 'three\n');
    assert.equal(w.run(['logs', '--until', twoAt, 'talker']).stdout, 'one\n');
    assert.equal(w.run(['logs', '--since', '1h', 'talker']).stdout, 'one\ntwo\n', 'a duration before now');
    assert.equal(w.run(['logs', '--since', String(Math.floor(Date.now() / 1000) + 3600), 'talker']).stdout, '', 'a Unix time in the future');
    const bad = w.run(['logs', '--since', 'yesterday', 'talker']);
    assert.equal(bad.status, 125);
    assert.match(bad.stderr, /invalid value for --since/);
  });
});

describe('--shm-size', { skip }, () => {
  test('sizes /dev/shm (Docker\'s 64 MiB by default) and is refused when not a size', (t) => {
    const w = worldFor(t, 'shm', { image: true });
    const df = (args: string[]): string => {
      const r = w.run(['run', '--rm', '--net', 'none', ...args, 'busybox', 'df', '-k', '/dev/shm']);
      assert.equal(r.status, 0, r.stderr);
      return r.stdout.trim().split('\n')[1]!.split(/\s+/)[1]!;
    };
    assert.equal(df([]), '65536');
    assert.equal(df(['--shm-size', '256m']), '262144');
    assert.equal(w.run(['run', '--net', 'none', '--name', 'shm1', '--shm-size', '1g', 'busybox', 'true']).status, 0);
    assert.equal(w.run(['inspect', '-f', '{{.HostConfig.ShmSize}}', 'shm1']).stdout, `${1024 ** 3}\n`);
    for (const bad of ['lots', '0']) assert.equal(w.run(['run', '--rm', '--net', 'none', '--shm-size', bad, 'busybox', 'true']).status, 125, bad);
  });
});

describe('--ulimit', { skip }, () => {
  test('sets the limits the command and what exec starts run with; inspect shows them; a bad one is 125, a raise the host forbids too', (t) => {
    const w = worldFor(t, 'ulimit', { image: true });
    const limits = 'echo $(ulimit -Sn) $(ulimit -Hn) $(ulimit -u)';
    const plain = w.run(['run', '--rm', '--net', 'none', 'busybox', 'sh', '-c', limits]);
    assert.equal(plain.status, 0, plain.stderr);
    const r = w.run(['run', '-d', '--net', 'none', '--name', 'limited', '--ulimit', 'nofile=256:512', '--ulimit', 'nproc=40', 'busybox', 'sh', '-c', `${limits} > /limits; exec sleep 1000`]);
    assert.equal(r.status, 0, r.stderr);
    assert.notEqual(plain.stdout, '256 512 40\n', 'the host\'s own limits differ (else this test proves nothing)');
    assert.equal(w.run(['exec', 'limited', 'sh', '-c', `cat /limits; ${limits}`]).stdout, '256 512 40\n256 512 40\n');
    assert.equal(w.run(['inspect', '-f', '{{json .HostConfig.Ulimits}}', 'limited']).stdout, '[{"Name":"nofile","Soft":256,"Hard":512},{"Name":"nproc","Soft":40,"Hard":40}]\n');
    for (const bad of ['nofile=2048:1024', 'files=10', 'nofile']) {
      const refused = w.run(['run', '--rm', '--net', 'none', '--ulimit', bad, 'busybox', 'true']);
      assert.equal(refused.status, 125, bad);
      assert.match(refused.stderr, new RegExp(`^mydocker: invalid --ulimit "${bad}"`), bad);
    }
    // Above the hard limit this host gives root (no CAP_SYS_RESOURCE here): the kernel refuses it.
    const hard = Number(w.run(['run', '--rm', '--net', 'none', 'busybox', 'sh', '-c', 'ulimit -Hn']).stdout.trim());
    if (Number.isFinite(hard)) {
      const over = w.run(['run', '--rm', '--net', 'none', '--ulimit', `nofile=${hard + 1}`, 'busybox', 'true']);
      if (over.status !== 0) assert.match(over.stderr, /resource limit/);
    }
    assert.equal(w.run(['rm', '-f', 'limited']).status, 0);
  });
});

describe('diff', { skip }, () => {
  test('lists what the container added, changed and deleted, not the runtime\'s own files', (t) => {
    const w = worldFor(t, 'diff', { image: true });
    assert.equal(w.run(['run', '--name', 'quiet', 'busybox', 'true']).status, 0);
    assert.equal(w.run(['diff', 'quiet']).stdout, '', 'a container that changed nothing (on the default bridge: /etc/hosts and co are bound in)');
    assert.equal(w.run(['run', '--net', 'none', '--name', 'busy', 'busybox', 'sh', '-c', 'echo x > /newfile; rm /bin/ls; mkdir -p /opt/a; echo 1 > /opt/a/f']).status, 0);
    const r = w.run(['diff', 'busy']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'C /bin\nD /bin/ls\nA /newfile\nA /opt\nA /opt/a\nA /opt/a/f\n');
  });
});

describe('info and version', { skip }, () => {
  test('info counts this root\'s containers and images and reads the host\'s cgroup version; version prints this build\'s', (t) => {
    const w = worldFor(t, 'info', { image: true });
    assert.equal(w.run(['run', '--net', 'none', '--name', 'done1', 'busybox', 'true']).status, 0);
    assert.equal(w.run(['run', '-d', '--net', 'none', '--name', 'up1', 'busybox', 'sleep', '300']).status, 0);
    const i = JSON.parse(w.run(['info', '--format', 'json']).stdout);
    assert.equal(i.Containers, 2);
    assert.equal(i.ContainersRunning, 1);
    assert.equal(i.ContainersStopped, 1);
    assert.equal(i.Images, 1);
    assert.equal(i.DockerRootDir, w.root);
    const unified = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === '/sys/fs/cgroup' && l.includes(' - cgroup2 '));
    assert.equal(w.run(['info', '--format', '{{.CgroupVersion}}']).stdout, unified ? '2\n' : '1\n');
    assert.match(w.run(['info']).stdout, /^ Containers: 2\n {2}Running: 1\n/m);
    const pkg = JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    assert.equal(w.run(['version', '--format', '{{.Server.Version}}']).stdout, `${pkg.version}\n`);
    assert.equal(w.run(['rm', '-f', 'up1']).status, 0);
  });
});

describe('cp', { skip }, () => {
  test('copies both ways with Docker\'s rules, as tar streams too, into a stopped container as well', async (t) => {
    const w = worldFor(t, 'cp', { image: true });
    const host = fs.mkdtempSync('/tmp/mydocker-cp-test-');
    t.after(() => fs.rmSync(host, { recursive: true, force: true }));
    assert.equal(w.run(['run', '-d', '--net', 'none', '--name', 'box', 'busybox', 'sh', '-c', 'mkdir -p /data/sub; echo hello > /data/sub/f; chmod 640 /data/sub/f; echo ready; sleep 300']).status, 0);
    await waitFor(() => w.run(['logs', 'box']).stdout.includes('ready'), 'the files to be made');

    // Out: a directory into an existing directory goes under its name; a file to a new name.
    assert.equal(w.run(['cp', 'box:/data', host]).status, 0);
    assert.equal(fs.readFileSync(`${host}/data/sub/f`, 'utf8'), 'hello\n');
    assert.equal(fs.statSync(`${host}/data/sub/f`).mode & 0o777, 0o640);
    assert.equal(w.run(['cp', 'box:/data/sub/f', `${host}/renamed`]).status, 0);
    assert.equal(fs.readFileSync(`${host}/renamed`, 'utf8'), 'hello\n');
    const missing = w.run(['cp', 'box:/nope', host]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /could not find the file \/nope in container box/);
    const noDir = w.run(['cp', 'box:/data/sub/f', `${host}/absent/`]);
    assert.equal(noDir.status, 1);

    // In: owners become root's unless -a; a directory's contents with "/.".
    fs.mkdirSync(`${host}/tree/inner`, { recursive: true });
    fs.writeFileSync(`${host}/tree/inner/g`, 'g\n');
    fs.chownSync(`${host}/tree/inner/g`, 1234, 1234);
    assert.equal(w.run(['cp', `${host}/tree`, 'box:/data/']).status, 0);
    assert.equal(w.run(['exec', 'box', 'stat', '-c', '%u:%g %n', '/data/tree/inner/g']).stdout, '0:0 /data/tree/inner/g\n');
    assert.equal(w.run(['cp', '-a', `${host}/tree/.`, 'box:/data/sub']).status, 0);
    assert.equal(w.run(['exec', 'box', 'stat', '-c', '%u:%g %n', '/data/sub/inner/g']).stdout, '1234:1234 /data/sub/inner/g\n');

    // Tar streams: out to stdout, in from stdin (into a directory).
    const tarOut = w.run(['cp', 'box:/data/sub/f', '-']);
    assert.equal(tarOut.status, 0);
    assert.match(tarOut.stdout, /^f\0/, 'a tar whose first entry is f');
    const garbage = w.run(['cp', '-', 'box:/data'], { input: 'this is no tar archive, not even close to one'.repeat(20) });
    assert.equal(garbage.status, 125, 'a stream that is no tar is refused');
    const tarball = execFileSync('tar', ['-C', `${host}/tree`, '-c', 'inner']);
    const tarIn = w.run(['cp', '-', 'box:/data/streamed'], { input: tarball });
    assert.equal(tarIn.status, 1, 'into a directory that does not exist');
    assert.equal(w.run(['exec', 'box', 'mkdir', '/data/streamed']).status, 0);
    assert.equal(w.run(['cp', '-', 'box:/data/streamed'], { input: tarball }).status, 0);
    assert.equal(w.run(['exec', 'box', 'cat', '/data/streamed/inner/g']).stdout, 'g\n');

    // A stopped container: its root is mounted for the copy and unmounted after.
    assert.equal(w.run(['stop', '-t', '0', 'box']).status, 0);
    assert.equal(w.run(['cp', `${host}/renamed`, 'box:/data/after-stop']).status, 0);
    assert.equal(w.run(['cp', 'box:/data/after-stop', `${host}/back`]).status, 0);
    assert.equal(fs.readFileSync(`${host}/back`, 'utf8'), 'hello\n');
    assert.deepEqual(w.mounts(), []);
  });

  test('a container\'s links cannot lead a copy onto the host (and a copy that joined paths on the host would have followed them)', async (t) => {
    const w = worldFor(t, 'cpesc', { image: true });
    const secretDir = fs.mkdtempSync('/tmp/mydocker-cp-secret-');
    t.after(() => fs.rmSync(secretDir, { recursive: true, force: true }));
    fs.writeFileSync(`${secretDir}/secret`, 'host secret\n');
    const host = fs.mkdtempSync('/tmp/mydocker-cp-out-');
    t.after(() => fs.rmSync(host, { recursive: true, force: true }));
    const script = `ln -s / /escape; ln -s ${secretDir} /evil; mkdir -p ${secretDir}; echo container > ${secretDir}/secret; echo ready; sleep 300`;
    assert.equal(w.run(['run', '-d', '--net', 'none', '--name', 'esc', 'busybox', 'sh', '-c', script]).status, 0);
    await waitFor(() => w.run(['logs', 'esc']).stdout.includes('ready'), 'the links to be made');

    // Without confinement of the paths: the container's root on the host, joined naively, leads out.
    const rootfs = JSON.parse(w.run(['inspect', 'esc']).stdout)[0].GraphDriver.Data.MergedDir as string;
    assert.equal(fs.readFileSync(`${rootfs}/evil/secret`, 'utf8'), 'host secret\n', 'a naive host-side join follows the absolute link to the host');

    // cp resolves inside the container's root: the container's own file, and writes stay inside.
    assert.equal(w.run(['cp', 'esc:/evil/secret', `${host}/got`]).status, 0);
    assert.equal(fs.readFileSync(`${host}/got`, 'utf8'), 'container\n');
    fs.writeFileSync(`${host}/planted`, 'planted\n');
    assert.equal(w.run(['cp', `${host}/planted`, 'esc:/escape/evil/']).status, 0);
    assert.equal(fs.existsSync(`${secretDir}/planted`), false, 'nothing written to the host');
    assert.equal(w.run(['exec', 'esc', 'cat', `${secretDir}/planted`]).stdout, 'planted\n');
    assert.equal(fs.readFileSync(`${secretDir}/secret`, 'utf8'), 'host secret\n');
    assert.equal(w.run(['rm', '-f', 'esc']).status, 0);
  });
});

describe('--restart', { skip }, () => {
  const restartOf = (w: ReturnType<typeof worldFor>, id: string): { count: number; manuallyStopped?: boolean; waiting?: { pid: number } } | undefined =>
    (w.record(id) as unknown as { restart?: { count: number; manuallyStopped?: boolean; waiting?: { pid: number } } } | null)?.restart;
  const alive = (pid: number): boolean => fs.existsSync(`/proc/${pid}`);

  test('on-failure:2 starts a failing container twice more, then leaves it Exited; the log keeps every run', async (t) => {
    const w = worldFor(t, 'restartfail', { image: true });
    const id = w.run(['run', '-d', '--net', 'none', '--name', 'flaky', '--restart', 'on-failure:2', 'busybox', 'sh', '-c', 'echo run; exit 3']).stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    await waitFor(() => {
      const r = restartOf(w, id);
      return r?.count === 2 && r.waiting === undefined && /^Exited \(3\)/.test(w.run(['ps', '-a', '--format', '{{.Status}}']).stdout);
    }, 'two restarts and the end');
    assert.equal(w.run(['inspect', '-f', '{{.RestartCount}} {{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}', 'flaky']).stdout, '2 on-failure:2\n');
    assert.equal(w.run(['logs', 'flaky']).stdout, 'run\nrun\nrun\n');
  });

  test('always restarts after a clean exit, and a user\'s stop ends it for good (start begins the count again)', async (t) => {
    const w = worldFor(t, 'restartalways', { image: true });
    const id = w.run(['run', '-d', '--net', 'none', '--name', 'loop', '--restart', 'always', 'busybox', 'sh', '-c', 'sleep 0.3']).stdout.trim();
    await waitFor(() => (restartOf(w, id)?.count ?? 0) >= 2, 'two restarts');
    assert.equal(w.run(['stop', '-t', '1', 'loop']).status, 0);
    // Whatever waiter there was sees the stop and starts nothing.
    await waitFor(() => {
      const waiting = restartOf(w, id)?.waiting;
      return waiting === undefined || !alive(waiting.pid);
    }, 'the restart waiter to give up');
    assert.equal(restartOf(w, id)?.manuallyStopped, true);
    assert.equal(w.run(['inspect', '-f', '{{.State.Running}}', 'loop']).stdout, 'false\n');
    assert.equal(w.run(['start', 'loop']).status, 0);
    assert.equal(restartOf(w, id)?.count, 0);
    assert.equal(w.run(['rm', '-f', 'loop']).status, 0);
  });

  test('rm -f while it waits to restart removes everything, the waiter included', async (t) => {
    const w = worldFor(t, 'restartrm', { image: true });
    const id = w.run(['run', '-d', '--net', 'none', '--name', 'crashy', '--restart', 'always', 'busybox', 'sh', '-c', 'exit 1']).stdout.trim();
    const waiting = await waitFor(() => (restartOf(w, id)?.count ?? 0) >= 1 && restartOf(w, id)?.waiting, 'a restart, then a wait');
    assert.equal(w.run(['rm', '-f', 'crashy']).status, 0);
    assert.deepEqual(w.containerIds(), []);
    await waitFor(() => !alive(waiting.pid), 'the waiter to be gone');
    assert.deepEqual(w.containerIds(), [], 'nothing started it again');
  });

  test('is refused with --rm and without -d, before anything exists', (t) => {
    const w = worldFor(t, 'restartbad', { image: true });
    for (const args of [['-d', '--rm', '--restart', 'always'], ['--restart', 'always'], ['-d', '--restart', 'sometimes']]) {
      const r = w.run(['run', '--net', 'none', ...args, 'busybox', 'true']);
      assert.equal(r.status, 125, args.join(' '));
    }
    assert.deepEqual(w.containerIds(), []);
  });
});

describe('events', { skip }, () => {
  test('records create, start, die, kill, stop, rename and destroy, read back between times, filtered and templated', (t) => {
    const w = worldFor(t, 'events', { image: true });
    const since = String(Date.now() / 1000);
    assert.equal(w.run(['run', '--rm', '--net', 'none', '--name', 'once', '--label', 'team=a', 'busybox', 'sh', '-c', 'exit 3']).status, 3);
    assert.equal(w.run(['run', '-d', '--net', 'none', '--name', 'long', 'busybox', 'sleep', '300']).status, 0);
    assert.equal(w.run(['rename', 'long', 'longer']).status, 0);
    assert.equal(w.run(['stop', '-t', '0', 'longer']).status, 0);
    const until = String(Date.now() / 1000 + 1);
    const all = w.run(['events', '--since', since, '--until', until, '--format', '{{.Action}} {{.Actor.Attributes.name}}']);
    assert.equal(all.status, 0, all.stderr);
    const lines = all.stdout.trim().split('\n');
    assert.deepEqual(lines.filter((l) => l.endsWith(' once')), ['create once', 'start once', 'die once', 'destroy once']);
    assert.deepEqual(
      lines.filter((l) => / long(er)?$/.test(l)),
      ['create long', 'start long', 'rename longer', 'kill longer', 'die longer', 'stop longer'],
    );
    const died = w.run(['events', '--since', since, '--until', until, '--filter', 'event=die', '--filter', 'label=team=a', '--format', '{{json .}}']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(died.length, 1);
    assert.equal(died[0].Actor.Attributes.exitCode, '3');
    assert.equal(died[0].status, 'die');
    assert.match(w.run(['events', '--since', since, '--until', until, '--filter', 'container=once']).stdout, /^\d{4}-\d\d-\d\dT[\d:.]+Z container create [0-9a-f]{64} \(image=busybox, name=once, team=a\)$/m);
    assert.equal(w.run(['events', '--filter', 'colour=red']).status, 1);
  });
});

describe('system prune', { skip }, () => {
  test('removes stopped containers, unused networks and dangling images (all unused with -a), keeps what is used, asks first', (t) => {
    const w = worldFor(t, 'prune', { image: true });
    assert.equal(w.run(['run', '--net', 'none', '--name', 'done1', 'busybox', 'sh', '-c', 'echo x > /x']).status, 0);
    assert.equal(w.run(['commit', 'done1', 'snapshot:1']).status, 0);
    assert.equal(w.run(['commit', 'done1']).status, 0, 'a dangling image');
    assert.equal(w.run(['run', '-d', '--net', 'none', '--name', 'up1', 'busybox', 'sleep', '300']).status, 0);
    assert.equal(w.run(['network', 'create', '--subnet', '198.18.98.0/24', 'unused-net']).status, 0);
    const asked = w.run(['system', 'prune'], { input: 'n\n' });
    assert.equal(asked.status, 0);
    assert.match(asked.stdout, /^WARNING! This will remove:/);
    assert.equal(w.run(['ps', '-aq']).stdout.trim().split('\n').length, 2, 'nothing removed on "n"');

    const pruned = w.run(['system', 'prune', '-f']);
    assert.equal(pruned.status, 0, pruned.stderr);
    assert.match(pruned.stdout, /Deleted Containers:\n[0-9a-f]{64}\n/);
    assert.match(pruned.stdout, /Deleted Networks:\nunused-net\n/);
    assert.match(pruned.stdout, /Deleted Images:\ndeleted: sha256:[0-9a-f]{64}\n/);
    assert.deepEqual(w.run(['ps', '-a', '--format', '{{.Names}}']).stdout, 'up1\n');
    assert.match(w.run(['images']).stdout, /snapshot/);
    assert.doesNotMatch(w.run(['images']).stdout, /<none>/);

    const everything = w.run(['system', 'prune', '-a', '-f']);
    assert.equal(everything.status, 0, everything.stderr);
    assert.match(everything.stdout, /untagged: snapshot:1/);
    assert.match(w.run(['images']).stdout, /busybox/, 'the running container\'s image stays');
    assert.equal(w.run(['rm', '-f', 'up1']).status, 0);
  });
});
