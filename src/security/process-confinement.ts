// What mydocker-init is told to do to a container process before exec'ing it: the capability sets,
// the seccomp program, no_new_privs and a new session keyring, for the container's settings and the
// user the process runs as. Computed on the host side, before any namespace is entered (the
// seccomp cache is a host file).
import * as fs from 'node:fs';
import type { SecuritySettings } from '../../hooks/index.js';
import type { InitConfig } from '../process/first-process.js';
import { capabilitySets, containerCapabilities, ownCapabilities } from './capabilities.js';
import { noNewPrivileges, seccompChoice } from './settings.js';
import type { ResolvedUser } from './user.js';

export interface ProcessConfinement {
  /** The capability names the container's root keeps. */
  capabilities: string[];
  /** The compiled seccomp program, or null when unconfined. */
  seccomp: Buffer | null;
  noNewPrivileges: boolean;
}

export interface ConfinementDeps {
  /** Where compiled seccomp programs are cached (<root>/cache/seccomp). */
  seccompCache: string;
  /** /proc/self/status of this process: what it can hand on. */
  ownStatus?: () => string;
}

export async function processConfinement(security: SecuritySettings, deps: ConfinementDeps): Promise<ProcessConfinement> {
  const status = deps.ownStatus ?? (() => fs.readFileSync('/proc/self/status', 'utf8'));
  const capabilities = containerCapabilities(security, ownCapabilities(status()));
  const choice = seccompChoice(security);
  let seccomp: Buffer | null = null;
  if (choice !== 'unconfined') {
    // Loaded only here: most commands never start a process.
    const { seccompProgram } = await import('./seccomp/store.js');
    seccomp = await seccompProgram(choice === 'default' ? null : choice.json, capabilities, deps.seccompCache);
  }
  return { capabilities, seccomp, noNewPrivileges: noNewPrivileges(security) };
}

/** HOME follows the user, as Docker sets it, unless the image or the user set it. */
export function withHome(env: readonly string[], user: ResolvedUser): string[] {
  if (env.some((e) => e.startsWith('HOME='))) return [...env];
  // Without a passwd entry root's home is still /root (Docker's default for root).
  const home = user.uid === 0 && user.home === '/' ? '/root' : user.home;
  return [...env, `HOME=${home}`];
}

export function initConfig(
  confinement: ProcessConfinement,
  user: ResolvedUser,
  process: { argv: readonly string[]; env: readonly string[]; cwd: string; tty: string | null },
): InitConfig {
  return {
    argv: process.argv,
    env: withHome(process.env, user),
    cwd: process.cwd,
    tty: process.tty,
    user: { uid: user.uid, gid: user.gid, additionalGids: user.additionalGids },
    capabilities: capabilitySets(confinement.capabilities, user.uid),
    noNewPrivileges: confinement.noNewPrivileges,
    seccomp: confinement.seccomp,
    newKeyring: true,
  };
}
