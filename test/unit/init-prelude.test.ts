// The real mydocker-init (shim/mydocker-init.c), without root: its conversation with the runtime.
// An OCI bundle sends one prelude per proc mount, between the mounts the runtime makes itself, so
// the init must answer any number of them before the launch message; and the launch message's
// umask (OCI process.user.umask) must reach the program.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { INIT_BINARY } from '../../src/process/init-binary.js';
import { INIT_READY_FLAG, encodeInitConfig, encodePrelude } from '../../src/process/first-process.js';
import { tempDir } from '../support/tmp.js';

/** The next line the init writes on its fd 4, or null at EOF. */
function nextLine(stream: Readable, buffered: { text: string }): Promise<string | null> {
  return new Promise((resolve) => {
    const take = (): boolean => {
      const at = buffered.text.indexOf('\n');
      if (at < 0) return false;
      resolve(buffered.text.slice(0, at));
      buffered.text = buffered.text.slice(at + 1);
      return true;
    };
    if (take()) return;
    const onData = (chunk: Buffer): void => {
      buffered.text += chunk.toString();
      if (take()) cleanup();
    };
    const onEnd = (): void => {
      cleanup();
      resolve(null);
    };
    const cleanup = (): void => {
      stream.off('data', onData);
      stream.off('end', onEnd);
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
  });
}

describe('mydocker-init, the real binary', { skip: fs.existsSync(INIT_BINARY) ? false : 'dist/shim/mydocker-init is not built' }, () => {
  it('answers each of several preludes, closes fd 4 when the launch message comes, and runs the program with its umask', async (t) => {
    const dir = tempDir(t, 'mydocker-init-prelude-');
    const child = spawn(INIT_BINARY, [INIT_READY_FLAG], { stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'], cwd: dir });
    t.after(() => child.kill('SIGKILL'));
    const go = child.stdio[3] as Writable;
    const answers = child.stdio[4] as Readable;
    const buffered = { text: '' };
    const stdout: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    assert.match((await nextLine(answers, buffered)) ?? '', /^ready \d+$/);
    for (const name of ['first', 'second']) {
      go.write(encodePrelude([{ op: 'mkdir', path: path.join(dir, name), mode: 0o755 }]));
      assert.equal(await nextLine(answers, buffered), 'done', `the ${name} prelude's answer`);
      assert.ok(fs.statSync(path.join(dir, name)).isDirectory());
    }
    go.write(encodeInitConfig({ argv: ['/bin/sh', '-c', 'umask; touch made; stat -c %a made'], env: ['PATH=/usr/bin:/bin'], cwd: dir, umask: 0o27 }));
    assert.equal(await nextLine(answers, buffered), null, 'fd 4 closed at the launch');
    assert.equal(await exited, 0);
    assert.equal(Buffer.concat(stdout).toString(), '0027\n640\n');
  });
});
