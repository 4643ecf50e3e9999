// Builds the default image, `busybox`, from the host's static busybox (Debian/Ubuntu package
// busybox-static): a root with /bin/busybox, a relative link per applet, /etc/passwd and /etc/group.
// No registry needed. The tree is packed with tar and imported like any other rootfs tarball, so the
// image goes through the same (safe, content-addressed) path as a user's import.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { MydockerError } from '../errors.js';
import type { StateRoot } from '../state-root.js';
import type { ImageConfig, ImageRecord, ImageStore } from './store.js';
import { DEFAULT_PATH } from '../container/env.js';

export const BUSYBOX_IMAGE = 'busybox:latest';
const HOST_BUSYBOX = '/bin/busybox';
const INSTALL_HINT = 'install it with: apt-get install busybox-static';

export const BUSYBOX_CONFIG: ImageConfig = { Env: [`PATH=${DEFAULT_PATH}`], Cmd: ['sh'] };

export async function buildBusyboxImage(root: StateRoot, images: ImageStore, busybox = HOST_BUSYBOX): Promise<ImageRecord> {
  return images.atWork(() => build(root, images, busybox));
}

async function build(root: StateRoot, images: ImageStore, busybox: string): Promise<ImageRecord> {
  if (!fs.existsSync(busybox)) {
    throw new MydockerError(`image "busybox" is not in the store and ${busybox} does not exist`, { hint: INSTALL_HINT });
  }
  if (!isStaticElf(busybox)) {
    throw new MydockerError(`${busybox} is dynamically linked and cannot run inside a container`, { hint: INSTALL_HINT });
  }
  fs.mkdirSync(root.tmp, { recursive: true, mode: 0o700 });
  const staging = fs.mkdtempSync(path.join(root.tmp, 'busybox-'));
  try {
    populate(staging, busybox);
    // GNU tar, in name order, with fixed owners and mtimes and plain ustar headers (no atime or
    // ctime): the same busybox always gives the same layer digest. Not node-tar: its portable mode,
    // the one without times, masks group and other write bits, which turned /tmp's 1777 into 1755.
    const tar = spawn('tar', ['-C', staging, '--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0', '--format=ustar', '-cf', '-', '.'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    tar.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => {
      tar.on('error', () => resolve(null));
      tar.on('close', (code) => resolve(code));
    });
    const imported = images.importTar(tar.stdout as never, false, BUSYBOX_IMAGE, BUSYBOX_CONFIG, `mydocker: busybox from ${busybox}`);
    const [image, code] = await Promise.all([imported.catch((error: unknown) => error), exited]);
    if (code !== 0) {
      if (!(image instanceof Error)) images.remove(BUSYBOX_IMAGE, { force: true, usedBy: [] });
      throw new MydockerError(`packing the busybox image failed: ${stderr.trim().split('\n')[0] || 'tar could not run'}`, { hint: 'install GNU tar (apt-get install tar)' });
    }
    if (image instanceof Error) throw image;
    return image as ImageRecord;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

export function populate(dir: string, busybox: string = HOST_BUSYBOX): void {
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'root', 'tmp', 'var/tmp', 'home', 'proc', 'sys', 'dev']) {
    fs.mkdirSync(path.join(dir, d), { recursive: true, mode: 0o755 });
  }
  fs.chmodSync(path.join(dir, 'root'), 0o700);
  fs.chmodSync(path.join(dir, 'tmp'), 0o1777);
  fs.chmodSync(path.join(dir, 'var/tmp'), 0o1777);
  fs.copyFileSync(busybox, path.join(dir, 'bin/busybox'));
  fs.chmodSync(path.join(dir, 'bin/busybox'), 0o755);

  const applets = execFileSync(busybox, ['--list-full'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const applet of applets) {
    if (applet === 'bin/busybox' || applet.includes('..')) continue;
    const link = path.join(dir, applet);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    if (!fs.existsSync(link)) fs.symlinkSync(path.relative(path.dirname(link), path.join(dir, 'bin/busybox')), link);
  }
  fs.writeFileSync(path.join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  fs.writeFileSync(path.join(dir, 'etc/group'), 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n');
}

/** An ELF executable without a PT_INTERP program header needs no dynamic loader. */
export function isStaticElf(file: string): boolean {
  const buf = fs.readFileSync(file);
  if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46 || buf[4] !== 2) return false; // ELF64 only
  const phoff = Number(buf.readBigUInt64LE(0x20));
  const phentsize = buf.readUInt16LE(0x36);
  const phnum = buf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) {
    const off = phoff + i * phentsize;
    if (off + 4 > buf.length) return false;
    if (buf.readUInt32LE(off) === 3 /* PT_INTERP */) return false;
  }
  return true;
}
