// `mydocker --trace` (and MYDOCKER_TRACE=1) with real containers: every hook of a run and the
// built-in plugins' taps and drivers appear on stderr, one line each, and never on stdout, which
// is the container's; a failing plugin is named on its own line.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { worldFor, integrationSkipReason } from '../support/world.js';

const skip = integrationSkipReason() ?? false;

const PREFIX = 'mydocker trace: ';

interface Line {
  what: string;
  who: string;
  outcome: string;
}

/** The trace lines of a stderr; every line of it must be one (a run that succeeds prints nothing else). */
function traceLines(stderr: string): Line[] {
  return stderr
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      assert.ok(line.startsWith(PREFIX), `only trace lines on stderr: ${JSON.stringify(line)}`);
      const match = /^(\S+)\s{2,}(.+?)\s{2,}\d+\.\d ms {2}(.+)$/.exec(line.slice(PREFIX.length));
      assert.ok(match, `a trace line: ${JSON.stringify(line)}`);
      return { what: match[1]!, who: match[2]!, outcome: match[3]! };
    });
}

const has = (lines: Line[], what: string, who: string | RegExp, outcome: string | RegExp = 'ok'): boolean =>
  lines.some((l) => l.what === what && (typeof who === 'string' ? l.who === who : who.test(l.who)) && (typeof outcome === 'string' ? l.outcome === outcome : outcome.test(l.outcome)));

/** The hooks a `run --rm` calls, and a built-in plugin that taps each. */
const RUN_HOOKS: ReadonlyArray<[hook: string, plugin: string]> = [
  ['checkOptions', 'mydocker:cgroups'],
  ['prepareRootfs', 'mydocker:volumes'],
  ['createCgroups', 'mydocker:cgroups'],
  ['applyCgroups', 'mydocker:cgroups'],
  ['setupNetwork', 'mydocker:network'],
  ['releaseCgroups', 'mydocker:cgroups'],
  ['releaseRootfs', 'mydocker:volumes'],
  ['teardownNetwork', 'mydocker:network'],
];

describe('--trace', { skip }, () => {
  test('run --rm: every hook of a run, with the built-in plugins and drivers, on stderr only', (t) => {
    const w = worldFor(t, 'trace', { image: true });
    const r = w.run(['--trace', 'run', '--rm', 'busybox', 'true']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '', "stdout is the container's");
    const lines = traceLines(r.stderr);
    for (const [hook, plugin] of RUN_HOOKS) {
      assert.ok(has(lines, hook, /^\(\d+ taps?\)$/), `${hook} called:\n${r.stderr}`);
      assert.ok(has(lines, hook, plugin), `${hook} tapped by ${plugin}:\n${r.stderr}`);
    }
    // In the order of a run: setup hooks, then the teardowns.
    const calls = lines.filter((l) => /^\(\d+ taps?\)$/.test(l.who)).map((l) => l.what);
    assert.deepEqual(calls, RUN_HOOKS.map(([hook]) => hook));
    // The drivers' calls, by the plugins that registered them.
    for (const what of ['overlay.mount', 'overlay.unmount', 'overlay.remove']) assert.ok(has(lines, what, 'mydocker:overlay'), what);
    for (const what of ['bridge.allocateAddress', 'bridge.join', 'bridge.leave', 'bridge.releaseAddress']) assert.ok(has(lines, what, 'mydocker:bridge'), what);
    assert.ok(has(lines, 'apply', 'mydocker:cgroups'));
    assert.ok(lines.every((l) => l.outcome === 'ok'), r.stderr);
  });

  test('MYDOCKER_TRACE=1 does the same; the container\'s output stays alone on stdout; without either, no trace', (t) => {
    const w = worldFor(t, 'trace-env', { image: true });
    const traced = w.run(['run', '--rm', 'busybox', 'echo', 'hi'], { env: { MYDOCKER_TRACE: '1' } });
    assert.equal(traced.status, 0, traced.stderr);
    assert.equal(traced.stdout, 'hi\n');
    assert.ok(has(traceLines(traced.stderr), 'setupNetwork', 'mydocker:network'));

    const plain = w.run(['run', '--rm', 'busybox', 'echo', 'hi']);
    assert.equal(plain.status, 0, plain.stderr);
    assert.equal(plain.stdout, 'hi\n');
    assert.equal(plain.stderr, '');
  });

  test("a plugin's failure is traced under its name with its own message, and so is the undoing", (t) => {
    const w = worldFor(t, 'trace-fail', { image: true });
    const file = path.join(w.root, 'thrower.mjs');
    fs.writeFileSync(file, `export default { name: 'thrower', apply(api) { api.hooks.setupNetwork.tapPromise('thrower', async () => { throw new Error('boom'); }); } };\n`);
    const r = w.run(['--trace', 'run', '--rm', '--plugin', file, 'busybox', 'true']);
    assert.equal(r.status, 125);
    const [error, ...rest] = r.stderr.split('\n').filter(Boolean).reverse();
    assert.match(error!, /^mydocker: plugin "thrower" failed in hook setupNetwork: boom/);
    const lines = traceLines(rest.reverse().join('\n'));
    assert.ok(has(lines, 'setupNetwork', 'thrower', 'failed: boom'), r.stderr);
    assert.ok(has(lines, 'setupNetwork', /^\(\d+ taps\)$/, 'failed: thrower'), r.stderr);
    for (const hook of ['releaseCgroups', 'releaseRootfs', 'teardownNetwork']) assert.ok(has(lines, hook, /^\(\d+ taps?\)$/), `${hook} undoes the run`);
  });
});
