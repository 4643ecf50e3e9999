// The cgroup v2 device program for a rule list: eBPF of type BPF_PROG_TYPE_CGROUP_DEVICE, which
// the kernel runs on every open and mknod of a device node by a process of the group, and which
// returns 1 to allow, 0 to refuse (EPERM). Pure code, run by the cgroups plugin in the `run`
// process; device-bpf.ts loads and attaches what this builds. Written after runc's
// libcontainer/cgroups/devices/devicefilter.go and crun's ebpf.c: a header loads the request into
// registers, then one block per rule jumps to the next block when the request does not match and
// returns the rule's verdict when it does; the last block returns the default.
import type { DeviceRule } from '../../hooks/index.js';

/** One eBPF instruction (struct bpf_insn). */
export interface BpfInsn {
  readonly code: number;
  readonly dst: number;
  readonly src: number;
  readonly off: number;
  readonly imm: number;
}

// Opcodes, from <linux/bpf_common.h> and <linux/bpf.h>: class | operation | source.
const LDX_MEM_W = 0x61; // BPF_LDX | BPF_MEM | BPF_W: dst = *(u32 *)(src + off)
const ALU32_AND_K = 0x54; // BPF_ALU | BPF_AND | BPF_K: w_dst &= imm
const ALU32_RSH_K = 0x74; // BPF_ALU | BPF_RSH | BPF_K: w_dst >>= imm
const ALU32_MOV_K = 0xb4; // BPF_ALU | BPF_MOV | BPF_K: w_dst = imm
const ALU32_MOV_X = 0xbc; // BPF_ALU | BPF_MOV | BPF_X: w_dst = w_src
const JEQ_K = 0x15; // BPF_JMP | BPF_JEQ | BPF_K: if dst == imm goto pc + 1 + off
const JNE_K = 0x55; // BPF_JMP | BPF_JNE | BPF_K
const JNE_X = 0x5d; // BPF_JMP | BPF_JNE | BPF_X: if dst != src goto ...
const EXIT = 0x95; // BPF_JMP | BPF_EXIT: return r0

// struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; }, where access_type is
// (BPF_DEVCG_ACC_* << 16) | BPF_DEVCG_DEV_*.
const DEV_BLOCK = 1;
const DEV_CHAR = 2;
const ACC = { m: 1, r: 2, w: 4 } as const;
const ACC_ALL = ACC.m | ACC.r | ACC.w;

// Registers: r1 the context on entry (then scratch), r2 device type, r3 access asked for,
// r4 major, r5 minor, r0 the verdict.
const R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5;

const insn = (code: number, dst: number, src: number, off: number, imm: number): BpfInsn => ({ code, dst, src, off, imm });

/**
 * The program enforcing `rules` with the devices cgroup's (v1) meaning, so that a container is
 * confined the same on either version:
 * - a type-'a' rule (whatever its numbers and access, as the v1 kernel reads "a") resets the list:
 *   the default becomes its verdict; no rule at all means deny;
 * - other rules are exceptions to the default. One that goes the default's way only takes access
 *   back from an exception of exactly the same device (v1 cannot punch a hole in a wildcard);
 * - an allow exception matches a request whose access it wholly covers; a deny exception matches a
 *   request that asks for any of its access.
 */
export function deviceProgram(rules: readonly DeviceRule[]): BpfInsn[] {
  const { defaultAllow, exceptions } = effectiveRules(rules);
  const out: BpfInsn[] = [
    insn(LDX_MEM_W, R2, R1, 0, 0),
    insn(ALU32_AND_K, R2, 0, 0, 0xffff),
    insn(LDX_MEM_W, R3, R1, 0, 0),
    insn(ALU32_RSH_K, R3, 0, 0, 16),
    insn(LDX_MEM_W, R4, R1, 4, 0),
    insn(LDX_MEM_W, R5, R1, 8, 0),
  ];
  for (const rule of exceptions) {
    // Jumps are written with the index of the block's end; offsets are fixed once it is known.
    const block: Array<BpfInsn & { toNext?: boolean }> = [];
    const skip = (code: number, dst: number, src: number, imm: number): void => {
      block.push({ ...insn(code, dst, src, 0, imm), toNext: true });
    };
    skip(JNE_K, R2, 0, rule.type === 'c' ? DEV_CHAR : DEV_BLOCK);
    const access = accessBits(rule.access);
    if (rule.allow && access !== ACC_ALL) {
      // Asked-for access outside the rule's: (r3 & access) != r3.
      block.push(insn(ALU32_MOV_X, R1, R3, 0, 0), insn(ALU32_AND_K, R1, 0, 0, access));
      skip(JNE_X, R1, R3, 0);
    } else if (!rule.allow && access !== ACC_ALL) {
      // None of the rule's access asked for: (r3 & access) == 0.
      block.push(insn(ALU32_MOV_X, R1, R3, 0, 0), insn(ALU32_AND_K, R1, 0, 0, access));
      skip(JEQ_K, R1, 0, 0);
    }
    if (rule.major !== null) skip(JNE_K, R4, 0, rule.major);
    if (rule.minor !== null) skip(JNE_K, R5, 0, rule.minor);
    block.push(insn(ALU32_MOV_K, R0, 0, 0, rule.allow ? 1 : 0), insn(EXIT, 0, 0, 0, 0));
    block.forEach((i, at) => out.push(i.toNext ? insn(i.code, i.dst, i.src, block.length - at - 1, i.imm) : insn(i.code, i.dst, i.src, i.off, i.imm)));
  }
  out.push(insn(ALU32_MOV_K, R0, 0, 0, defaultAllow ? 1 : 0), insn(EXIT, 0, 0, 0, 0));
  return out;
}

