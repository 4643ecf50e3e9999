// A command line that names its command gets a cac program holding that command alone
// (src/cli/program.ts): it must answer exactly as the program with every command does, for help,
// errors and exit codes alike.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../support/tmp.js';

const cli = fileURLToPath(new URL('../../src/cli/cli.js', import.meta.url));
const whole = fileURLToPath(new URL('../support/whole-program.js', import.meta.url));

interface Answer {
  status: number | null;
  stdout: string;
  stderr: string;
}

function answer(program: string, args: string[], root: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [program, ...args], { env: { PATH: process.env.PATH, MYDOCKER_ROOT: root }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const COMMANDS = [
  'run', 'create', 'update', 'exec', 'rm', 'stop', 'kill', 'attach', 'pause', 'unpause', 'start', 'restart', 'prune', 'wait',
  'rename', 'top', 'events', 'info', 'version', 'cp', 'diff', 'port', 'stats', 'inspect', 'ps', 'import', 'images', 'build',
  'commit', 'save', 'load', 'pull', 'push', 'tag', 'rmi', 'history', 'export', 'volume', 'network', 'logs', 'system',
  'container', 'image', 'cleanup', 'healthcheck',
];

describe('the program of the one command a line names', () => {
  it('answers as the program of every command: help, errors and exit codes', async (t) => {
    const root = tempDir(t);
    const lines: string[][] = [
      ...COMMANDS.map((c) => [c, '--help']),
      ['--help'],
      ['-h'],
      ['--help', 'run'],
      ['--version'],
      ['bogus'],
      ['run'],
      ['run', '--nope', 'busybox'],
      ['run', '--name', '', 'busybox'],
      ['run', '-h'],
      ['exec'],
      ['exec', '--bogus', 'x', 'true'],
      ['rm', '--bogus', 'x'],
      ['kill', '-s'],
      ['stop', '-t'],
      ['system', 'bogus'],
      ['network', 'bogus'],
      ['volume', 'ls'],
      ['images'],
      ['ps', '-a'],
      ['container', 'ls'],
      ['image', 'ls', '-q'],
      ['container', 'bogus'],
      ['--root', root, 'inspect', 'nothing-here'],
      ['cp', 'a', 'b'],
      ['top'],
    ];
    // Four at a time: each line is two Node starts.
    for (let i = 0; i < lines.length; i += 4) {
      await Promise.all(
        lines.slice(i, i + 4).map(async (args) => {
          const [one, all] = await Promise.all([answer(cli, args, root), answer(whole, args, root)]);
          assert.deepEqual(one, all, `mydocker ${args.join(' ')}`);
        }),
      );
    }
  });
});
