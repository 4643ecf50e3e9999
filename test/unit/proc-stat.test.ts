import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isSameProcessAlive, processStartTime } from '../../src/container/proc-stat.js';
import { deriveStatus } from '../../src/container/status.js';
import type { ContainerRecord } from '../../src/container/record.js';
import { makeRecord } from '../support/records.js';
import { tempDir } from '../support/tmp.js';

/** A /proc/<pid>/stat line: fields 3.. after the command, starttime (field 22) set. */
function statLine(pid: number, comm: string, state: string, startTime: number): string {
  // fields 4..21 (18 of them), then 22 = starttime, then a few more
  const middle = Array.from({ length: 18 }, (_, i) => String(i + 4));
  return `${pid} (${comm}) ${state} ${middle.join(' ')} ${startTime} 23 24 25\n`;
}

function fakeProc(t: { after(fn: () => void): void }, procs: Array<{ pid: number; comm?: string; state?: string; start: number }>): string {
  const root = tempDir(t);
  for (const p of procs) {
    fs.mkdirSync(path.join(root, String(p.pid)));
    fs.writeFileSync(path.join(root, String(p.pid), 'stat'), statLine(p.pid, p.comm ?? 'sh', p.state ?? 'S', p.start));
  }
  return root;
}

function running(pid: number | null, pidStartTime: number | null, status: ContainerRecord['state']['status'] = 'running'): ContainerRecord {
  return makeRecord({ state: { status, pid, pidStartTime, startedAt: null, finishedAt: null, exitCode: null } });
}

describe('processStartTime', () => {
  it('reads field 22 of the stat file', (t) => {
    const proc = fakeProc(t, [{ pid: 42, start: 123456 }]);
    assert.equal(processStartTime(42, proc), 123456);
  });

  it('copes with spaces and parentheses in the command name', (t) => {
    const proc = fakeProc(t, [{ pid: 7, comm: 'a) b (c) S 1 2', start: 999 }]);
    assert.equal(processStartTime(7, proc), 999);
  });

  it('returns null for a missing pid, a zombie or a dead process', (t) => {
    const proc = fakeProc(t, [
      { pid: 10, state: 'Z', start: 5 },
      { pid: 11, state: 'X', start: 5 },
    ]);
    assert.equal(processStartTime(9, proc), null);
    assert.equal(processStartTime(10, proc), null);
    assert.equal(processStartTime(11, proc), null);
  });

  it('returns null for a truncated stat file', (t) => {
    const proc = tempDir(t);
    fs.mkdirSync(path.join(proc, '3'));
    fs.writeFileSync(path.join(proc, '3', 'stat'), '3 (sh) S 1 2');
    assert.equal(processStartTime(3, proc), null);
  });

  it('reads the real /proc for this process', () => {
    const start = processStartTime(process.pid);
    assert.equal(typeof start, 'number');
    assert.equal(isSameProcessAlive(process.pid, start), true);
  });
});

describe('isSameProcessAlive', () => {
  it('is true only for the same pid with the same start time', (t) => {
    const proc = fakeProc(t, [{ pid: 42, start: 100 }]);
    assert.equal(isSameProcessAlive(42, 100, proc), true);
    assert.equal(isSameProcessAlive(42, 101, proc), false, 'recycled pid');
    assert.equal(isSameProcessAlive(43, 100, proc), false);
    assert.equal(isSameProcessAlive(null, 100, proc), false);
    assert.equal(isSameProcessAlive(42, null, proc), false);
  });

  it('a zombie is not alive', (t) => {
    const proc = fakeProc(t, [{ pid: 42, state: 'Z', start: 100 }]);
    assert.equal(isSameProcessAlive(42, 100, proc), false);
  });
});

describe('deriveStatus', () => {
  it('running with its process alive stays running', (t) => {
    const proc = fakeProc(t, [{ pid: 42, start: 100 }]);
    assert.equal(deriveStatus(running(42, 100), proc), 'running');
  });

  it('running with the process gone, recycled or a zombie is exited', (t) => {
    const proc = fakeProc(t, [
      { pid: 42, start: 200 },
      { pid: 43, state: 'Z', start: 100 },
    ]);
    assert.equal(deriveStatus(running(42, 100), proc), 'exited');
    assert.equal(deriveStatus(running(43, 100), proc), 'exited');
    assert.equal(deriveStatus(running(44, 100), proc), 'exited');
    assert.equal(deriveStatus(running(null, null), proc), 'exited');
  });

  it('created with a live first process is running, otherwise created', (t) => {
    const proc = fakeProc(t, [{ pid: 42, start: 100 }]);
    assert.equal(deriveStatus(running(42, 100, 'created'), proc), 'running');
    assert.equal(deriveStatus(running(42, 999, 'created'), proc), 'created');
    assert.equal(deriveStatus(running(null, null, 'created'), proc), 'created');
  });

  it('exited stays exited even if the pid is alive', (t) => {
    const proc = fakeProc(t, [{ pid: 42, start: 100 }]);
    assert.equal(deriveStatus(running(42, 100, 'exited'), proc), 'exited');
  });
});
