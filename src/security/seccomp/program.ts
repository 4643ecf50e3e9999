// The seccomp program of a container: Docker's default profile or the user's, compiled for the
// capabilities it keeps. A cached program costs a file read; only a miss (a state root's first run,
// a new kernel or capability set) loads the profile, libseccomp and the compiler.
import { DEFAULT_SECCOMP_PROFILE_SHA256 } from './default-digest.js';
import { normalizeKey, programFile, readProgram } from './store.js';

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
