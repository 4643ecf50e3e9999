// `system check`'s part for the image store: what an image command (import, commit, load, pull, save,
// the busybox build) killed half-way leaves. Called only under the store's lock taken exclusive
// (image-lock.ts), so no image command is at work and none of this can be in use:
// - staging directories: `<root>/tmp/*` (commit-, load-, save-, busybox-: every entry of tmp but the
//   container removals, which are the containers' part) and `<root>/layers/.import-*`;
// - layers no image record has: a layer is moved into place before the record that names it is
//   written (an image never names a missing layer), so a kill in between leaves it to nobody. None
//   is judged while some record cannot be read: its layers are not known;
// - temporary files of atomic writes in `<root>/images` whose writer is dead (`tag` and `rmi` write
//   repositories.json without the store's lock: a live writer's file is left alone).
// An image record without a name is not one of them: it is an image (Docker's dangling `<none>`),
// `images` lists it and `rmi ID` removes it.
import { isBuildStaging } from '../build/staging.js';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REMOVING_PREFIX } from '../container/store.js';
import { ImageStore, LAYER_STAGING_PREFIX } from '../image/store.js';
import type { StateRoot } from '../state-root.js';
import type { Finding } from './system-check.js';

const DIGEST = /^[0-9a-f]{64}$/;
/** hooks/atomic-file.ts names its temporary file `<file>.tmp-<pid>-<random>`. */
const TEMPORARY = /\.tmp-(\d+)-[0-9a-z]*$/;

export function imageFindings(root: StateRoot): Finding[] {
  const findings: Finding[] = [];
  const remove = (where: string) => async (): Promise<void> => fs.rmSync(where, { recursive: true, force: true });
  for (const entry of list(root.tmp)) {
    // A removal's own directory, and builds' staging, which system-check.ts judges by their process.
    if (entry.startsWith(REMOVING_PREFIX) || isBuildStaging(entry)) continue;
    const where = path.join(root.tmp, entry);
    findings.push({ kind: 'staging', what: entry, where, why: 'left by an image command killed half-way', fix: remove(where) });
  }
  const used = new ImageStore(root).layersInUse();
  for (const entry of list(root.layers)) {
    const where = path.join(root.layers, entry);
    if (entry.startsWith(LAYER_STAGING_PREFIX)) {
      findings.push({ kind: 'staging', what: entry, where, why: 'a layer whose extraction was killed half-way', fix: remove(where) });
    } else if (used !== null && DIGEST.test(entry) && !used.has(`sha256:${entry}`)) {
      findings.push({ kind: 'layer', what: `sha256:${entry.slice(0, 12)}`, where, why: 'no image has it', fix: remove(where) });
    }
  }
  for (const entry of list(root.images)) {
    const pid = TEMPORARY.exec(entry)?.[1];
    if (pid === undefined || alive(Number(pid))) continue;
    const where = path.join(root.images, entry);
    findings.push({ kind: 'temporary file', what: entry, where, why: `its writer (process ${pid}) is gone`, fix: remove(where) });
  }
  return findings;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function list(dir: string): string[] {
  try {
    return fs.readdirSync(dir).sort();
  } catch {
    return [];
  }
}
