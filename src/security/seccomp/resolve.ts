// From a profile to the rules libseccomp is given, for one container: Docker's selection (moby's
// profiles/seccomp setupSeccomp: archMap, includes/excludes by capability, arch and kernel) and
// runc's translation (actions and operators to libseccomp's numbers, redundant rules dropped, one
// rule per comparison when two compare the same argument). Pure: runs in the runtime process, and
// in tests, without libseccomp.
import { capabilityName, kernelVersion } from './store.js';
export { capabilityName, kernelVersion } from './store.js';
import type { SeccompAction, SeccompArch, SeccompOp, SeccompProfile, SeccompSyscall } from './profile.js';

// libseccomp's action values (<seccomp.h>); ERRNO and TRACE carry 16 bits of data.
const SCMP_ACT_KILL_PROCESS = 0x80000000;
const SCMP_ACT_KILL_THREAD = 0x00000000;
const SCMP_ACT_TRAP = 0x00030000;
const SCMP_ACT_ERRNO = (errno: number): number => (0x00050000 | (errno & 0xffff)) >>> 0;
const SCMP_ACT_TRACE = (msg: number): number => (0x7ff00000 | (msg & 0xffff)) >>> 0;
const SCMP_ACT_LOG = 0x7ffc0000;
const SCMP_ACT_ALLOW = 0x7fff0000;
const EPERM = 1;

// enum scmp_compare.
const OPS: Record<SeccompOp, number> = {
  SCMP_CMP_NE: 1,
  SCMP_CMP_LT: 2,
  SCMP_CMP_LE: 3,
  SCMP_CMP_EQ: 4,
  SCMP_CMP_GE: 5,
  SCMP_CMP_GT: 6,
  SCMP_CMP_MASKED_EQ: 7,
};

/** One comparison, as struct scmp_arg_cmp. */
export interface ArgComparison {
  readonly arg: number;
  readonly op: number;
  readonly datumA: bigint;
  readonly datumB: bigint;
}

export interface ResolvedRule {
  readonly syscall: string;
  readonly action: number;
  readonly args: readonly ArgComparison[];
}

export interface ResolvedSeccomp {
  readonly defaultAction: number;
  /** libseccomp's names of the architectures besides the native one (e.g. "x86", "x32"). */
  readonly architectures: readonly string[];
  readonly rules: readonly ResolvedRule[];
}

export interface SeccompOptions {
  /** Bounding capabilities of the container, without the CAP_ prefix: 'CHOWN', 'SYS_ADMIN'. */
  readonly capabilities: readonly string[];
  /** Node's process.arch; the running one by default. */
  readonly arch?: string;
  /** [major, minor] of the kernel; the running one by default. */
  readonly kernel?: readonly [number, number];
}

// Node's process.arch → Docker's name for it (what `includes.arches` lists) and its archMap key.
const ARCHES: Record<string, readonly [docker: string, seccomp: SeccompArch]> = {
  x64: ['amd64', 'SCMP_ARCH_X86_64'],
  ia32: ['x86', 'SCMP_ARCH_X86'],
  arm64: ['arm64', 'SCMP_ARCH_AARCH64'],
  arm: ['arm', 'SCMP_ARCH_ARM'],
  s390x: ['s390x', 'SCMP_ARCH_S390X'],
  s390: ['s390', 'SCMP_ARCH_S390'],
  ppc64: ['ppc64le', 'SCMP_ARCH_PPC64LE'], // Node runs on little-endian ppc64 only
  ppc: ['ppc', 'SCMP_ARCH_PPC'],
  riscv64: ['riscv64', 'SCMP_ARCH_RISCV64'],
  loong64: ['loongarch64', 'SCMP_ARCH_LOONGARCH64'],
  mips64el: ['mipsel64', 'SCMP_ARCH_MIPSEL64'],
  mipsel: ['mipsel', 'SCMP_ARCH_MIPSEL'],
  mips: ['mips', 'SCMP_ARCH_MIPS'],
};

/** libseccomp's name of an architecture: SCMP_ARCH_X86_64 → x86_64. */
export function libseccompArchName(arch: SeccompArch): string {
  return arch.slice('SCMP_ARCH_'.length).toLowerCase();
}

/** [major, minor] of a kernel release such as "6.18.44-fc-v1045" or "3.12-1-amd64". */

