// Busybox images for containerd without a registry: mydocker's own busybox image (built from the
// host's /bin/busybox in a throwaway world), written by `mydocker save` as a docker archive, which
// `ctr images import` reads as it is; and a variant of it whose config sets Env and WorkingDir, for
// checking that what containerd takes from an image reaches the container's process.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import * as assert from 'node:assert/strict';
import { NODE_ARGS, World } from './world.js';

export interface ImageArchive {
  file: string;
  /** The reference `ctr images import` gives it (ctr normalises docker archive tags). */
  ref: string;
}

export interface BusyboxArchives {
  plain: ImageArchive;
  /** The same layer, with `env` added to the image's Env and `workingDir` as its WorkingDir. */
  configured: ImageArchive & { env: string; workingDir: string };
}

/** Writes both archives into `dir`. */
export function busyboxArchives(dir: string): BusyboxArchives {
  const plainFile = path.join(dir, 'busybox.tar');
  const w = new World('ctrd-image');
  try {
    assert.equal(w.run(['run', '--rm', 'busybox', 'true']).status, 0, 'building the busybox image');
    const saved = spawnSync(process.execPath, [...NODE_ARGS, 'save', '-o', plainFile, 'busybox'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, MYDOCKER_ROOT: w.root, MYDOCKER_CGROUP_PARENT: w.cgroupParent },
    });
    assert.equal(saved.status, 0, `mydocker save: ${saved.stderr}`);
  } finally {
    w.cleanup();
  }
  const env = 'GREETING=hello-from-the-image';
  const workingDir = '/var/tmp';
  const configuredFile = path.join(dir, 'busybox-configured.tar');
  withConfig(plainFile, configuredFile, 'mydocker.test/busybox:configured', (config) => {
    config.config.Env = [...(config.config.Env ?? []), env];
    config.config.WorkingDir = workingDir;
  });
  return {
    plain: { file: plainFile, ref: 'docker.io/library/busybox:latest' },
    configured: { file: configuredFile, ref: 'mydocker.test/busybox:configured', env, workingDir },
  };
}

/**
 * Copies a one-image docker archive with its config changed by `edit` and tagged `tag`: the config
 * is stored under its new digest, as in an archive `docker save` writes.
 */
function withConfig(from: string, to: string, tag: string, edit: (config: any) => void): void {
  const work = fs.mkdtempSync(`${to}.d-`);
  try {
    execFileSync('tar', ['-xf', from, '-C', work]);
    const manifest = JSON.parse(fs.readFileSync(path.join(work, 'manifest.json'), 'utf8'));
    const entry = manifest[0];
    const config = JSON.parse(fs.readFileSync(path.join(work, entry.Config), 'utf8'));
    edit(config);
    const text = JSON.stringify(config);
    const name = `${crypto.createHash('sha256').update(text).digest('hex')}.json`;
    fs.rmSync(path.join(work, entry.Config));
    fs.writeFileSync(path.join(work, name), text);
    entry.Config = name;
    entry.RepoTags = [tag];
    fs.writeFileSync(path.join(work, 'manifest.json'), JSON.stringify(manifest));
    // Entries by name (no leading ./), as docker writes them: the importer looks manifest.json up by name.
    execFileSync('tar', ['-cf', to, '-C', work, 'manifest.json', name, ...entry.Layers.map((layer: string) => path.dirname(layer))]);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
