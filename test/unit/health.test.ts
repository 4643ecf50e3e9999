// Health checks without containers: Go durations, the config merge of `run --health-*` over the
// image's HEALTHCHECK, and the status transitions under a fake clock.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatDuration, parseDuration } from '../../src/container/duration.js';
import { effectiveHealth, initialHealth, nextCheckDelayMs, nextHealth, resolveHealthConfig, timeoutOutput, type CheckResult, type EffectiveHealth, type HealthState } from '../../src/container/health.js';

describe('Go durations', () => {
  it('parses what time.ParseDuration takes, in nanoseconds', () => {
    assert.equal(parseDuration('30s'), 30e9);
    assert.equal(parseDuration('1m30s'), 90e9);
    assert.equal(parseDuration('1.5s'), 1.5e9);
    assert.equal(parseDuration('500ms'), 5e8);
    assert.equal(parseDuration('2h'), 7200e9);
    assert.equal(parseDuration('10us'), 1e4);
    assert.equal(parseDuration('0'), 0);
    assert.equal(parseDuration('-1s'), -1e9);
  });

  it('refuses what Go refuses', () => {
    for (const bad of ['', '10', 's', '1d', '1 s', '1s2', 'abc', '--1s']) assert.equal(parseDuration(bad), null, bad);
  });

  it('formats as Go does', () => {
    assert.equal(formatDuration(30e9), '30s');
    assert.equal(formatDuration(90e9), '1m30s');
    assert.equal(formatDuration(3600e9), '1h0m0s');
    assert.equal(formatDuration(5e8), '500ms');
    assert.equal(formatDuration(1.5e9), '1.5s');
    assert.equal(formatDuration(0), '0s');
  });
});

describe('health config', () => {
  const image = { Test: ['CMD', '/bin/check'], Interval: 10e9, Retries: 5 };

  it('takes the image\'s; flags replace it field by field', () => {
    assert.deepEqual(resolveHealthConfig({}, image), image);
    assert.deepEqual(resolveHealthConfig({ cmd: 'true', interval: '1s' }, image), { Test: ['CMD-SHELL', 'true'], Interval: 1e9, Retries: 5 });
    assert.deepEqual(resolveHealthConfig({ retries: 1, timeout: '2s', startPeriod: '1m' }, image), { ...image, Retries: 1, Timeout: 2e9, StartPeriod: 60e9 });
  });

  it('none: no image check, ["NONE"], or --no-healthcheck', () => {
    assert.equal(resolveHealthConfig({}, undefined), null);
    assert.equal(resolveHealthConfig({}, { Test: ['NONE'] }), null);
    assert.equal(resolveHealthConfig({ none: true }, image), null);
    assert.equal(resolveHealthConfig({ interval: '1s' }, undefined), null, 'options without a command check nothing');
  });

  it('refuses bad flags with one line', () => {
    assert.throws(() => resolveHealthConfig({ none: true, cmd: 'true' }, undefined), /--no-healthcheck conflicts with --health-\* options/);
    assert.throws(() => resolveHealthConfig({ cmd: 'true', interval: '10' }, undefined), /invalid --health-interval "10"/);
    assert.throws(() => resolveHealthConfig({ cmd: 'true', timeout: '10us' }, undefined), /--health-timeout cannot be less than 1ms/);
    assert.throws(() => resolveHealthConfig({ cmd: 'true', retries: -1 }, undefined), /--health-retries/);
    assert.throws(() => resolveHealthConfig({ cmd: 'true', startInterval: 'soon' }, undefined), /invalid --health-start-interval "soon"/);
    assert.throws(() => resolveHealthConfig({ none: true, startInterval: '1s' }, undefined), /--no-healthcheck conflicts/);
  });

  it('--health-start-interval over the image\'s StartInterval', () => {
    assert.deepEqual(resolveHealthConfig({ startInterval: '250ms' }, { Test: ['CMD', 'true'], StartInterval: 2e9, StartPeriod: 1e9 }), {
      Test: ['CMD', 'true'],
      StartInterval: 250e6,
      StartPeriod: 1e9,
    });
  });

  it('the wait before a check: the start interval within the start period until one passes, the interval otherwise', () => {
    const times = { intervalMs: 60_000, startIntervalMs: 500, startPeriodMs: 10_000, limitMs: 90_000 };
    assert.equal(nextCheckDelayMs(times, 0, false), 500, 'the first check of a start period');
    assert.equal(nextCheckDelayMs(times, 9_999, false), 500);
    assert.equal(nextCheckDelayMs(times, 10_000, false), 60_000, 'the start period is over');
    assert.equal(nextCheckDelayMs(times, 1_000, true), 60_000, 'a check passed: starting is over');
    assert.equal(nextCheckDelayMs({ ...times, startPeriodMs: 0 }, 0, false), 60_000, 'no start period: the interval from the first');
  });

  it('defaults: 30s, 30s, no start period, 3 retries; the shell form through /bin/sh -c', () => {
    assert.deepEqual(effectiveHealth({ Test: ['CMD-SHELL', 'curl -f localhost || exit 1'] }), {
      argv: ['/bin/sh', '-c', 'curl -f localhost || exit 1'],
      intervalNs: 30e9,
      timeoutNs: 30e9,
      startPeriodNs: 0,
      startIntervalNs: 5e9,
      retries: 3,
    });
    assert.equal(effectiveHealth({ Test: ['CMD', 'a'], StartInterval: 2e9 }).startIntervalNs, 2e9);
    assert.deepEqual(effectiveHealth({ Test: ['CMD', 'a', 'b'], Retries: 0 }).argv, ['a', 'b']);
    assert.equal(effectiveHealth({ Test: ['CMD', 'a'], Retries: 0 }).retries, 3);
  });
});

