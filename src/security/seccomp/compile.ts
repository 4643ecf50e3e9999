// A profile compiled for one container into the classic-BPF program the kernel runs: the bytes of
// struct sock_filter[] as seccomp_export_bpf writes them, ready for prctl(PR_SET_SECCOMP,
// SECCOMP_MODE_FILTER, &sock_fprog) in the container's first process. Runs in the runtime process,
// through libseccomp on koffi: 15-20 ms for Docker's profile, ~60 ms with koffi's first load, which
// is why cache.ts is the usual path.
import { MydockerError } from '../../errors.js';
import {
  libseccomp,
  NR_SCMP_ERROR,
  SCMP_FLTATR_ACT_BADARCH,
  SCMP_FLTATR_CTL_NNP,
  SCMP_FLTATR_CTL_OPTIMIZE,
  type Libseccomp,
} from '../../kernel/libseccomp.js';
import type { SeccompProfile } from './profile.js';
import { resolveSeccomp, type SeccompOptions } from './resolve.js';

export type { SeccompOptions } from './resolve.js';

const SCMP_ACT_KILL_THREAD = 0;

export function compileSeccomp(profile: SeccompProfile, opts: SeccompOptions, lib: Libseccomp = libseccomp()): Buffer {
  const arch = opts.arch ?? process.arch;
  if (arch !== process.arch) {
    // libseccomp reads rules' syscall numbers as the native arch's: a foreign program would need
    // a libseccomp of that arch.
    throw new MydockerError(`cannot compile a seccomp program for ${arch} on ${process.arch}`);
  }
  const resolved = resolveSeccomp(profile, opts);
  const filter = lib.init(resolved.defaultAction);
  try {
    // A call made under an architecture the filter does not know kills the thread (libseccomp's
    // default, which runc and so Docker keep); NO_NEW_PRIVS is the first process's own business
    // (this program is only exported, never loaded by libseccomp).
    lib.attrSet(filter, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_THREAD);
    lib.attrSet(filter, SCMP_FLTATR_CTL_NNP, 0);
    // A binary tree of syscall numbers instead of a linear list, as runc asks for long rule sets:
    // a call costs a handful of comparisons instead of hundreds.
    if (resolved.rules.length > 32) {
      try {
        lib.attrSet(filter, SCMP_FLTATR_CTL_OPTIMIZE, 2);
      } catch {
        // libseccomp older than 2.5: the linear program is as correct, only slower.
      }
    }
    for (const name of resolved.architectures) {
      const token = lib.archResolveName(name);
      if (token === 0) throw new MydockerError(`seccomp: architecture ${name} is unknown to libseccomp ${lib.version}`);
      lib.archAdd(filter, token);
    }
    for (const rule of resolved.rules) {
      // Names this libseccomp does not know are skipped, as Docker does (a newer profile on an
      // older library); negative numbers other than the error are calls of the other arches.
      const nr = lib.syscallResolveName(rule.syscall);
      if (nr === NR_SCMP_ERROR) continue;
      lib.ruleAdd(filter, rule.action, nr, rule.args, rule.syscall);
    }
    return lib.exportBpf(filter);
  } finally {
    lib.release(filter);
  }
}
