// The lab's cached base, built on the host as root from Debian's packages only: a debootstrapped
// Debian 12 root with systemd, Debian's kernel (linux-image-amd64, installed inside the root,
// never on the host) and what the tests need, as an ext4 image made with `mkfs.ext4 -d` (no loop
// mount), with the kernel and initrd copied out for qemu's -kernel/-initrd. Cached under
// <cache>/base-<hash of the recipe>: a change to the packages or the guest files builds a new one.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ENABLED, EXECUTABLE, GUEST_FILES } from './guest-files.mjs';
import { removeTree, run, sizeMiB } from './host.mjs';

export const SUITE = 'bookworm';

/**
 * systemd and the kernel, then what mydocker's tests use (see .ci/run for the host's list): gcc
 * and libc6-dev build the confinement tests' static probe (mydocker's own programs are built on
 * the host).
 */
export const PACKAGES = [
  'systemd-sysv', 'udev', 'kmod', 'linux-image-amd64', 'initramfs-tools',
  'busybox-static', 'iptables', 'iproute2', 'util-linux', 'tar', 'e2fsprogs', 'keyutils', 'libseccomp2', 'procps',
  'gcc', 'libc6-dev',
];

/** The base's files, built if missing: { image, kernel, initrd }. */
export function ensureBase({ cacheDir, mirror, log }) {
  const recipe = JSON.stringify({ SUITE, PACKAGES, GUEST_FILES, ENABLED, format: 1 });
  const dir = path.join(cacheDir, `base-${createHash('sha256').update(recipe).digest('hex').slice(0, 12)}`);
  const files = { image: path.join(dir, 'root.img'), kernel: path.join(dir, 'vmlinuz'), initrd: path.join(dir, 'initrd.img') };
  if (Object.values(files).every((f) => fs.existsSync(f))) return files;

  fs.mkdirSync(cacheDir, { recursive: true });
  const work = fs.mkdtempSync(path.join(cacheDir, 'building-'));
  const root = path.join(work, 'root');
  try {
    const started = Date.now();
    log(`lab: building the base in ${work} (debootstrap ${SUITE} from ${mirror}; a few minutes, once)`);
    // The downloaded .debs are kept: a new recipe rebuilds without downloading them again.
    const debs = path.join(cacheDir, 'debs');
    fs.mkdirSync(debs, { recursive: true });
    // Two stages: our files go in between, so that the kernel package's postinst already builds
    // the small initrd they ask for (initramfs-tools' default, MODULES=most, takes minutes).
    run('debootstrap', ['--foreign', '--variant=minbase', `--cache-dir=${debs}`, `--include=${PACKAGES.join(',')}`, SUITE, root, mirror]);
    configure(root);
    run('chroot', [root, '/debootstrap/debootstrap', '--second-stage']);
    dropDownloads(root);
    const out = path.join(work, 'out');
    fs.mkdirSync(out);
    copyBootFiles(root, out);
    // Room for the tests' state roots and images on top of the system (sparse: costs nothing unused).
    const sizeMb = sizeMiB(root) + 3072;
    run('mkfs.ext4', ['-q', '-F', '-L', 'mydocker-lab', '-d', root, path.join(out, 'root.img'), `${sizeMb}M`]);
    removeTree(root);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(out, dir);
    log(`lab: base built in ${Math.round((Date.now() - started) / 1000)} s: ${dir}`);
    return files;
  } finally {
    removeTree(work);
  }
}

/** The guest's own files (unit, fstab, hostname, initrd settings). */
function configure(root) {
  for (const [file, text] of Object.entries(GUEST_FILES)) {
    const target = path.join(root, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, text, { mode: EXECUTABLE.has(file) ? 0o755 : 0o644 });
  }
  for (const [link, target] of ENABLED) {
    fs.mkdirSync(path.dirname(path.join(root, link)), { recursive: true });
    fs.rmSync(path.join(root, link), { force: true });
    fs.symlinkSync(target, path.join(root, link));
  }
}

function dropDownloads(root) {
  fs.rmSync(path.join(root, 'var/cache/apt/archives'), { recursive: true, force: true });
  fs.mkdirSync(path.join(root, 'var/cache/apt/archives/partial'), { recursive: true });
}

/** /boot/vmlinuz-* and /boot/initrd.img-* of the root (the kernel package made the initrd). */
function copyBootFiles(root, out) {
  const boot = path.join(root, 'boot');
  const pick = (prefix) => {
    const found = fs.readdirSync(boot).filter((f) => f.startsWith(prefix)).sort();
    if (found.length === 0) throw new Error(`no ${prefix}* in ${boot}: did linux-image-amd64 install?`);
    return path.join(boot, found.at(-1));
  };
  fs.copyFileSync(pick('vmlinuz-'), path.join(out, 'vmlinuz'));
  fs.copyFileSync(pick('initrd.img-'), path.join(out, 'initrd.img'));
}
