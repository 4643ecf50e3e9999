// The files the lab writes into its cached Debian root (base.mjs): a systemd unit that, once the
// guest is up, mounts the per-run payload disk (/dev/vdb, made by payload.mjs) at /lab, runs its
// `run-tests` and powers the guest off whatever happened. What changes from run to run (the
// tests, the project, the runner script) lives on the payload, so that the base stays cached.

export const GUEST_FILES = {
  'etc/hostname': 'mydocker-lab\n',
  'etc/hosts': '127.0.0.1\tlocalhost\n127.0.1.1\tmydocker-lab\n',
  'etc/fstab': '/dev/vda / ext4 rw,errors=remount-ro 0 1\n',
  // A small initrd: just what mounts the root (a virtio disk, ext4). MODULES=dep cannot work in a
  // chroot, and the default, most, makes a 30 MB initrd in minutes that TCG then unpacks slowly.
  'etc/initramfs-tools/conf.d/mydocker-lab': 'MODULES=list\n',
  'etc/initramfs-tools/hooks/mydocker-lab': [
    '#!/bin/sh',
    '[ "$1" = prereqs ] && exit 0',
    '. /usr/share/initramfs-tools/hook-functions',
    'for module in virtio_pci virtio_blk ext4; do force_load "$module"; done',
    '',
  ].join('\n'),
  'usr/local/sbin/mydocker-lab': [
    '#!/bin/sh',
    '# Started by mydocker-lab.service: the payload disk at /lab, then its runner.',
    'set -e',
    'mkdir -p /lab',
    'mount -t ext4 /dev/vdb /lab',
    'exec /lab/run-tests',
    '',
  ].join('\n'),
  'etc/systemd/system/mydocker-lab.service': [
    '[Unit]',
    'Description=mydocker lab: the tests of the payload disk, then power off',
    'After=basic.target',
    // Off at once when done: the root disk is a throwaway snapshot, nothing needs an orderly stop.
    'SuccessAction=poweroff-force',
    'FailureAction=poweroff-force',
    '',
    '[Service]',
    'Type=oneshot',
    'ExecStart=/usr/local/sbin/mydocker-lab',
    'StandardOutput=journal+console',
    'StandardError=journal+console',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n'),
};

/** Files that must be executable. */
export const EXECUTABLE = new Set(['usr/local/sbin/mydocker-lab', 'etc/initramfs-tools/hooks/mydocker-lab']);

/** systemctl enable, done by hand: a symlink in the target's wants directory. */
export const ENABLED = [['etc/systemd/system/multi-user.target.wants/mydocker-lab.service', '/etc/systemd/system/mydocker-lab.service']];

/**
 * The guest's kernel command line. Pure cgroup v2 (Debian 12's default, said explicitly);
 * mitigations off and a trusted TSC make TCG emulation 25-40 % faster; eth0 by its old name
 * for the runner's static address.
 */
export const KERNEL_ARGS = [
  'root=/dev/vda',
  'rw',
  'console=ttyS0',
  'panic=-1',
  'net.ifnames=0',
  'mitigations=off',
  'clocksource=tsc',
  'tsc=reliable',
  'systemd.unified_cgroup_hierarchy=1',
  'systemd.show_status=0',
];
