// A container's confinement settings as recorded (see SecuritySettings in hooks/): the defaults of
// a plain `run`, and how a record written before these settings existed reads (the defaults too).
import type { SecuritySettings } from '../../hooks/index.js';

export const DEFAULT_SECURITY: SecuritySettings = Object.freeze({
  privileged: false,
  capAdd: Object.freeze([]),
  capDrop: Object.freeze([]),
  securityOpt: Object.freeze([]),
  readOnlyRootfs: false,
  tmpfs: Object.freeze([]),
  user: '',
  devices: Object.freeze([]),
});

/** The record's settings, or the defaults for a record from before they existed. */
export function securityOf(record: { security?: SecuritySettings | undefined }): SecuritySettings {
  return record.security ?? DEFAULT_SECURITY;
}

/** The seccomp profile a container asked for: 'default', 'unconfined', or a profile's JSON text. */
export function seccompChoice(security: SecuritySettings): 'default' | 'unconfined' | { json: string } {
  if (security.privileged) return 'unconfined';
  const opt = [...security.securityOpt].reverse().find((o) => o.startsWith('seccomp='));
  if (opt === undefined) return 'default';
  const value = opt.slice('seccomp='.length);
  return value === 'unconfined' ? 'unconfined' : { json: value };
}

export function noNewPrivileges(security: SecuritySettings): boolean {
  return security.securityOpt.includes('no-new-privileges');
}
