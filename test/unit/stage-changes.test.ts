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
    for (const name of ['.wh.deleted', '.wh..wh.plnk', '.wh..wh.aufs', 'kept']) fs.writeFileSync(path.join(upper, name), '');
    fs.mkdirSync(path.join(upper, 'replaced'));
    fs.writeFileSync(path.join(upper, 'replaced/.wh..wh..opq'), '');
    stageChanges(upper, staging, xattrs([]), 'aufs');
    assert.deepEqual(fs.readdirSync(staging).sort(), ['.wh.deleted', 'kept', 'replaced']);
    assert.deepEqual(fs.readdirSync(path.join(staging, 'replaced')), ['.wh..wh..opq']);
  });

  it('with a driver\'s own rules: its deletions and opaque directories in Docker\'s format, its bookkeeping left out', (t) => {
    const upper = tempDir(t, 'upper-');
    const staging = tempDir(t, 'staging-');
    // A driver that writes `NAME.deleted` for a deletion and keeps an `.opaque` list of replaced directories.
    fs.mkdirSync(path.join(upper, 'etc/new'), { recursive: true });
    fs.writeFileSync(path.join(upper, 'etc/motd.deleted'), '');
    fs.writeFileSync(path.join(upper, 'etc/kept'), 'k');
    fs.writeFileSync(path.join(upper, '.opaque'), `${path.join(upper, 'etc/new')}\n`);
    const replaced = new Set(fs.readFileSync(path.join(upper, '.opaque'), 'utf8').trim().split('\n'));
    stageChanges(upper, staging, xattrs([]), {
      deletes: (entry) => (entry.endsWith('.deleted') ? path.basename(entry, '.deleted') : null),
      opaque: (dir) => replaced.has(dir),
      internal: (entry) => entry === path.join(upper, '.opaque'),
    });
    assert.deepEqual(fs.readdirSync(staging), ['etc']);
    assert.deepEqual(fs.readdirSync(path.join(staging, 'etc')).sort(), ['.wh.motd', 'kept', 'new']);
    assert.deepEqual(fs.readdirSync(path.join(staging, 'etc/new')), ['.wh..wh..opq']);
  });
});
