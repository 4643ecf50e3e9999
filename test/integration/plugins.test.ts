// Users' plugins with real containers: a .ts plugin's hooks see the documented context, its state
// reaches its teardown in another process, and a throwing plugin costs 125 and leaves nothing.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { worldFor, integrationSkipReason } from '../support/world.js';

const skip = integrationSkipReason() ?? false;

interface Call {
  hook: string;
  pid: number;
  container: string;
  facts: Record<string, unknown>;
}


/** A TypeScript plugin (interfaces, annotations: it must go through tsx) that logs every hook. */
function recorderPlugin(dir: string, log: string): string {
  const file = path.join(dir, 'recorder.ts');
  fs.writeFileSync(
    file,
    `import * as fs from 'node:fs';
import type { Plugin, PluginApi } from 'mydocker/hooks';

interface Call { hook: string; pid: number; container: string; facts: Record<string, unknown> }
const log = (call: Call): void => fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify(call) + '\\n');
const nsOf = (pid: number): string => fs.readlinkSync('/proc/' + pid + '/ns/pid');

const plugin: Plugin = {
  name: 'recorder',
  apply(api: PluginApi): void {
    const h = api.hooks;
    h.prepareRootfs.tapPromise('recorder', async (ctx) => {
      ctx.state.marker = 'saved-by-prepare';
      log({ hook: 'prepareRootfs', pid: process.pid, container: ctx.container.id, facts: {
        rootfsHasBusybox: fs.existsSync(ctx.rootfs + '/bin/busybox'), layers: ctx.layers.length,
        command: ctx.container.command, stateDir: fs.existsSync(ctx.container.stateDir) } });
    });
    for (const name of ['applyCgroups', 'setupNetwork'] as const) {
      h[name].tapPromise('recorder', async (ctx) => {
        log({ hook: name, pid: process.pid, container: ctx.container.id, facts: {
          childPid: ctx.pid, ownPidNamespace: nsOf(ctx.pid) !== nsOf(process.pid), rootfs: ctx.rootfs } });
      });
    }
    for (const name of ['teardownNetwork', 'releaseCgroups'] as const) {
      h[name].tapPromise('recorder', async (ctx) => {
        log({ hook: name, pid: process.pid, container: ctx.container.id, facts: { errors: Array.isArray(ctx.errors), childPid: ctx.pid } });
      });
    }
    h.releaseRootfs.tapPromise('recorder', async (ctx) => {
      log({ hook: 'releaseRootfs', pid: process.pid, container: ctx.container.id, facts: { remove: ctx.remove, marker: ctx.state.marker } });
    });
  },
};
export default plugin;
`,
  );
  return file;
}

function calls(log: string): Call[] {
  return fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Call);
}

describe('plugins', { skip }, () => {
  test('a .ts plugin gets every hook with the documented context, and its state reaches rm', (t) => {
    const w = worldFor(t, 'plugin');
    const log = path.join(w.root, 'calls.jsonl');
    const plugin = recorderPlugin(w.root, log);
    const r = w.run(['run', '--plugin', plugin, '--name', 'rec', 'busybox', 'echo', 'hi']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'hi\n');

    const runCalls = calls(log);
    assert.deepEqual(runCalls.map((c) => c.hook), ['prepareRootfs', 'applyCgroups', 'setupNetwork', 'releaseCgroups', 'releaseRootfs', 'teardownNetwork']);
    const [prepare, cgroups, network] = runCalls;
    assert.deepEqual(prepare!.facts, { rootfsHasBusybox: true, layers: 1, command: ['echo', 'hi'], stateDir: true });
    assert.equal(cgroups!.facts.ownPidNamespace, true, 'applyCgroups sees the first process inside its PID namespace');
    assert.equal(typeof network!.facts.childPid, 'number');
    assert.deepEqual(runCalls[4]!.facts, { remove: false, marker: 'saved-by-prepare' });

    // rm runs in another process, loads the plugin from the record, and sees the saved state.
    fs.writeFileSync(log, '');
    const rm = w.run(['rm', 'rec']);
    assert.equal(rm.status, 0, rm.stderr);
    const rmCalls = calls(log);
    assert.deepEqual(rmCalls.map((c) => c.hook), ['releaseCgroups', 'releaseRootfs', 'teardownNetwork']);
    assert.deepEqual(rmCalls[1]!.facts, { remove: true, marker: 'saved-by-prepare' });
    assert.notEqual(rmCalls[0]!.pid, prepare!.pid);
    assert.deepEqual(w.containerIds(), []);
  });

  test('plugins listed in <root>/config.json are loaded for every run', (t) => {
    const w = worldFor(t, 'config');
    const log = path.join(w.root, 'calls.jsonl');
    recorderPlugin(w.root, log);
    fs.writeFileSync(path.join(w.root, 'config.json'), JSON.stringify({ plugins: ['./recorder.ts'] }));
    const r = w.run(['run', '--rm', 'busybox', 'true']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(calls(log).some((c) => c.hook === 'prepareRootfs'));
  });

  for (const hook of ['prepareRootfs', 'createCgroups', 'applyCgroups', 'setupNetwork']) {
    test(`a plugin throwing in ${hook} gives 125, names itself and the hook, and leaves nothing`, (t) => {
      const w = worldFor(t, `throw-${hook}`);
      assert.equal(w.run(['run', '--rm', 'busybox', 'true']).status, 0);
      const pidFile = path.join(w.root, 'pid');
      const file = path.join(w.root, 'thrower.mjs');
      fs.writeFileSync(
        file,
        `import * as fs from 'node:fs';
export default {
  name: 'thrower',
  apply(api) {
    api.hooks.applyCgroups.tap('thrower-spy', (ctx) => fs.writeFileSync(${JSON.stringify(pidFile)}, String(ctx.pid)));
    api.hooks.${hook}.tapPromise('thrower', async () => { throw new Error('boom'); });
  },
};
`,
      );
      const r = w.run(['run', '--rm', '--plugin', file, 'busybox', 'echo', 'never']);
      assert.equal(r.status, 125);
      assert.match(r.stderr, new RegExp(`plugin "thrower" failed in hook ${hook}: boom`));
      assert.equal(r.stdout, '', 'the command never ran');
      assert.deepEqual(w.containerIds(), []);
      assert.deepEqual(w.list('storage/overlay'), []);
      assert.deepEqual(w.list('names'), []);
      assert.deepEqual(w.mounts(), []);
      assert.deepEqual(w.cgroups(), [], 'the groups the cgroups plugin made are removed');
      if (fs.existsSync(pidFile)) {
        const pid = Number(fs.readFileSync(pidFile, 'utf8'));
        assert.ok(!fs.existsSync(`/proc/${pid}`) || fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.startsWith('Z'), 'the first process was killed');
      }
    });
  }

  test('a plugin file that exports no plugin is refused with 125', (t) => {
    const w = worldFor(t, 'badplugin');
    const file = path.join(w.root, 'empty.mjs');
    fs.writeFileSync(file, 'export const x = 1;\n');
    const r = w.run(['run', '--rm', '--plugin', file, 'busybox', 'true']);
    assert.equal(r.status, 125);
    assert.match(r.stderr, /does not export a plugin/);
  });
});
