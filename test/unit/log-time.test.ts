// logs --since/--until: Docker's time forms, in nanoseconds.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { entryTime, parseLogTime } from '../../src/container/log-time.js';
import { MydockerError } from '../../src/errors.js';

const NOW = Date.parse('2026-12-01T20:00:00Z');
const ns = (iso: string): bigint => BigInt(Date.parse(iso)) * 1_000_000n;

describe('log times', () => {
  it('reads RFC 3339 times with nanoseconds and zones, and dates alone', () => {
    assert.equal(parseLogTime('2026-12-01T19:00:00Z', '--since', NOW), ns('2026-12-01T19:00:00Z'));
    assert.equal(parseLogTime('2026-12-01T19:00:00.000000042Z', '--since', NOW), ns('2026-12-01T19:00:00Z') + 42n);
    assert.equal(parseLogTime('2026-12-01T21:00:00+02:00', '--since', NOW), ns('2026-12-01T19:00:00Z'));
    assert.equal(parseLogTime('2026-12-01T19:00Z', '--since', NOW), ns('2026-12-01T19:00:00Z'));
    assert.equal(parseLogTime('2026-12-01', '--since', NOW), BigInt(new Date(2026, 11, 1).getTime()) * 1_000_000n, 'no zone: local time');
  });

  it('reads Unix times and Go durations before now', () => {
    assert.equal(parseLogTime('1700000000', '--since', NOW), 1_700_000_000_000_000_000n);
    assert.equal(parseLogTime('1700000000.5', '--since', NOW), 1_700_000_000_500_000_000n);
    assert.equal(parseLogTime('10m', '--since', NOW), ns('2026-12-01T19:50:00Z'));
    assert.equal(parseLogTime('1h30m', '--since', NOW), ns('2026-12-01T18:30:00Z'));
    assert.equal(parseLogTime('1.5s', '--since', NOW), ns('2026-12-01T19:59:58.500Z'));
  });

  it('refuses anything else with the flag named', () => {
    for (const bad of ['yesterday', '10 minutes', '-5m', '2026-13-45T00:00:00Z', '']) {
      assert.throws(() => parseLogTime(bad, '--until', NOW), (e: unknown) => e instanceof MydockerError && e.message.includes('--until'), bad);
    }
  });

  it('reads the shim\'s entry times', () => {
    assert.equal(entryTime('2026-12-01T19:00:00.123456789Z'), ns('2026-12-01T19:00:00Z') + 123_456_789n);
    assert.equal(entryTime('garbage'), null);
  });
});
