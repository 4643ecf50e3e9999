// `ps` has a program and a bundle of its own (src/cli/ps-cli.ts, dist/src/cli/ps.bundle.cjs), which
// the launcher runs instead of the whole CLI: whatever the command line, it must answer exactly as
// the whole CLI does (output, errors, exit code), and the build must make it and its code cache.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandKey } from '../../src/cli/bundle-runner.cjs';
import { splitCommand } from '../../src/cli/argv.js';
import { makeRecord } from '../support/records.js';
import { tempDir } from '../support/tmp.js';

const cliDir = fileURLToPath(new URL('../../src/cli/', import.meta.url));
const launcher = path.join(cliDir, 'main.cjs');
const wholeCli = path.join(cliDir, 'cli.js');

/** A root with containers of each status ps shows without a live process, and a damaged record. */
function world(t: { after(fn: () => void): void }): string {
  const root = tempDir(t);
  const put = (id: string, text: string): void => {
    fs.mkdirSync(path.join(root, 'containers', id), { recursive: true });
    fs.writeFileSync(path.join(root, 'containers', id, 'container.json'), text);
  };
  const old = { startedAt: '2024-01-01T00:00:01.000Z', finishedAt: '2024-01-01T00:00:02.000Z' };
  put('a'.repeat(64), JSON.stringify(makeRecord({ id: 'a'.repeat(64), name: 'made', labels: { tier: 'front' } })));
  put('b'.repeat(64), JSON.stringify(makeRecord({ id: 'b'.repeat(64), name: 'done', state: { status: 'exited', pid: null, pidStartTime: null, ...old, exitCode: 3 } })));
  put('c'.repeat(64), JSON.stringify(makeRecord({ id: 'c'.repeat(64), name: 'ok', command: ['sh', '-c', 'a rather long command line'], state: { status: 'exited', pid: null, pidStartTime: null, ...old, exitCode: 0 } })));
  put('d'.repeat(64), '{"id":');
  return root;
}

function run(program: string, args: string[], root: string): { status: number | null; stdout: string; stderr: string } {
  const env = { PATH: process.env.PATH, MYDOCKER_ROOT: root };
  const r = spawnSync(process.execPath, [program, ...args], { env, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("ps's own program", () => {
  it('answers every ps command line as the whole CLI does: output, errors and exit code', (t) => {
    const root = world(t);
    const lines: string[][] = [
      ['ps'],
      ['ps', '-a'],
      ['ps', '-aq'],
      ['--root', root, 'ps', '--all', '--quiet'],
      [`--root=${root}`, '--trace', 'ps', '-a'],
      ['ps', '-a', '--format', '{{.ID}} {{.Names}} {{.Status}} {{.Label "tier"}}'],
      ['ps', '-a', '--format', 'table {{.Names}}\\t{{.Command}}'],
      ['ps', '-a', '--format', 'json'],
      ['ps', '--filter', 'status=exited', '--filter', 'exited=3'],
      ['ps', '-f', 'name=^/ok$', '-f', 'label=tier'],
      ['ps', '--filter', 'bogus=1'],
      ['ps', '--filter', 'status=asleep'],
      ['ps', '--format', ''],
      ['ps', '--format={{.Nope'],
      ['ps', '--no-trunc'],
      ['ps', '-s'],
      ['ps', '-n', '1'],
      ['ps', '-l'],
      ['ps', 'extra'],
      ['ps', '--help'],
      ['--help', 'ps'],
      ['ps', '-h'],
      ['ps', '--version'],
      ['-', 'ps'],
      ['--root', path.join(root, 'containers', 'a'.repeat(64), 'container.json'), 'ps'],
    ];
    for (const args of lines) {
      // A help has a code cache of its own (ps-help), and the whole CLI prints it.
      const asksHelp = args.includes('--help') || args.includes('-h');
      assert.equal(commandKey(args, ['--root']), asksHelp ? 'ps-help' : 'ps', `the launcher takes ${args.join(' ')} for ps`);
      assert.deepEqual(run(launcher, args, root), run(wholeCli, args, root), `mydocker ${args.join(' ')}`);
    }
  });

  it('is what the launcher runs for ps, from a bundle the build made with its code cache', () => {
    const psBundle = path.join(cliDir, 'ps.bundle.cjs');
    assert.ok(fs.existsSync(path.join(cliDir, 'code-cache', 'ps.bundle.ps')), 'the build makes the code cache of ps');
    assert.ok(fs.existsSync(path.join(cliDir, 'code-cache', 'cli.bundle.help')), "and the whole CLI's for --help");
    // What makes it worth having: it holds ps, not the whole CLI (runs, builds, images, plugins).
    const small = fs.statSync(psBundle).size;
    const whole = fs.statSync(path.join(cliDir, 'cli.bundle.cjs')).size;
    assert.ok(small * 4 < whole, `ps.bundle.cjs is ${small} bytes, cli.bundle.cjs ${whole}`);
    const text = fs.readFileSync(psBundle, 'utf8');
    for (const absent of ['PluginHost', 'class _Runtime', 'function launch']) assert.ok(!text.includes(absent), `ps.bundle.cjs holds no ${absent}`);
  });

  it('is chosen only for command lines whose command is ps, or "-" which neither program knows', () => {
    const lines = [['ps'], ['--root', 'ps', 'ps'], ['--root=/r', '--trace', 'ps', '-a'], ['-', 'ps'], ['-a', 'ps'], ['--root', '/r', 'run', 'ps'], ['--', 'ps'], ['images', 'ps'], ['--root'], []];
    for (const args of lines) {
      if (commandKey(args, ['--root']) !== 'ps') continue;
      assert.ok(['ps', '-'].includes(splitCommand(args).command ?? ''), args.join(' '));
    }
    assert.equal(commandKey(['--root', 'ps', 'ps'], ['--root']), 'ps');
    assert.equal(commandKey(['--', 'ps'], ['--root']), 'other');
  });
});
