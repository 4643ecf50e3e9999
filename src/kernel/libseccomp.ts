// libseccomp (libseccomp.so.2) through koffi: builds a seccomp filter and exports it as classic
// BPF. Runs in the runtime process, on the main thread, only when a filter must be compiled (a
// cached program needs none of this): koffi and the library are loaded on first use, never at
// import. Every call is synchronous; library errors become MydockerErrors, nothing is printed.
import * as fs from 'node:fs';
import { getSystemErrorName } from 'node:util';
import type { LibraryHandle } from 'koffi';
import { MydockerError } from '../errors.js';
import { loadKoffi } from './koffi.js';
import type { ArgComparison } from '../security/seccomp/resolve.js';

/** enum scmp_filter_attr (<seccomp.h>). */
export const SCMP_FLTATR_ACT_BADARCH = 2;
export const SCMP_FLTATR_CTL_NNP = 3;
export const SCMP_FLTATR_CTL_OPTIMIZE = 8;
/** __NR_SCMP_ERROR: a name libseccomp does not know. */
export const NR_SCMP_ERROR = -1;

/** An scmp_filter_ctx: opaque, valid until released. */
export type FilterContext = { readonly __brand: 'scmp_filter_ctx' };

export interface Libseccomp {
  /** "2.5.4" */
  readonly version: string;
  init(defaultAction: number): FilterContext;
  release(filter: FilterContext): void;
  attrSet(filter: FilterContext, attr: number, value: number): void;
  /** The token of the architecture libseccomp was built for (an AUDIT_ARCH_* value). */
  archNative(): number;
  /** An architecture's token by libseccomp's name ("x86_64", "x32"), or 0 when unknown. */
  archResolveName(name: string): number;
  /** Adds an architecture to the filter; false when it was there already. */
  archAdd(filter: FilterContext, arch: number): boolean;
  /** The native syscall number (negative: a pseudo number for another arch's call), or NR_SCMP_ERROR. */
  syscallResolveName(name: string): number;
  syscallResolveNameArch(arch: number, name: string): number;
  ruleAdd(filter: FilterContext, action: number, syscall: number, args: readonly ArgComparison[], what: string): void;
  /** The filter as the kernel takes it: struct sock_filter[], 8 bytes each. */
  exportBpf(filter: FilterContext): Buffer;
}

const HINT = 'apt-get install libseccomp2, or run with --security-opt seccomp=unconfined';
const MFD_CLOEXEC = 1;

let cached: Libseccomp | undefined;

/** The process-wide binding, loaded on first use. */
export function libseccomp(): Libseccomp {
  cached ??= load();
  return cached;
}

function load(): Libseccomp {
  const koffi = loadKoffi();
  let lib: LibraryHandle;
  try {
    lib = koffi.load('libseccomp.so.2');
  } catch (error) {
    throw new MydockerError('seccomp needs libseccomp (libseccomp.so.2), which is not installed', { hint: HINT, cause: error });
  }
  // Anonymous structs: koffi registers named types process-wide.
  const argCmp = koffi.struct({ arg: 'unsigned int', op: 'int', datum_a: 'uint64_t', datum_b: 'uint64_t' });
  const versionStruct = koffi.struct({ major: 'unsigned int', minor: 'unsigned int', micro: 'unsigned int' });
  const seccompVersion = lib.func('seccomp_version', koffi.pointer(versionStruct), []);
  const init = lib.func('void *seccomp_init(uint32_t def_action)');
  const release = lib.func('void seccomp_release(void *ctx)');
  const attrSet = lib.func('int seccomp_attr_set(void *ctx, int attr, uint32_t value)');
  const archNative = lib.func('uint32_t seccomp_arch_native(void)');
  const archResolveName = lib.func('uint32_t seccomp_arch_resolve_name(const char *name)');
  const archAdd = lib.func('int seccomp_arch_add(void *ctx, uint32_t arch_token)');
  const resolveName = lib.func('int seccomp_syscall_resolve_name(const char *name)');
  const resolveNameArch = lib.func('int seccomp_syscall_resolve_name_arch(uint32_t arch_token, const char *name)');
  const ruleAddArray = lib.func('seccomp_rule_add_array', 'int', ['void *', 'uint32_t', 'int', 'unsigned int', koffi.pointer(argCmp)]);
  const exportBpf = lib.func('int seccomp_export_bpf(void *ctx, int fd)');
  // seccomp_export_bpf writes to a descriptor: an anonymous memory file holds any size without a
  // reader on the other end (a pipe would block this thread past 64 KiB) and leaves no file behind.
  const memfdCreate = koffi.load('libc.so.6').func('int memfd_create(const char *name, unsigned int flags)');

  // libseccomp returns -errno.
  const check = (rc: number, call: string, what?: string): void => {
    if (rc < 0) throw new MydockerError(`${call}${what ? `(${what})` : ''} failed: ${errorName(-rc)}`);
  };
  const v = koffi.decode(seccompVersion(), versionStruct) as { major: number; minor: number; micro: number };

  return {
    version: `${v.major}.${v.minor}.${v.micro}`,
    init: (defaultAction) => {
      const ctx = init(defaultAction) as unknown;
      if (ctx === null) throw new MydockerError(`seccomp_init(0x${defaultAction.toString(16)}) failed`);
      return ctx as FilterContext;
    },
    release: (filter) => release(filter),
    attrSet: (filter, attr, value) => check(attrSet(filter, attr, value), 'seccomp_attr_set', String(attr)),
    archNative: () => archNative(),
    archResolveName: (name) => archResolveName(name),
    archAdd: (filter, arch) => {
      const rc = archAdd(filter, arch) as number;
      if (rc === -17 /* EEXIST */) return false;
      check(rc, 'seccomp_arch_add', `0x${arch.toString(16)}`);
      return true;
    },
    syscallResolveName: (name) => resolveName(name),
    syscallResolveNameArch: (arch, name) => resolveNameArch(arch, name),
    ruleAdd: (filter, action, syscall, args, what) => {
      const structs = args.map((a) => ({ arg: a.arg, op: a.op, datum_a: a.datumA, datum_b: a.datumB }));
      check(ruleAddArray(filter, action, syscall, structs.length, structs.length ? structs : null), 'seccomp_rule_add', what);
    },
    exportBpf: (filter) => {
      const fd = memfdCreate('mydocker-seccomp', MFD_CLOEXEC) as number;
      if (fd < 0) throw new MydockerError(`memfd_create failed: ${errorName(koffi.errno())}`);
      try {
        check(exportBpf(filter, fd), 'seccomp_export_bpf');
        const size = fs.fstatSync(fd).size;
        const program = Buffer.alloc(size);
        let done = 0;
        while (done < size) done += fs.readSync(fd, program, done, size - done, done);
        return program;
      } finally {
        fs.closeSync(fd);
      }
    },
  };
}

function errorName(errno: number): string {
  try {
    return getSystemErrorName(-errno);
  } catch {
    return `errno ${errno}`;
  }
}
