// Per-mount flags from a mountinfo table: what a read-only bind remount must carry along.
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MS } from '../../hooks/index.js';
import { mountFlags } from '../../plugins/volumes/mount-flags.js';
import { tempDir } from '../support/tmp.js';

const TABLE = [
  '22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
  '30 22 0:26 / /tmp/a rw,nosuid,nodev,noexec,noatime shared:2 - tmpfs tmpfs rw',
  '31 30 0:27 / /tmp/a rw,relatime - tmpfs tmpfs rw', // mounted on top: this one counts
  '32 22 0:28 / /tmp/with\\040space rw,nosuid,nodiratime - tmpfs tmpfs rw',
  '33 22 0:29 / /tmp/strict ro,nodev - tmpfs tmpfs rw',
  '',
].join('\n');

describe('mountFlags', () => {
  it('reads the topmost mount, decodes escapes, maps the flags a remount must keep', (t) => {
    const file = path.join(tempDir(t), 'mountinfo');
    fs.writeFileSync(file, TABLE);
    assert.equal(mountFlags('/', file), MS.RELATIME);
    assert.equal(mountFlags('/tmp/a', file), MS.RELATIME);
    assert.equal(mountFlags('/tmp/with space', file), MS.NOSUID | MS.NODIRATIME | MS.STRICTATIME);
    assert.equal(mountFlags('/tmp/strict', file), MS.NODEV | MS.STRICTATIME);
    assert.equal(mountFlags('/tmp/none', file), 0);
  });

  it('reads this process\'s own table by default', () => {
    assert.notEqual(mountFlags('/'), 0);
  });
});
