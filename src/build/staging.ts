// The directories a build lays a layer out in, under <root>/tmp, named after the building process
// and its start time (`build-<pid>-<start time>-XXXXXX`): a build killed half-way cannot remove its
// own, and `system check` tells those of a process that is gone (a recycled pid has another start
// time) from those of a build at work. Runs in the `build` process, and in `system check`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { processStartTime } from '../container/proc-stat.js';

const STAGING = /^build-(\d+)-(\d+)-/;

/** Whether a name under <root>/tmp is a build's staging (judged by its process, not by the image lock). */
export function isBuildStaging(name: string): boolean {
  return STAGING.test(name);
}

/** A new staging directory, removed by the caller when done. */
export function makeStaging(tmp: string): string {
  fs.mkdirSync(tmp, { recursive: true, mode: 0o700 });
  return fs.mkdtempSync(path.join(tmp, `build-${process.pid}-${processStartTime(process.pid) ?? 0}-`));
}

/** The staging directories under `tmp` whose build is no longer running. */
export function orphanStagings(tmp: string, procRoot = '/proc'): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(tmp);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const match = STAGING.exec(name);
    if (!match) return [];
    return processStartTime(Number(match[1]), procRoot) === Number(match[2]) ? [] : [path.join(tmp, name)];
  });
}
