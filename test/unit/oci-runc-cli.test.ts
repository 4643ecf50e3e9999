// The OCI runtime command line's pure parts: runc's arguments as containerd and runtime-tools give
// them, the log lines containerd's shim reads, and the state document with its derived status.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { UsageError, parseRuncArgs } from '../../src/cli/runc/args.js';
import { logLine, parseLogFormat } from '../../src/cli/runc/log.js';
import { checkContainerId, stateDocument, statusOf, stateFile, type OciStateRecord } from '../../src/oci/state.js';

describe('parseRuncArgs', () => {
  it('reads the calls containerd 1.6 makes', () => {
    const create = parseRuncArgs(['--root', '/run/containerd/runc/default', '--log', '/b/log.json', '--log-format', 'json', 'create', '--bundle', '/b', '--pid-file', '/b/init.pid', 'web']);
    assert.deepEqual(create.global, { root: '/run/containerd/runc/default', log: '/b/log.json', 'log-format': 'json' });
    assert.equal(create.command, 'create');
    assert.deepEqual(create.flags, { bundle: '/b', 'pid-file': '/b/init.pid' });
    assert.deepEqual(create.args, ['web']);

    const exec = parseRuncArgs(['exec', '--process', '/tmp/p.json', '--detach', '--pid-file', '/b/e1.pid', 'web']);
    assert.deepEqual(exec.flags, { process: '/tmp/p.json', detach: true, 'pid-file': '/b/e1.pid' });
    assert.deepEqual(parseRuncArgs(['kill', '--all', 'web', '9']).args, ['web', '9']);
    assert.deepEqual(parseRuncArgs(['delete', '--force', 'web']).flags, { force: true });
    assert.deepEqual(parseRuncArgs(['ps', '--format', 'json', 'web']).flags, { format: 'json' });
    assert.deepEqual(parseRuncArgs(['create', '-b=/b', '--no-pivot', '--no-new-keyring', 'id']).flags, { bundle: '/b', 'no-pivot': true, 'no-new-keyring': true });
  });

  it("an exec's program keeps its own flags, after the ID; repeated flags add up", () => {
    const r = parseRuncArgs(['exec', '-t', '-e', 'A=1', '--env=B=2', 'web', 'ls', '-l', '--all']);
    assert.deepEqual(r.flags, { tty: true, env: ['A=1', 'B=2'] });
    assert.deepEqual(r.args, ['web', 'ls', '-l', '--all']);
  });

  it('no command: --version and --help', () => {
    assert.deepEqual(parseRuncArgs(['--version']), { global: { version: true }, command: null, flags: {}, args: [] });
    assert.equal(parseRuncArgs([]).command, null);
  });

  it('refuses what runc refuses, saying which', () => {
    const usage = (argv: string[], message: RegExp) => assert.throws(() => parseRuncArgs(argv), (e: unknown) => e instanceof UsageError && message.test(e.message));
    usage(['frobnicate'], /no such command: frobnicate/);
    usage(['create', '--bundel', '/b', 'id'], /flag provided but not defined: --bundel/);
    usage(['create', '--bundle'], /flag needs an argument: --bundle/);
    usage(['start'], /start needs ID/);
    usage(['start', 'a', 'b'], /start takes ID, not "a b"/);
    usage(['delete', '--force=maybe', 'a'], /invalid boolean value "maybe"/);
  });
});

describe('the log', () => {
  it('json lines as logrus writes them (what the shim parses), or logrus text', () => {
    const at = new Date('2026-12-01T10:00:00.123Z');
    assert.equal(logLine('json', 'error', 'container "x" does not exist', at), '{"level":"error","msg":"container \\"x\\" does not exist","time":"2026-12-01T10:00:00Z"}\n');
    assert.equal(logLine('text', 'error', 'no "x"', at), 'time="2026-12-01T10:00:00Z" level=error msg="no \\"x\\""\n');
    assert.equal(parseLogFormat(undefined), 'text');
    assert.throws(() => parseLogFormat('yaml'), /unknown log format "yaml"/);
  });
});

describe('the state', () => {
  const record: OciStateRecord = { id: 'web', bundle: '/b', phase: 'created', pid: 42, pidStartTime: 7, created: '2026-12-01T10:00:00Z', annotations: {} };

  it('the status is derived: created or running while the first process lives, stopped once it is gone, paused when frozen', () => {
    assert.equal(statusOf(record, true, false), 'created');
    assert.equal(statusOf({ ...record, phase: 'running' }, true, false), 'running');
    assert.equal(statusOf({ ...record, phase: 'running' }, true, true), 'paused');
    assert.equal(statusOf({ ...record, phase: 'running' }, false, false), 'stopped');
    assert.equal(statusOf({ ...record, phase: 'creating' }, false, false), 'stopped');
  });

  it('the document: the spec fields, pid 0 once stopped, annotations only when there are some', () => {
    assert.deepEqual(stateDocument(record, 'created', '/b/rootfs'), { ociVersion: '1.2.0', id: 'web', status: 'created', pid: 42, bundle: '/b', rootfs: '/b/rootfs', created: '2026-12-01T10:00:00Z' });
    assert.equal(stateDocument(record, 'stopped').pid, 0);
    assert.deepEqual(stateDocument({ ...record, annotations: { a: 'b' } }, 'created').annotations, { a: 'b' });
  });

  it('an ID names a directory: nothing that leaves the root', () => {
    assert.equal(stateFile('/run/r', 'a-b_c.1+2'), '/run/r/a-b_c.1+2/state.json');
    for (const bad of ['..', '.', 'a/b', '', 'a b']) assert.throws(() => checkContainerId(bad), /invalid container ID/, bad);
  });
});
