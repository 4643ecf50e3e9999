// A fresh temporary directory per test, removed when the test ends (pass or fail).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

interface Cleanup {
  after(fn: () => void): void;
}

export function tempDir(t: Cleanup, prefix = 'mydocker-unit-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}
