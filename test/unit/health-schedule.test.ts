// A foreground run's health-check schedule (src/runtime/health-schedule.ts) with a real command in
// place of `mydocker healthcheck ID`: each check appends a line to a file and exits with the code
// the test puts in another. No timing asserts: counts are waited for, with generous deadlines.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { scheduleHealthChecks } from '../../src/runtime/health-schedule.js';

function checker(t: { after(fn: () => void): void }, exitCode: number): { argv: string[]; count(): number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mydocker-health-schedule-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const log = path.join(dir, 'checks');
  return {
    argv: ['/bin/sh', '-c', `echo check >> ${log}; exit ${exitCode}`],
    count: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0),
  };
}

async function until(what: string, ok: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!ok()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('the foreground health-check schedule', () => {
  it('checks every start interval during the start period while none passes (the interval is ten minutes)', async (t) => {
    const c = checker(t, 1);
    const schedule = scheduleHealthChecks(c.argv, { intervalMs: 600_000, startIntervalMs: 20, startPeriodMs: 600_000, limitMs: 60_000 });
    t.after(() => schedule.stop());
    await until('three failing checks', () => c.count() >= 3);
  });

  it('goes to the interval once a check has passed', async (t) => {
    const c = checker(t, 0);
    const schedule = scheduleHealthChecks(c.argv, { intervalMs: 600_000, startIntervalMs: 20, startPeriodMs: 600_000, limitMs: 60_000 });
    t.after(() => schedule.stop());
    await until('the first check', () => c.count() >= 1);
    await sleep(600); // thirty start intervals: a schedule that stayed on them would have checked again
    assert.equal(c.count(), 1);
  });

  it('no check after stop()', async (t) => {
    const c = checker(t, 1);
    const schedule = scheduleHealthChecks(c.argv, { intervalMs: 600_000, startIntervalMs: 20, startPeriodMs: 600_000, limitMs: 60_000 });
    await until('a check', () => c.count() >= 1);
    schedule.stop();
    await sleep(100); // a check started just before stop() may still append its line
    const stopped = c.count();
    await sleep(300);
    assert.equal(c.count(), stopped);
  });
});
