// --restart: Docker's policies, which ends restart, and the back-off.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { FIRST_DELAY_MS, MAX_DELAY_MS, nextDelay, parseRestartPolicy, shouldRestart } from '../../src/container/restart-policy.js';

describe('restart policies', () => {
  it('parses Docker\'s names, on-failure with its retries, and refuses the rest', () => {
    assert.deepEqual(parseRestartPolicy('always'), { name: 'always', maxRetries: 0 });
    assert.deepEqual(parseRestartPolicy('on-failure:3'), { name: 'on-failure', maxRetries: 3 });
    for (const bad of ['sometimes', 'always:3', 'on-failure:x', '']) assert.throws(() => parseRestartPolicy(bad), /invalid restart policy/, bad);
  });

  it('restarts on failure up to N times, always after any end, never after a user\'s stop', () => {
    const onFailure = parseRestartPolicy('on-failure:2');
    assert.equal(shouldRestart({ policy: onFailure, exitCode: 1, restartCount: 0, manuallyStopped: false }), true);
    assert.equal(shouldRestart({ policy: onFailure, exitCode: 1, restartCount: 2, manuallyStopped: false }), false);
    assert.equal(shouldRestart({ policy: onFailure, exitCode: 0, restartCount: 0, manuallyStopped: false }), false);
    assert.equal(shouldRestart({ policy: parseRestartPolicy('on-failure'), exitCode: 137, restartCount: 99, manuallyStopped: false }), true);
    for (const name of ['always', 'unless-stopped']) {
      assert.equal(shouldRestart({ policy: parseRestartPolicy(name), exitCode: 0, restartCount: 5, manuallyStopped: false }), true);
      assert.equal(shouldRestart({ policy: parseRestartPolicy(name), exitCode: 1, restartCount: 0, manuallyStopped: true }), false);
    }
    assert.equal(shouldRestart({ policy: parseRestartPolicy('no'), exitCode: 1, restartCount: 0, manuallyStopped: false }), false);
  });

  it('backs off from 100 ms, doubling after short runs, up to a minute; a run of 10 s starts over', () => {
    assert.equal(nextDelay(undefined, 50), FIRST_DELAY_MS);
    assert.equal(nextDelay(100, 50), 200);
    assert.equal(nextDelay(40_000, 50), MAX_DELAY_MS);
    assert.equal(nextDelay(6400, 10_000), FIRST_DELAY_MS);
  });
});
