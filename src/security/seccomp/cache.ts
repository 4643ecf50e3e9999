// Compiled seccomp programs kept on disk, keyed by everything that shapes them. Runs in the
// runtime process on every `run` and `exec`: compiling Docker's profile costs tens of milliseconds
// with koffi and libseccomp loaded; a hit costs one small file read (koffi is not even loaded).
// The file name spells the key out rather than hashing it: in a cold process a SHA-256 in
// JavaScript costs most of a millisecond, and only a user's own profile needs one (its digest).
import { compileSeccomp } from './compile.js';
import { DEFAULT_SECCOMP_PROFILE, DEFAULT_SECCOMP_PROFILE_SHA256 } from './default-profile.js';
import type { SeccompProfile } from './profile.js';
import type { SeccompOptions } from './resolve.js';
import { sha256Hex } from './sha256.js';
import { normalizeKey, programFile, readProgram, writeProgram } from './store.js';

export type Compile = (profile: SeccompProfile, opts: SeccompOptions) => Buffer;

/** The program for these inputs, from `cacheDir` or compiled (and then stored there). */
export function cachedSeccomp(cacheDir: string, profile: SeccompProfile, opts: SeccompOptions, compile: Compile = compileSeccomp): Buffer {
  const key = normalizeKey(opts);
  const file = programFile(cacheDir, profileDigest(profile), key);
  const hit = readProgram(file);
  if (hit) return hit;
  const program = compile(profile, key);
  writeProgram(file, program);
  return program;
}

/** What names a profile in the key: the SHA-256 of its JSON (bigints as "<digits>n"). */
export function profileDigest(profile: SeccompProfile): string {
  // Hashing Docker's 9 kB profile in JavaScript would cost a cold process about a millisecond:
  // its digest is written down instead, and a unit test fails when it no longer matches.
  if (profile === DEFAULT_SECCOMP_PROFILE) return DEFAULT_SECCOMP_PROFILE_SHA256;
  return sha256Hex(JSON.stringify(profile, (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value)));
}
