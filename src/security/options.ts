// Turns the security flags of `run` (--privileged, --cap-add/--cap-drop, --security-opt,
// --read-only, --tmpfs, -u, --device) into the SecuritySettings a container is created with.
// Every bad value is refused here, with one line, before anything of the container exists.
import * as fs from 'node:fs';
import type { SecuritySettings } from '../../hooks/index.js';
import { MydockerError } from '../errors.js';
import { normalizeCapability } from './capabilities.js';

export interface SecurityFlags {
  privileged?: boolean;
  capAdd?: readonly string[];
  capDrop?: readonly string[];
  securityOpt?: readonly string[];
  readOnly?: boolean;
  tmpfs?: readonly string[];
  user?: string;
  devices?: readonly string[];
}

/**
 * `seccomp=` values are kept with the profile's text inline (as Docker's inspect shows them): a
 * later `start` must not depend on the file. What only some flags need (the profile parser, the
 * device code) is loaded only when they are given: every `run` pays for what it imports.
 */
export async function parseSecurityFlags(flags: SecurityFlags, readFile: (file: string) => string = (f) => fs.readFileSync(f, 'utf8')): Promise<SecuritySettings> {
  const securityOpt: string[] = [];
  for (const option of flags.securityOpt ?? []) securityOpt.push(...(await parseSecurityOpt(option, readFile)));
  const deviceSpecs = flags.devices ?? [];
  const { parseDeviceSpec } = deviceSpecs.length > 0 ? await import('./devices.js') : { parseDeviceSpec: null };
  return Object.freeze({
    privileged: flags.privileged ?? false,
    capAdd: Object.freeze((flags.capAdd ?? []).map((c) => normalizeCapability(c, '--cap-add'))),
    capDrop: Object.freeze((flags.capDrop ?? []).map((c) => normalizeCapability(c, '--cap-drop'))),
    securityOpt: Object.freeze(securityOpt),
    readOnlyRootfs: flags.readOnly ?? false,
    tmpfs: Object.freeze((flags.tmpfs ?? []).map(parseTmpfs).map((t) => `${t.path}${t.options ? `:${t.options}` : ''}`)),
    user: validateUserSpec(flags.user ?? ''),
    devices: Object.freeze(deviceSpecs.map((d) => parseDeviceSpec!(d))),
  });
}

async function parseSecurityOpt(option: string, readFile: (file: string) => string): Promise<string[]> {
  // Docker takes KEY=VALUE and the older KEY:VALUE.
  const match = /^([a-z-]+)(?:[=:](.*))?$/s.exec(option);
  const key = match?.[1];
  const value = match?.[2];
  switch (key) {
    case 'no-new-privileges':
      if (value === undefined || value === 'true') return ['no-new-privileges'];
      if (value === 'false') return [];
      break;
    case 'seccomp':
      if (value === 'unconfined') return ['seccomp=unconfined'];
      if (value) {
        let text: string;
        try {
          text = readFile(value);
        } catch (error) {
          throw new MydockerError(`cannot read seccomp profile ${value}: ${(error as NodeJS.ErrnoException).code ?? error}`);
        }
        const { parseSeccompProfile } = await import('./seccomp/profile.js');
        parseSeccompProfile(text, value); // refused now, with its own message, if it is not one
        return [`seccomp=${JSON.stringify(JSON.parse(text))}`];
      }
      break;
    case 'apparmor':
    case 'label':
      // This host enforces neither: "unconfined"/"disable" ask for nothing, anything else cannot be honoured.
      if (value === 'unconfined' || value === 'disable') return [];
      throw new MydockerError(`--security-opt ${key}=${value ?? ''}: mydocker does not support ${key === 'apparmor' ? 'AppArmor' : 'SELinux labels'}`);
  }
  throw new MydockerError(`invalid --security-opt: "${option}"`, { hint: 'use seccomp=PROFILE.json, seccomp=unconfined or no-new-privileges' });
}

export interface TmpfsMount {
  path: string;
  /** Mount options as given (tmpfs's own and the generic ones), or "". */
  options: string;
}

const TMPFS_FLAGS = new Set(['ro', 'rw', 'noexec', 'exec', 'nosuid', 'suid', 'nodev', 'dev', 'sync', 'async', 'noatime', 'atime', 'nodiratime', 'diratime', 'relatime', 'norelatime', 'strictatime', 'nostrictatime']);
const TMPFS_KEYS = new Set(['size', 'mode', 'uid', 'gid', 'nr_inodes', 'nr_blocks', 'mpol', 'tmpfs-size', 'tmpfs-mode']);

/** `--tmpfs PATH[:OPTIONS]`, Docker's syntax; options comma-separated. */
export function parseTmpfs(spec: string): TmpfsMount {
  const colon = spec.indexOf(':');
  const target = colon < 0 ? spec : spec.slice(0, colon);
  const options = colon < 0 ? '' : spec.slice(colon + 1);
  if (!target.startsWith('/')) throw new MydockerError(`invalid --tmpfs "${spec}": the path must be absolute`, { hint: 'e.g. --tmpfs /run:size=64m' });
  if (target.split('/').includes('..')) throw new MydockerError(`invalid --tmpfs "${spec}": ".." is not allowed in the path`);
  if (target === '/') throw new MydockerError(`invalid --tmpfs "${spec}": cannot mount over the root`);
  for (const option of options === '' ? [] : options.split(',')) {
    const [key, value] = option.split('=', 2) as [string, string | undefined];
    const known = value === undefined ? TMPFS_FLAGS.has(key) : TMPFS_KEYS.has(key) && value !== '';
    if (!known) throw new MydockerError(`invalid --tmpfs "${spec}": unknown option "${option}"`, { hint: 'e.g. size=64m,mode=1777,noexec' });
  }
  return { path: target.replace(/\/+$/, '') || '/', options };
}

/** A cheap check of `-u` now; the user is looked up in the container's own files when it starts. */
function validateUserSpec(spec: string): string {
  if (spec === '') return '';
  if (!/^[^:\s]+(:[^:\s]+)?$/.test(spec)) {
    throw new MydockerError(`invalid user "${spec}"`, { hint: 'use -u NAME|UID[:GROUP|GID]' });
  }
  return spec;
}
