// Fault injection for the test suite, and nothing else. With MYDOCKER_TEST_STOP_AT=<step> in its
// environment, a mydocker process SIGKILLs itself when it reaches the named step (a crash at that
// exact instant, as `kill -9` would make it), so that tests can check that whatever it had begun is
// found and removed afterwards. With MYDOCKER_TEST_PAUSE_AT=<step>:<fifo> it waits there instead,
// until the test opens and closes that fifo: a race test then runs the other command at exactly
// that moment rather than hoping to hit it. Two environment lookups per step when unset. The steps
// are listed in docs/architecture.md ("Crashes"); plugins may mark their own.
import * as fs from 'node:fs';

export function stopPoint(step: string): void {
  if (process.env.MYDOCKER_TEST_STOP_AT === step) process.kill(process.pid, 'SIGKILL');
  const pause = process.env.MYDOCKER_TEST_PAUSE_AT;
  if (pause !== undefined && pause.startsWith(`${step}:`)) {
    // Opening a fifo to read blocks until a writer opens it; reading then waits for its close.
    // Synchronous on purpose: nothing of this process moves on meanwhile.
    const fd = fs.openSync(pause.slice(step.length + 1), 'r');
    try {
      while (fs.readSync(fd, Buffer.alloc(64)) > 0);
    } finally {
      fs.closeSync(fd);
    }
  }
}
