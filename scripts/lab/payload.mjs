// The lab's per-run payload disk (/dev/vdb in the guest, mounted at /lab): the project as built on
// the host (dist/ with the shim, examples/, package.json, node_modules), the host's own node binary
// (the guest is Debian 12 as the host: same libc and libstdc++), the runner script and the list of
// test files. An ext4 image made with `mkfs.ext4 -d`: no loop mount, no 9p.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, sizeMiB } from './host.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** What of the worktree is not copied (node_modules is copied from where it really is). */
const LEFT_OUT = new Set(['.git', 'node_modules', '.lab', '.vagrant']);

/** Builds <work>/payload.img for `tests` (paths relative to the project); returns its path. */
export function makePayload({ projectDir, work, tests, env }) {
  const staging = path.join(work, 'payload');
  const project = path.join(staging, 'project');
  fs.mkdirSync(project, { recursive: true });
  for (const entry of fs.readdirSync(projectDir)) {
    if (!LEFT_OUT.has(entry)) run('cp', ['-a', path.join(projectDir, entry), project]);
  }
  // node_modules may be a symlink (a worktree's to its main tree's): copy what it points to,
  // hard-linked when on the same filesystem (mkfs only reads it).
  const modules = fs.realpathSync(path.join(projectDir, 'node_modules'));
  try {
    run('cp', ['-al', modules, path.join(project, 'node_modules')]);
  } catch {
    fs.rmSync(path.join(project, 'node_modules'), { recursive: true, force: true });
    run('cp', ['-a', modules, path.join(project, 'node_modules')]);
  }
  fs.mkdirSync(path.join(staging, 'bin'));
  fs.copyFileSync(process.execPath, path.join(staging, 'bin/node'));
  fs.chmodSync(path.join(staging, 'bin/node'), 0o755);
  fs.copyFileSync(path.join(HERE, 'run-tests.sh'), path.join(staging, 'run-tests'));
  fs.chmodSync(path.join(staging, 'run-tests'), 0o755);
  fs.writeFileSync(path.join(staging, 'tests'), `${tests.join('\n')}\n`);
  // Variables for the tests, one NAME=value a line, exported by the runner.
  fs.writeFileSync(path.join(staging, 'env'), Object.entries(env).map(([k, v]) => `${k}=${v}\n`).join(''));

  const image = path.join(work, 'payload.img');
  run('mkfs.ext4', ['-q', '-F', '-L', 'lab-payload', '-d', staging, image, `${Math.ceil(sizeMiB(staging) * 1.3) + 64}M`]);
  fs.rmSync(staging, { recursive: true, force: true });
  return image;
}