/** libseccomp's value of a profile's action (errnoRet: EPERM when not given, as runc). */
export function actionValue(action: SeccompAction, errnoRet: number | undefined): number {
  switch (action) {
    case 'SCMP_ACT_KILL':
    case 'SCMP_ACT_KILL_THREAD':
      return SCMP_ACT_KILL_THREAD;
    case 'SCMP_ACT_KILL_PROCESS':
      return SCMP_ACT_KILL_PROCESS;
    case 'SCMP_ACT_TRAP':
      return SCMP_ACT_TRAP;
    case 'SCMP_ACT_ERRNO':
      return SCMP_ACT_ERRNO(errnoRet ?? EPERM);
    case 'SCMP_ACT_TRACE':
      return SCMP_ACT_TRACE(errnoRet ?? EPERM);
    case 'SCMP_ACT_LOG':
      return SCMP_ACT_LOG;
    case 'SCMP_ACT_ALLOW':
      return SCMP_ACT_ALLOW;
  }
}

export function resolveSeccomp(profile: SeccompProfile, opts: SeccompOptions): ResolvedSeccomp {
  const arch = opts.arch ?? process.arch;
  const [dockerArch, seccompArch] = ARCHES[arch] ?? [arch, undefined];
  const kernel = opts.kernel ?? kernelVersion();
  const caps = new Set(opts.capabilities.map(capabilityName));

  let arches: SeccompArch[] = profile.architectures ?? [];
  const mapped = profile.archMap?.find((entry) => entry.architecture === seccompArch);
  if (mapped) arches = [mapped.architecture, ...(mapped.subArchitectures ?? [])];
  // The native architecture is in every filter already (seccomp_init); the profile adds the rest.
  const architectures = [...new Set(arches.filter((a) => a !== seccompArch).map(libseccompArchName))];

  const defaultAction = actionValue(profile.defaultAction, profile.defaultErrnoRet);
  const rules: ResolvedRule[] = [];
  for (const call of profile.syscalls ?? []) {
    if (!applies(call, { dockerArch, caps, kernel })) continue;
    const action = actionValue(call.action, call.errnoRet);
    if (action === defaultAction) continue; // libseccomp refuses a rule that changes nothing
    const comparisons = (call.args ?? []).map(
      (a): ArgComparison => ({ arg: a.index, op: OPS[a.op], datumA: BigInt(a.value), datumB: BigInt(a.valueTwo ?? 0) }),
    );
    // libseccomp takes one comparison per argument in a rule: when two compare the same argument,
    // each becomes a rule of its own (runc's "old behavior": the comparisons are then OR-ed).
    const shareAnArg = new Set(comparisons.map((c) => c.arg)).size < comparisons.length;
    const groups = shareAnArg ? comparisons.map((c) => [c]) : [comparisons];
    for (const name of call.names ?? (call.name ? [call.name] : [])) {
      for (const args of groups) rules.push({ syscall: name, action, args });
    }
  }
  return { defaultAction, architectures, rules };
}

interface Host {
  dockerArch: string;
  caps: Set<string>;
  kernel: readonly [number, number];
}

// moby's rules: an exclude by arch or kernel, or by ANY listed capability, drops the rule; an
// include needs the arch, ALL listed capabilities, and the kernel.
function applies(call: SeccompSyscall, host: Host): boolean {
  const ex = call.excludes;
  if (ex) {
    if (ex.arches?.includes(host.dockerArch)) return false;
    if (ex.caps?.some((c) => host.caps.has(capabilityName(c)))) return false;
    if (ex.minKernel && kernelAtLeast(host.kernel, ex.minKernel)) return false;
  }
  const inc = call.includes;
  if (inc) {
    if (inc.arches?.length && !inc.arches.includes(host.dockerArch)) return false;
    if (inc.caps?.some((c) => !host.caps.has(capabilityName(c)))) return false;
    if (inc.minKernel && !kernelAtLeast(host.kernel, inc.minKernel)) return false;
  }
  return true;
}

function kernelAtLeast([major, minor]: readonly [number, number], wanted: string): boolean {
  const [wantMajor, wantMinor] = kernelVersion(wanted);
  return major > wantMajor || (major === wantMajor && minor >= wantMinor);
}

/** SYS_ADMIN for CAP_SYS_ADMIN, cap_sys_admin or SYS_ADMIN. */
