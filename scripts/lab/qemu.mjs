// Boots the lab's guest with qemu-system-x86_64 and waits for it to power off, or kills it at the
// deadline. KVM when it can run a stock kernel, else TCG (software emulation, 10-25x slower). The
// root disk is the cached base with snapshot=on: writes go to a temporary file in `work`, so every
// run starts from the same clean base. The first serial port (the guest's console) goes to a log
// file; the second, where the runner writes TAP, is qemu's stdout, handed to `onOutput` as it comes.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { KERNEL_ARGS } from './guest-files.mjs';

/**
 * `kvm` or `tcg`: MYDOCKER_LAB_ACCEL when set; TCG when there is no usable /dev/kvm or it is PVM
 * (kvm_pvm runs only PVM guest kernels, and Debian's is not one).
 */
export function accelerator(env = process.env) {
  if (env.MYDOCKER_LAB_ACCEL) return env.MYDOCKER_LAB_ACCEL;
  if (fs.existsSync('/sys/module/kvm_pvm')) return 'tcg';
  try {
    fs.accessSync('/dev/kvm', fs.constants.R_OK | fs.constants.W_OK);
    return 'kvm';
  } catch {
    return 'tcg';
  }
}

export function qemuArgs({ base, payload, consoleLog, accel, cpus, memoryMiB }) {
  return [
    '-nodefaults', '-no-user-config', '-display', 'none', '-monitor', 'none', '-no-reboot',
    ...(accel === 'kvm' ? ['-accel', 'kvm', '-cpu', 'host'] : ['-accel', 'tcg,thread=multi', '-cpu', 'max']),
    '-smp', String(cpus), '-m', String(memoryMiB),
    '-kernel', base.kernel, '-initrd', base.initrd, '-append', KERNEL_ARGS.join(' '),
    '-drive', `file=${base.image},format=raw,if=virtio,snapshot=on`,
    '-drive', `file=${payload},format=raw,if=virtio`,
    // A network card whose user-mode network reaches nothing (restrict=on): no traffic leaves.
    '-nic', 'user,model=virtio-net-pci,restrict=on',
    '-serial', `file:${consoleLog}`,
    '-serial', 'stdio',
  ];
}

/**
 * Runs qemu until the guest powers off or `timeoutMs` passes (then it is killed). Resolves with
 * { timedOut, code }. `stop()` on the returned controller kills it at once (the lab's SIGINT).
 */
export function boot({ work, onOutput, timeoutMs, ...options }) {
  const child = spawn('qemu-system-x86_64', qemuArgs(options), {
    stdio: ['ignore', 'pipe', 'pipe'],
    // snapshot=on's temporary file goes here, and with the run's directory when it is removed.
    env: { ...process.env, TMPDIR: work },
  });
  let stderr = '';
  child.stdout.on('data', (chunk) => onOutput(chunk.toString('utf8').replace(/\r/g, '')));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const done = new Promise((resolve, reject) => {
    child.on('error', (error) => reject(new Error(`cannot start qemu-system-x86_64: ${error.message} (apt-get install qemu-system-x86)`)));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ timedOut, code: code ?? signal, stderr });
    });
  });
  return { done, stop: () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL') };
}
