// For the race tests: a command held at a named step (MYDOCKER_TEST_PAUSE_AT, hooks/stop-point.ts)
// while the test runs another command at exactly that moment.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { World } from './world.js';

/**
 * A command held at a step (MYDOCKER_TEST_PAUSE_AT): `reached` resolves once it waits there (it has
 * opened the fifo), `release` lets it go on.
 */
export function pausedAt(w: Pick<World, 'root'>, step: string, label = ''): { env: NodeJS.ProcessEnv; reached(): Promise<void>; release(): void } {
  const fifo = path.join(w.root, `pause-${step.replace(/:/g, '-')}${label === '' ? '' : `-${label}`}`);
  spawnSync('mkfifo', [fifo]);
  let fd = -1;
  return {
    env: { MYDOCKER_TEST_PAUSE_AT: `${step}:${fifo}` },
    async reached() {
      // O_NONBLOCK: the open succeeds only once the paused command has the fifo open to read.
      for (let i = 0; i < 600 && fd < 0; i++) {
        try {
          fd = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
      assert.ok(fd >= 0, `the command never reached ${step}`);
    },
    release() {
      if (fd >= 0) fs.closeSync(fd);
      fd = -1;
    },
  };
}
