// `mydocker run -it busybox sh` driven through a real pty, as a user at a terminal would.
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { CLI, World, integrationSkipReason, waitFor } from '../support/world.js';
import { spawnInPty } from '../support/pty.js';

const skip = integrationSkipReason() ?? false;

describe('run -it', { skip }, () => {
  test('an interactive shell on a real terminal: tty, PID 1, Ctrl-C, window size, exit code', async (t) => {
    const w = new World('tty');
    t.after(() => w.cleanup());
    assert.equal(w.run(['run', '--rm', 'busybox', 'true']).status, 0); // build the image outside the pty

    const session = spawnInPty(process.execPath, [CLI, 'run', '-it', '--rm', '-h', 'ttybox', 'busybox', 'sh'], {
      PATH: process.env.PATH,
      MYDOCKER_ROOT: w.root,
      MYDOCKER_CGROUP_PARENT: w.cgroupParent,
    });
    t.after(() => session.close());
    await session.expect(/\/ # /); // busybox's prompt (it then asks the cursor position: ESC[6n)

    session.type('tty; hostname; echo "pid=$$"; ps -o pid,comm\n');
    await session.expect(/PID\s+COMMAND[\s\S]*\/ # /);
    const screen = session.screen();
    assert.match(screen, /^\/dev\/pts\/\d+\r*$/m, 'tty names a terminal of the container');
    assert.match(screen, /^ttybox\r*$/m);
    assert.match(screen, /^pid=1\r*$/m);
    assert.match(screen, /^\s+1 sh\r*$/m);

    session.resize(33, 111);
    session.type('stty size\n');
    await session.expect(/^33 111\r*$/m);

    // Ctrl-C reaches the container's foreground job, not mydocker.
    session.type('sleep 1001\n');
    await waitForProcess(['sleep', '1001']);
    session.type('\x03');
    await session.expect(/\^C[\s\S]*\/ # /); // the shell is back at its prompt
    session.type('echo "after=$?"\n');
    await session.expect(/^after=130\r*$/m);

    assert.notEqual(session.modes(), session.initialModes, 'mydocker put the terminal in raw mode');
    session.type('exit 3\n');
    assert.equal(await session.exit, 3);
    assert.equal(session.modes(), session.initialModes, 'the user\'s terminal is restored');
    assert.match(execFileSync('stty', ['-a', '-F', session.slavePath], { encoding: 'utf8' }), /(^|\s)icanon\b[\s\S]*(^|\s)echo\b/);
    assert.deepEqual(w.containerIds(), []);
  });

  test('exec -it gets a terminal of the container, with job control', async (t) => {
    const w = new World('exectty');
    t.after(() => w.cleanup());
    assert.equal(w.run(['run', '-d', '--name', 'host', 'busybox', 'sleep', '1000']).status, 0);
    const session = spawnInPty(process.execPath, [CLI, 'exec', '-it', 'host', 'sh'], { PATH: process.env.PATH, MYDOCKER_ROOT: w.root, MYDOCKER_CGROUP_PARENT: w.cgroupParent });
    t.after(() => session.close());
    await session.expect(/\/ # /);
    session.type('tty; ps -o pid,comm\n');
    await session.expect(/PID\s+COMMAND[\s\S]*\/ # /);
    assert.match(session.screen(), /^\/dev\/pts\/\d+\r*$/m);
    assert.match(session.screen(), /^\s+1 sleep\r*$/m);
    session.type('sleep 999\n');
    await waitForProcess(['sleep', '999']);
    session.type('\x03');
    await session.expect(/\^C[\s\S]*\/ # /); // the shell is back at its prompt
    session.type('echo "after=$?"; exit 4\n');
    await session.expect(/^after=130\r*$/m);
    assert.equal(await session.exit, 4);
    assert.equal(session.modes(), session.initialModes);
  });
});

/** Waits until some process on the host runs exactly this argv. */
async function waitForProcess(argv: string[]): Promise<void> {
  const cmdline = argv.join('\0');
  await waitFor(() => {
    for (const pid of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0$/, '') === cmdline) return true;
      } catch {
        // gone meanwhile
      }
    }
    return false;
  }, `a process "${argv.join(' ')}"`);
}