describe('health status transitions (fake clock)', () => {
  const started = new Date('2026-12-01T10:00:00Z');
  const at = (seconds: number): Date => new Date(started.getTime() + seconds * 1000);
  const result = (seconds: number, exitCode: number, output = ''): CheckResult => ({ start: at(seconds), end: at(seconds + 0.1), exitCode, output });
  const config = (over: Partial<EffectiveHealth> = {}): EffectiveHealth => ({ argv: ['true'], intervalNs: 1e9, timeoutNs: 1e9, startPeriodNs: 0, startIntervalNs: 5e9, retries: 3, ...over });
  const run = (results: CheckResult[], health = config()): HealthState[] => {
    const states: HealthState[] = [];
    let state = initialHealth();
    for (const r of results) states.push((state = nextHealth(state, r, health, started)));
    return states;
  };

  it('starting, then healthy at the first pass', () => {
    assert.deepEqual(initialHealth(), { Status: 'starting', FailingStreak: 0, Log: [] });
    const [state] = run([result(1, 0, 'ok\n')]);
    assert.equal(state!.Status, 'healthy');
    assert.deepEqual(state!.Log, [{ Start: at(1).toISOString(), End: at(1.1).toISOString(), ExitCode: 0, Output: 'ok\n' }]);
  });

  it('unhealthy after `retries` failures in a row, not before; a pass resets the streak', () => {
    const states = run([result(1, 0), result(2, 1), result(3, 1), result(4, 1), result(5, 0)]);
    assert.deepEqual(states.map((s) => [s.Status, s.FailingStreak]), [['healthy', 0], ['healthy', 1], ['healthy', 2], ['unhealthy', 3], ['healthy', 0]]);
  });

  it('failures while starting count too, outside a start period', () => {
    const states = run([result(1, 1), result(2, 2), result(3, -1, timeoutOutput(1e9))], config({ retries: 2 }));
    assert.deepEqual(states.map((s) => s.Status), ['starting', 'unhealthy', 'unhealthy']);
    assert.equal(states[2]!.Log.at(-1)!.Output, 'Health check exceeded timeout (1s)');
  });

  it('within the start period, failures do not count while starting', () => {
    const health = config({ retries: 1, startPeriodNs: 10e9 });
    const states = run([result(1, 1), result(5, 1), result(12, 1)], health);
    assert.deepEqual(states.map((s) => [s.Status, s.FailingStreak]), [['starting', 0], ['starting', 0], ['unhealthy', 1]]);
    // A pass in the start period ends it: failures count from then on.
    const after = run([result(1, 0), result(2, 1)], health);
    assert.deepEqual(after.map((s) => s.Status), ['healthy', 'unhealthy']);
  });

  it('keeps the last 5 results', () => {
    const states = run([1, 2, 3, 4, 5, 6, 7].map((s) => result(s, 0, String(s))));
    assert.deepEqual(states.at(-1)!.Log.map((l) => l.Output), ['3', '4', '5', '6', '7']);
  });
});
