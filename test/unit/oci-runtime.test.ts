// The OCI commands' pure parts and their state: the console socket's message, runc's signals, the
// container directory under --root.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONSOLE_NAME, ioVector, messageHeader, rightsMessage, unixAddress } from '../../src/oci/console-socket.js';
import { parseSignal } from '../../src/oci/signal.js';
import { NoSuchOciContainer, OciStore, statusNow, type OciContainer } from '../../src/oci/store.js';
import { writePidFile } from '../../src/oci/create.js';
import { tempDir } from '../support/tmp.js';
import { runOciHooks, runOciHooksReporting } from '../../src/oci/oci-hooks.js';
import type { OciState } from '../../src/oci/state.js';

describe('the console socket message', () => {
  it('one SCM_RIGHTS control message carrying one descriptor (cmsg_len 20, padded to 24)', () => {
    const control = rightsMessage(9);
    assert.equal(control.length, 24);
    assert.equal(control.readBigUInt64LE(0), 20n);
    assert.equal(control.readInt32LE(8), 1, 'SOL_SOCKET');
    assert.equal(control.readInt32LE(12), 1, 'SCM_RIGHTS');
    assert.equal(control.readInt32LE(16), 9);
    assert.equal(CONSOLE_NAME, '/dev/ptmx', 'the name runc sends');
  });

  it('the header points at one iovec and the control part, with no address (a connected socket)', () => {
    const header = messageHeader(0x1000n, 0x2000n, 24);
    assert.equal(header.length, 56);
    assert.equal(header.readBigUInt64LE(0), 0n);
    assert.equal(header.readBigUInt64LE(16), 0x1000n);
    assert.equal(header.readBigUInt64LE(24), 1n);
    assert.equal(header.readBigUInt64LE(32), 0x2000n);
    assert.equal(header.readBigUInt64LE(40), 24n);
    const iov = ioVector(0x3000n, 9);
    assert.deepEqual([iov.readBigUInt64LE(0), iov.readBigUInt64LE(8)], [0x3000n, 9n]);
  });

  it('sockaddr_un: AF_UNIX and the path, NUL-padded; a path too long for sun_path is refused', () => {
    const address = unixAddress('/tmp/pty.sock');
    assert.equal(address.length, 110);
    assert.equal(address.readUInt16LE(0), 1);
    assert.equal(address.subarray(2, 15).toString(), '/tmp/pty.sock');
    assert.equal(address[15], 0);
    assert.throws(() => unixAddress(`/${'x'.repeat(107)}`), /must be 1 to 107 bytes long/);
  });
});

describe('runc signals', () => {
  it('numbers and names, with or without SIG, any case; SIGTERM by default', () => {
    assert.equal(parseSignal(undefined), 15);
    assert.equal(parseSignal('9'), 9);
    assert.equal(parseSignal('KILL'), 9);
    assert.equal(parseSignal('SIGKILL'), 9);
    assert.equal(parseSignal('sigusr1'), 10);
    for (const bad of ['0', '65', 'FLY', '-9']) assert.throws(() => parseSignal(bad), /invalid signal/, bad);
  });
});

