// Linux capabilities by name, Docker's default set, and the sets a container process gets from
// --privileged, --cap-add and --cap-drop (as bit masks for mydocker-init). Pure: the caller says
// which capabilities this host and this process have.
import { MydockerError } from '../errors.js';

/** Every capability, in kernel order (bit N is CAPABILITIES[N]). From <linux/capability.h>. */
export const CAPABILITIES = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID',
  'SETPCAP', 'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW',
  'IPC_LOCK', 'IPC_OWNER', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT',
  'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE', 'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD',
  'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP', 'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG',
  'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF', 'CHECKPOINT_RESTORE',
] as const;

/** Docker's default: what a container's root keeps (everything else is dropped). */
export const DEFAULT_CAPABILITIES = [
  'CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID', 'SETFCAP',
  'SETPCAP', 'NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE',
] as const;

/** "cap_net_admin", "NET_ADMIN", "CAP_NET_ADMIN" → "NET_ADMIN"; "all" → "ALL"; unknown: one line, 125. */
export function normalizeCapability(name: string, flag = '--cap-add'): string {
  const upper = name.trim().toUpperCase().replace(/^CAP_/, '');
  if (upper === 'ALL') return 'ALL';
  if (!(CAPABILITIES as readonly string[]).includes(upper)) {
    throw new MydockerError(`invalid capability for ${flag}: "${name}"`, { hint: 'use a name such as NET_ADMIN or CAP_SYS_TIME, or ALL' });
  }
  return upper;
}

export interface CapabilityRequest {
  privileged: boolean;
  capAdd: readonly string[];
  capDrop: readonly string[];
}

/**
 * The capability names a container's root keeps, as Docker computes them: the defaults, minus the
 * drops (ALL drops every default), plus the adds (ALL adds every capability); --privileged is all.
 * `available` is what this host and this process can grant (a runtime cannot give what it lacks).
 */
export function containerCapabilities(request: CapabilityRequest, available: readonly string[]): string[] {
  let set: Set<string>;
  if (request.privileged || request.capAdd.includes('ALL')) {
    set = new Set(available);
  } else {
    set = new Set(request.capDrop.includes('ALL') ? [] : DEFAULT_CAPABILITIES);
    for (const name of request.capDrop) set.delete(name);
    for (const name of request.capAdd) set.add(name);
  }
  if (!request.privileged && request.capAdd.includes('ALL')) for (const name of request.capDrop) set.delete(name);
  return CAPABILITIES.filter((name) => set.has(name) && available.includes(name));
}

/** The bit mask of a list of names. */
export function capabilityMask(names: readonly string[]): bigint {
  let mask = 0n;
  for (const name of names) {
    const bit = (CAPABILITIES as readonly string[]).indexOf(name);
    if (bit >= 0) mask |= 1n << BigInt(bit);
  }
  return mask;
}

/** The names of the bits of a mask this mydocker knows. */
export function capabilityNames(mask: bigint): string[] {
  return CAPABILITIES.filter((_, bit) => (mask >> BigInt(bit)) & 1n);
}

/**
 * The capabilities this process can hand on: its own bounding set (/proc/self/status CapBnd),
 * e.g. this machine's root lacks SYS_RESOURCE.
 */
export function ownCapabilities(status: string): string[] {
  const match = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status);
  return match ? capabilityNames(BigInt(`0x${match[1]}`)) : [...CAPABILITIES];
}

/**
 * The five sets mydocker-init applies. Root keeps `names` in every set but the ambient one; any
 * other user only has them in its bounding set (Docker's rule: a non-root user gets no effective
 * capability; a setuid-root program it runs is still limited by the bounding set).
 */
export function capabilitySets(names: readonly string[], uid: number): { bounding: bigint; effective: bigint; permitted: bigint; inheritable: bigint; ambient: bigint } {
  const mask = capabilityMask(names);
  const held = uid === 0 ? mask : 0n;
  return { bounding: mask, effective: held, permitted: held, inheritable: 0n, ambient: 0n };
}
