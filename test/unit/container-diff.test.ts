// `diff` on a made-up container layer and image layers (deletions written as aufs-style .wh. names,
// which need no device nodes and so no root).
import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { containerDiff } from '../../src/image/container-diff.js';
import type { WhiteoutRules } from '../../hooks/index.js';

const rules: WhiteoutRules = {
  deletes: (entry) => (path.basename(entry).startsWith('.wh.') ? path.basename(entry).slice(4) : null),
  opaque: () => false,
};

function tree(root: string, files: Record<string, string | null>): void {
  for (const [rel, content] of Object.entries(files)) {
    const at = path.join(root, rel);
    if (content === null) fs.mkdirSync(at, { recursive: true });
    else {
      fs.mkdirSync(path.dirname(at), { recursive: true });
      fs.writeFileSync(at, content);
    }
  }
}

describe('container diff', () => {
  it('lists added, changed and deleted paths in order, a new directory\'s contents as added, not the runtime\'s files', (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const base = path.join(dir, 'base');
    const top = path.join(dir, 'top');
    const upper = path.join(dir, 'upper');
    tree(base, { 'etc/passwd': 'root', 'etc/motd': 'hi', 'bin/sh': 'x', 'var/lib': null });
    tree(top, { 'etc/group': 'root' });
    tree(upper, { 'var/lib': null, 'etc/passwd': 'root\nme', 'etc/.wh.motd': '', 'etc/group': 'changed', 'etc/hosts': '', 'data/sub/x': '1', 'var/lib/new': '2', 'tmp/.wh.never': '' });
    assert.deepEqual(containerDiff(upper, [top, base], rules), [
      { kind: 'A', path: '/data' },
      { kind: 'A', path: '/data/sub' },
      { kind: 'A', path: '/data/sub/x' },
      { kind: 'C', path: '/etc' },
      { kind: 'C', path: '/etc/group' },
      { kind: 'D', path: '/etc/motd' },
      { kind: 'C', path: '/etc/passwd' },
      { kind: 'A', path: '/tmp' },
      { kind: 'C', path: '/var' },
      { kind: 'C', path: '/var/lib' },
      { kind: 'A', path: '/var/lib/new' },
    ]);
  });

  it('leaves out a directory copied up only for the runtime\'s mount points (/etc), keeps an empty changed one', (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    tree(path.join(dir, 'base'), { 'etc/passwd': 'root', 'srv': null });
    tree(path.join(dir, 'upper'), { 'etc/hosts': '', 'etc/hostname': '', srv: null });
    assert.deepEqual(containerDiff(path.join(dir, 'upper'), [path.join(dir, 'base')], rules), [{ kind: 'C', path: '/srv' }]);
  });
});
