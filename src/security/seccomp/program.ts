// The seccomp program of a container: Docker's default profile or the user's, compiled for the
// capabilities it keeps, through the cache (a hit costs a file read; a miss, libseccomp).
import { cachedSeccomp } from './cache.js';
import { DEFAULT_SECCOMP_PROFILE } from './default-profile.js';
import { parseSeccompProfile } from './profile.js';

/** `profileJson` null means Docker's default profile. */
export function seccompProgram(profileJson: string | null, capabilities: readonly string[], cacheDir: string): Buffer {
  const profile = profileJson === null ? DEFAULT_SECCOMP_PROFILE : parseSeccompProfile(profileJson, '--security-opt seccomp');
  return cachedSeccomp(cacheDir, profile, { capabilities });
}
