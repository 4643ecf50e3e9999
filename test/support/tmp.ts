// A fresh temporary directory per test, removed when the test ends (pass or fail), also when a test
// left read-only directories in it: root removes those anyway, another user (the unit tests run
// without root) must first give its directories back their write bit.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

interface Cleanup {
  after(fn: () => void): void;
}

export function tempDir(t: Cleanup, prefix = 'mydocker-unit-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => removeTree(dir));
  return dir;
}

function removeTree(dir: string): void {
  if (process.getuid?.() !== 0) makeWritable(dir);
  fs.rmSync(dir, { recursive: true, force: true });
}

function makeWritable(dir: string): void {
  try {
    fs.chmodSync(dir, 0o700);
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) makeWritable(path.join(dir, entry.name));
    }
  } catch {
    // Not ours, or gone: rmSync reports what it cannot remove.
  }
}
