// A container's device access list, as Docker computes it: deny everything, then allow the few
// devices every container needs and those given with --device; --privileged allows all. Pure
// functions, used by the cgroups plugin in the `run` (and `start`) process. The same list feeds
// both enforcers: the devices cgroup on v1 (one line per rule, formatV1Rule) and the device program
// on v2 (device-bpf-program.ts).
import type { DeviceRule, SecuritySettings } from '../../hooks/index.js';

const rule = (type: DeviceRule['type'], major: number | null, minor: number | null, access: string): DeviceRule =>
  Object.freeze({ allow: true, type, major, minor, access });

/** Docker's default allow-list, applied on top of "deny all". */
export const DEFAULT_DEVICE_RULES: readonly DeviceRule[] = Object.freeze([
  // mknod of any node is allowed (opening it is not): images may carry device nodes.
  rule('c', null, null, 'm'),
  rule('b', null, null, 'm'),
  rule('c', 1, 3, 'rwm'), // /dev/null
  rule('c', 1, 5, 'rwm'), // /dev/zero
  rule('c', 1, 7, 'rwm'), // /dev/full
  rule('c', 1, 8, 'rwm'), // /dev/random
  rule('c', 1, 9, 'rwm'), // /dev/urandom
  rule('c', 5, 0, 'rwm'), // /dev/tty
  rule('c', 5, 1, 'rwm'), // /dev/console
  rule('c', 5, 2, 'rwm'), // /dev/ptmx
  rule('c', 10, 200, 'rwm'), // /dev/net/tun
  rule('c', 136, null, 'rwm'), // /dev/pts/*
]);

const DENY_ALL: DeviceRule = Object.freeze({ allow: false, type: 'a', major: null, minor: null, access: 'rwm' });
const ALLOW_ALL: DeviceRule = Object.freeze({ allow: true, type: 'a', major: null, minor: null, access: 'rwm' });

/**
 * The rules to enforce, in order (a later rule overrides an earlier one): for a privileged
 * container every device; otherwise a leading deny-all, the defaults, then each --device mapping
 * with its permissions. Never empty: an empty list means "leave the group as its parent is".
 */
export function deviceRules(security: SecuritySettings): DeviceRule[] {
  if (security.privileged) return [ALLOW_ALL];
  return [
    DENY_ALL,
    ...DEFAULT_DEVICE_RULES,
    ...security.devices.map((d) => rule(d.type, d.major, d.minor, d.permissions)),
  ];
}

/** The line written to devices.allow or devices.deny (cgroup v1): "c 1:3 rwm", "a *:* rwm". */
export function formatV1Rule(r: DeviceRule): string {
  return `${r.type} ${r.major ?? '*'}:${r.minor ?? '*'} ${r.access}`;
}