/** The default verdict and the exceptions to it that remain after applying `rules` in order. */
export function effectiveRules(rules: readonly DeviceRule[]): { defaultAllow: boolean; exceptions: DeviceRule[] } {
  let defaultAllow = false;
  let exceptions: DeviceRule[] = [];
  const sameDevice = (a: DeviceRule, b: DeviceRule): boolean => a.type === b.type && a.major === b.major && a.minor === b.minor;
  for (const rule of rules) {
    checkRule(rule);
    if (rule.type === 'a') {
      defaultAllow = rule.allow;
      exceptions = [];
      continue;
    }
    const bits = accessBits(rule.access);
    const existing = exceptions.findIndex((e) => sameDevice(e, rule));
    if (rule.allow !== defaultAllow) {
      // A new exception, merged with an earlier one of the same device (as the v1 kernel does).
      const merged = existing < 0 ? bits : bits | accessBits(exceptions[existing]!.access);
      if (existing >= 0) exceptions.splice(existing, 1);
      exceptions.push({ ...rule, access: accessString(merged) });
    } else if (existing >= 0) {
      const left = accessBits(exceptions[existing]!.access) & ~bits;
      if (left === 0) exceptions.splice(existing, 1);
      else exceptions[existing] = { ...exceptions[existing]!, access: accessString(left) };
    }
  }
  return { defaultAllow, exceptions };
}

/** struct bpf_insn as the kernel reads it: code, dst_reg:4 | src_reg:4, s16 off, s32 imm. */
export function encodeProgram(program: readonly BpfInsn[]): Buffer {
  const out = Buffer.alloc(program.length * 8);
  program.forEach((i, n) => {
    out.writeUInt8(i.code, n * 8);
    out.writeUInt8((i.src << 4) | i.dst, n * 8 + 1);
    out.writeInt16LE(i.off, n * 8 + 2);
    out.writeInt32LE(i.imm, n * 8 + 4);
  });
  return out;
}

/** One instruction in bpftool's notation ("if r2 != 0x2 goto pc+4"), for tests and error reports. */
export function describeInsn(i: BpfInsn): string {
  const jump = `goto pc${i.off >= 0 ? '+' : ''}${i.off}`;
  switch (i.code) {
    case LDX_MEM_W: return `r${i.dst} = *(u32 *)(r${i.src} +${i.off})`;
    case ALU32_AND_K: return `w${i.dst} &= ${hex(i.imm)}`;
    case ALU32_RSH_K: return `w${i.dst} >>= ${i.imm}`;
    case ALU32_MOV_K: return `w${i.dst} = ${i.imm}`;
    case ALU32_MOV_X: return `w${i.dst} = w${i.src}`;
    case JEQ_K: return `if r${i.dst} == ${hex(i.imm)} ${jump}`;
    case JNE_K: return `if r${i.dst} != ${hex(i.imm)} ${jump}`;
    case JNE_X: return `if r${i.dst} != r${i.src} ${jump}`;
    case EXIT: return 'exit';
    default: return `(${hex(i.code)}) dst r${i.dst} src r${i.src} off ${i.off} imm ${i.imm}`;
  }
}

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}

function accessBits(access: string): number {
  let bits = 0;
  for (const c of access) bits |= ACC[c as keyof typeof ACC];
  return bits;
}

function accessString(bits: number): string {
  return (['r', 'w', 'm'] as const).filter((c) => bits & ACC[c]).join('');
}

function checkRule(rule: DeviceRule): void {
  const what = `device rule ${JSON.stringify(rule)}`;
  if (!['a', 'b', 'c'].includes(rule.type)) throw new Error(`${what}: the type must be a, b or c`);
  if (rule.access === '' || !/^[rwm]+$/.test(rule.access)) throw new Error(`${what}: access must be a non-empty subset of "rwm"`);
  for (const n of [rule.major, rule.minor]) {
    // Compared with a sign-extended 32-bit immediate: keep to what a dev_t can hold anyway.
    if (n !== null && !(Number.isInteger(n) && n >= 0 && n < 2 ** 31)) throw new Error(`${what}: major and minor must be integers from 0 to 2^31-1, or null`);
  }
}
