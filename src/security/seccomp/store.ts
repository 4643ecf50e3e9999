// The seccomp program of a container, and where compiled programs are kept: the light half of the
// cache, which every `run` and `exec` loads. A cached program costs a file read; only a miss (a
// state root's first run, a new kernel or capability set) or a user's own profile loads the
// profile, libseccomp and the compiler (cache.ts). The file name spells the key out rather than
// hashing it: in a cold process a SHA-256 in JavaScript costs most of a millisecond, and only a
// user's own profile needs one (its digest).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { capabilityMask } from '../capabilities.js';

/**
 * profileDigest() of DEFAULT_SECCOMP_PROFILE, written down so that a cached default program is
 * found without loading (and hashing) the profile: update it with the value the unit test reports.
 */
export const DEFAULT_SECCOMP_PROFILE_SHA256 = '4112158cfb839492dc21527c157023330511bb572bbdb487f4081cf84645852d';

/** `profileJson` null means Docker's default profile. */
export async function seccompProgram(profileJson: string | null, capabilities: readonly string[], cacheDir: string): Promise<Buffer> {
  if (profileJson === null) {
    const hit = readProgram(programFile(cacheDir, DEFAULT_SECCOMP_PROFILE_SHA256, normalizeKey({ capabilities })));
    if (hit) return hit;
  }
  const [{ cachedSeccomp }, { DEFAULT_SECCOMP_PROFILE }, { parseSeccompProfile }] = await Promise.all([
    import('./cache.js'),
    import('./default-profile.js'),
    import('./profile.js'),
  ]);
  const profile = profileJson === null ? DEFAULT_SECCOMP_PROFILE : parseSeccompProfile(profileJson, '--security-opt seccomp');
  return cachedSeccomp(cacheDir, profile, { capabilities });
}

// Bump when compile.ts or resolve.ts would turn the same inputs into another program.
const FORMAT = 'mydocker-seccomp-1';

export interface ProgramKey {
  /** The capabilities the container keeps, with or without CAP_, any case. */
  capabilities: readonly string[];
  /** Node's name of the architecture; default this process's. */
  arch?: string;
  /** [major, minor]; default the running kernel's. */
  kernel?: readonly [number, number];
}

/** "cap_sys_admin", "SYS_ADMIN" → "SYS_ADMIN". */
export function capabilityName(cap: string): string {
  const upper = cap.toUpperCase();
  return upper.startsWith('CAP_') ? upper.slice(4) : upper;
}

/** [major, minor] of a kernel release string (os.release()). */
export function kernelVersion(release: string = os.release()): [number, number] {
  const match = /^(\d+)\.(\d+)/.exec(release);
  return match ? [Number(match[1]), Number(match[2])] : [0, 0];
}

/** The inputs, normalized: what the program depends on besides the profile. */
export function normalizeKey(key: ProgramKey): Required<ProgramKey> {
  return {
    capabilities: [...new Set(key.capabilities.map(capabilityName))].sort(),
    arch: key.arch ?? process.arch,
    kernel: key.kernel ?? kernelVersion(),
  };
}

/** The file of the program of the profile named `digest` for these inputs. */
export function programFile(cacheDir: string, digest: string, key: Required<ProgramKey>): string {
  // The capabilities as their mask: containerCapabilities hands on only names the table knows.
  const name = [FORMAT, digest.slice(0, 32), capabilityMask(key.capabilities).toString(16), key.arch, key.kernel.join('.')].join('-');
  return path.join(cacheDir, `${name}.bpf`);
}

/** The cached program, or undefined when absent or not a whole number of instructions. */
export function readProgram(file: string): Buffer | undefined {
  let program: Buffer;
  try {
    program = fs.readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return program.length > 0 && program.length % 8 === 0 ? program : undefined;
}

// Temporary file and rename (as hooks/atomic-file.ts, for bytes): a concurrent `run` reads the old
// program or the new one, never half of one.
export function writeProgram(file: string, content: Buffer): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    fs.writeFileSync(tmp, content, { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  }
}
