import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stageChanges } from '../../src/image/stage-changes.js';
import { tempDir } from '../support/tmp.js';

/** Pretends these directories carry trusted.overlay.opaque=y (a temp dir cannot, without root). */
function xattrs(opaque: string[]) {
  return { getxattr: (p: string, name: string) => (name === 'trusted.overlay.opaque' && opaque.includes(p) ? 'y' : null) };
}

describe('stageChanges', () => {
  it('copies files, links and directories with their modes', (t) => {
    const upper = tempDir(t, 'upper-');
    const staging = tempDir(t, 'staging-');
    fs.mkdirSync(path.join(upper, 'etc/app'), { recursive: true });
    fs.writeFileSync(path.join(upper, 'etc/app/conf'), 'x=1\n', { mode: 0o640 });
    fs.symlinkSync('/etc/app/conf', path.join(upper, 'link'));
    stageChanges(upper, staging, xattrs([]));
    assert.equal(fs.readFileSync(path.join(staging, 'etc/app/conf'), 'utf8'), 'x=1\n');
    assert.equal(fs.statSync(path.join(staging, 'etc/app/conf')).mode & 0o777, 0o640);
    assert.equal(fs.readlinkSync(path.join(staging, 'link')), '/etc/app/conf');
    assert.deepEqual(fs.readdirSync(upper).sort(), ['etc', 'link'], 'the upper directory is left as it was');
  });

  it('leaves out the runtime\'s empty /etc mount points, but not a real /etc/hosts', (t) => {
    const upper = tempDir(t);
    const staging = tempDir(t);
    fs.mkdirSync(path.join(upper, 'etc'));
    for (const f of ['hostname', 'resolv.conf']) fs.writeFileSync(path.join(upper, 'etc', f), '');
    fs.writeFileSync(path.join(upper, 'etc/hosts'), '127.0.0.1 localhost\n');
    stageChanges(upper, staging, xattrs([]));
    assert.deepEqual(fs.readdirSync(path.join(staging, 'etc')), ['hosts']);
  });

  it('turns an opaque directory into a .wh..wh..opq marker', (t) => {
    const upper = tempDir(t, 'upper-');
    const staging = tempDir(t, 'staging-');
    fs.mkdirSync(path.join(upper, 'usr/sbin'), { recursive: true });
    fs.writeFileSync(path.join(upper, 'usr/sbin/only'), '');
    stageChanges(upper, staging, xattrs([path.join(upper, 'usr/sbin')]));
    assert.deepEqual(fs.readdirSync(path.join(staging, 'usr/sbin')).sort(), ['.wh..wh..opq', 'only']);
    assert.deepEqual(fs.readdirSync(path.join(staging, 'usr')), ['sbin'], 'only the opaque directory is marked');
  });

  it('with aufs layers keeps .wh. files but leaves aufs\'s own .wh..wh. files out', (t) => {
    const upper = tempDir(t, 'upper-');
    const staging = tempDir(t, 'staging-');
    for (const name of ['.wh.deleted', '.wh..wh..opq', '.wh..wh.plnk', '.wh..wh.aufs', 'kept']) fs.writeFileSync(path.join(upper, name), '');
    stageChanges(upper, staging, xattrs([]), 'aufs');
    assert.deepEqual(fs.readdirSync(staging).sort(), ['.wh..wh..opq', '.wh.deleted', 'kept']);
  });
});