describe('the OCI store', () => {
  const container = (id: string): OciContainer => ({
    id,
    bundle: '/b',
    phase: 'created',
    pid: 2 ** 22 + 1, // above any pid_max: no such process
    pidStartTime: 1,
    created: '2026-12-01T10:00:00Z',
    annotations: {},
    engine: { rootfs: '/b/rootfs', hostname: 'h', command: ['sh'], env: [], cwd: '/', tty: false, options: {}, pluginState: {} },
  });

  it('an ID is reserved once; an unknown one is "does not exist" (exit 1, what containerd matches)', (t) => {
    const store = new OciStore(path.join(tempDir(t, 'mydocker-oci-'), 'root'));
    store.reserve('web');
    assert.throws(() => store.reserve('web'), /container with id exists: web/);
    assert.throws(() => store.get('web'), (e: unknown) => e instanceof NoSuchOciContainer && e.exitCode === 1 && /container "web" does not exist/.test(e.message));
    store.save(container('web'));
    assert.deepEqual(store.get('web'), container('web'));
    assert.deepEqual(store.ids(), ['web']);
    assert.equal((fs.statSync(store.dir('web')).mode & 0o777), 0o700);
    store.remove('web');
    assert.deepEqual(store.ids(), []);
    assert.throws(() => store.dir('../x'), /invalid container ID/);
  });

  it("create's saves write the state file only when its text changed since the last (a rename each)", (t) => {
    const store = new OciStore(path.join(tempDir(t, 'mydocker-oci-'), 'root'));
    store.reserve('web');
    const file = path.join(store.dir('web'), 'state.json');
    const c = container('web');
    let saved = store.save(c);
    const first = fs.statSync(file).ino;
    saved = store.save(c, saved);
    assert.equal(fs.statSync(file).ino, first, 'the same text: the file stays');
    c.pid = 42;
    saved = store.save(c, saved);
    assert.notEqual(fs.statSync(file).ino, first, 'another text: written (a new file renamed in)');
    assert.equal(store.get('web').pid, 42);
    assert.equal(saved, JSON.stringify(c));
    // Without the last text (every other command): always written.
    const second = fs.statSync(file).ino;
    store.save(c);
    assert.notEqual(fs.statSync(file).ino, second);
  });

  it('a container whose first process is gone is stopped, whatever was saved', () => {
    assert.equal(statusNow(container('web')), 'stopped');
    assert.equal(statusNow({ ...container('web'), pid: process.pid, pidStartTime: Number(fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ')[19]) }), 'created');
  });

  it('the pid file: decimal digits, no newline, whole or absent', (t) => {
    const file = path.join(tempDir(t, 'mydocker-oci-'), 'init.pid');
    writePidFile(file, 4242);
    assert.equal(fs.readFileSync(file, 'utf8'), '4242');
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['init.pid']);
  });
});

describe('OCI hooks', () => {
  const state: OciState = { ociVersion: '1.2.0', id: 'web', status: 'creating', pid: 42, bundle: '/b', created: '2026-12-01T10:00:00Z' };

  it('each runs with the state on stdin, its own argv[0], args and env, in order', async (t) => {
    const dir = tempDir(t, 'mydocker-hooks-');
    const out = path.join(dir, 'out');
    // $0 is the argument after the script; argv[0] shows in the shell's own /proc/self/cmdline.
    const hook = (n: number) => ({ path: '/bin/sh', args: ['hook-sh', '-c', `echo "$(head -c 7 /proc/$$/cmdline) $0 $MARK $(cat)" >> ${out}`, String(n)], env: [`MARK=m${n}`], timeout: null });
    await runOciHooks('createRuntime', [hook(1), hook(2)], state);
    const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
    assert.deepEqual(lines, [`hook-sh 1 m1 ${JSON.stringify(state)}`, `hook-sh 2 m2 ${JSON.stringify(state)}`]);
  });

  it('a failure or a timeout is one line naming the hook; the reporting kind runs on and returns them', async () => {
    const failing = { path: '/bin/sh', args: ['sh', '-c', 'echo nope >&2; exit 3'], env: [], timeout: null };
    const slow = { path: '/bin/sh', args: ['sh', '-c', 'sleep 30'], env: [], timeout: 1 };
    await assert.rejects(runOciHooks('prestart', [failing], state), /^Error: prestart hook \/bin\/sh failed \(exit status 3\): nope$|prestart hook \/bin\/sh failed \(exit status 3\): nope/);
    await assert.rejects(runOciHooks('prestart', [slow], state), /prestart hook \/bin\/sh timed out after 1 s/);
    await assert.rejects(runOciHooks('prestart', [{ path: '/no/such/hook', args: [], env: [], timeout: null }], state), /prestart hook \/no\/such\/hook: ENOENT/);
    assert.deepEqual(await runOciHooksReporting('poststop', [failing, failing], state), ['poststop hook /bin/sh failed (exit status 3): nope', 'poststop hook /bin/sh failed (exit status 3): nope']);
  });
});
