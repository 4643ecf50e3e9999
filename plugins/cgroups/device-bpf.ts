// Device control on cgroup v2, which has no devices controller: the program device-bpf-program.ts
// builds for a rule list is loaded with bpf(BPF_PROG_LOAD) and attached to the container's group
// with bpf(BPF_PROG_ATTACH). Runs in the `run` (or `start`) process, from the v2 driver's create,
// before any process joins the group. The program descriptor is closed once attached: the
// attachment keeps the program alive until the group is removed, so nothing needs undoing.
import * as fs from 'node:fs';
import type { DeviceRule, Kernel } from '../../hooks/index.js';
import { deviceProgram, encodeProgram } from './device-bpf-program.js';

// <linux/bpf.h>
const BPF_PROG_LOAD = 5;
const BPF_PROG_ATTACH = 8;
const BPF_PROG_TYPE_CGROUP_DEVICE = 15;
const BPF_CGROUP_DEVICE = 6;
const BPF_F_ALLOW_MULTI = 2;
/** Bytes of union bpf_attr passed: every field used here fits; the kernel zero-fills the rest. */
const ATTR_SIZE = 128;
const LICENSE = 'Apache';
const PROGRAM_NAME = 'mydocker_dev'; // shown by bpftool; at most 15 characters of [A-Za-z0-9_.]
const LOG_SIZE = 1 << 16;

export type BpfKernel = Pick<Kernel, 'bpf'>;

/** Loads the program for `rules` and attaches it to the cgroup v2 directory `groupDir`. */
export function attachDeviceProgram(kernel: BpfKernel, groupDir: string, rules: readonly DeviceRule[]): void {
  const program = deviceProgram(rules);
  const progFd = loadProgram(kernel, encodeProgram(program), program.length);
  try {
    // O_RDONLY | O_DIRECTORY: what BPF_PROG_ATTACH wants as target (Node adds O_CLOEXEC).
    const groupFd = fs.openSync(groupDir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    try {
      const attr = Buffer.alloc(ATTR_SIZE);
      attr.writeUInt32LE(groupFd, 0); // target_fd
      attr.writeUInt32LE(progFd, 4); // attach_bpf_fd
      attr.writeUInt32LE(BPF_CGROUP_DEVICE, 8); // attach_type
      // Other programs may sit on the same group or its ancestors (systemd's): with MULTI they all
      // run, and a device is allowed only when every one of them allows it.
      attr.writeUInt32LE(BPF_F_ALLOW_MULTI, 12); // attach_flags
      kernel.bpf(BPF_PROG_ATTACH, attr);
    } finally {
      fs.closeSync(groupFd);
    }
  } finally {
    fs.closeSync(progFd);
  }
}

function loadProgram(kernel: BpfKernel, insns: Buffer, count: number): number {
  const attr = (logLevel: number): Buffer => {
    const a = Buffer.alloc(ATTR_SIZE);
    a.writeUInt32LE(BPF_PROG_TYPE_CGROUP_DEVICE, 0); // prog_type
    a.writeUInt32LE(count, 4); // insn_cnt; insns (8) and license (16) are pointers, filled in by bpf()
    a.writeUInt32LE(logLevel, 24); // log_level
    a.writeUInt32LE(logLevel > 0 ? LOG_SIZE : 0, 28); // log_size; log_buf (32) is a pointer
    a.write(PROGRAM_NAME, 48, 15, 'latin1'); // prog_name[16]
    return a;
  };
  const pointers = [
    { offset: 8, data: insns },
    { offset: 16, data: Buffer.from(`${LICENSE}\0`, 'latin1') },
  ];
  try {
    return kernel.bpf(BPF_PROG_LOAD, attr(0), pointers);
  } catch (error) {
    // Load again with the verifier's log, only to say why: a refusal here is a bug of ours.
    const log = Buffer.alloc(LOG_SIZE);
    try {
      const fd = kernel.bpf(BPF_PROG_LOAD, attr(1), [...pointers, { offset: 32, data: log }]);
      return fd; // Loaded the second time: keep it.
    } catch {
      const text = log.toString('latin1', 0, Math.max(0, log.indexOf(0))).trim().split('\n').slice(-3).join(' / ');
      throw new Error(`cannot load the device program: ${(error as Error).message}${text ? `; the verifier says: ${text}` : ''}`, { cause: error });
    }
  }
}
