import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { ago, humanDuration, humanSize, quoteCommand, table } from '../../src/cli/format.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('humanSize', () => {
  it('uses decimal units and three significant digits', () => {
    assert.equal(humanSize(0), '0B');
    assert.equal(humanSize(999), '999B');
    assert.equal(humanSize(1000), '1kB');
    assert.equal(humanSize(1234), '1.23kB');
    assert.equal(humanSize(4861), '4.86kB');
    assert.equal(humanSize(1_240_000), '1.24MB');
    assert.equal(humanSize(12_345_678), '12.3MB');
    assert.equal(humanSize(123_456_789), '123MB');
    assert.equal(humanSize(2_000_000_000), '2GB');
    assert.equal(humanSize(5e12), '5TB');
    assert.equal(humanSize(5e15), '5000TB', 'TB is the largest unit');
  });

  it(
    'moves to the next unit when rounding reaches 1000',
    () => {
      assert.equal(humanSize(999_999), '1MB');
      assert.equal(humanSize(999_500), '1MB');
    },
  );
});

describe('humanDuration', () => {
  it('follows Docker\'s wording', () => {
    assert.equal(humanDuration(0), 'Less than a second');
    assert.equal(humanDuration(400), 'Less than a second');
    assert.equal(humanDuration(SECOND), '1 second');
    assert.equal(humanDuration(5 * SECOND), '5 seconds');
    assert.equal(humanDuration(59 * SECOND), '59 seconds');
    assert.equal(humanDuration(MINUTE), 'About a minute');
    assert.equal(humanDuration(2 * MINUTE), '2 minutes');
    assert.equal(humanDuration(45 * MINUTE), '45 minutes');
    assert.equal(humanDuration(HOUR), 'About an hour');
    assert.equal(humanDuration(2 * HOUR), '2 hours');
    assert.equal(humanDuration(47 * HOUR), '47 hours');
    assert.equal(humanDuration(3 * DAY), '3 days');
    assert.equal(humanDuration(13 * DAY), '13 days');
    assert.equal(humanDuration(21 * DAY), '3 weeks');
    assert.equal(humanDuration(90 * DAY), '3 months');
    assert.equal(humanDuration(3 * 365 * DAY), '3 years');
  });

  it('ago() appends "ago" relative to a given now', () => {
    const now = Date.parse('2024-01-01T00:10:00Z');
    assert.equal(ago('2024-01-01T00:00:00Z', now), '10 minutes ago');
    assert.equal(ago('2024-01-01T00:09:55Z', now), '5 seconds ago');
  });
});

describe('table', () => {
  it('pads every column but the last to its widest cell plus three spaces', () => {
    const out = table(
      ['CONTAINER ID', 'NAME', 'STATUS'],
      [
        ['abc', 'a-very-long-name', 'Up'],
        ['defghijklmnop', 'x', 'Exited (0) 5 seconds ago'],
      ],
    );
    assert.equal(
      out,
      [
        `CONTAINER ID${' '.repeat(4)}NAME${' '.repeat(15)}STATUS`,
        `abc${' '.repeat(13)}a-very-long-name${' '.repeat(3)}Up`,
        `defghijklmnop${' '.repeat(3)}x${' '.repeat(18)}Exited (0) 5 seconds ago`,
        '',
      ].join('\n'),
    );
  });

  it('trims trailing spaces when the last cells are empty, and prints headers alone', () => {
    assert.equal(table(['A', 'B'], [['x', '']]), 'A   B\nx\n');
    assert.equal(table(['REPOSITORY', 'TAG'], []), 'REPOSITORY   TAG\n');
  });
});

describe('quoteCommand', () => {
  it('quotes the joined argv and truncates it with an ellipsis', () => {
    assert.equal(quoteCommand(['sh']), '"sh"');
    assert.equal(quoteCommand(['echo', 'hello', 'world'], 10), '"echo hell…"');
    assert.equal(quoteCommand(['a'.repeat(20)]), `"${'a'.repeat(20)}"`);
    assert.equal(quoteCommand(['a'.repeat(21)]), `"${'a'.repeat(19)}…"`);
  });
});
