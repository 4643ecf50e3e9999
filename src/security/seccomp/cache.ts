// Compiled seccomp programs kept on disk, keyed by everything that shapes them. Runs in the
// runtime process on every `run`: compiling Docker's profile costs tens of milliseconds with koffi
// and libseccomp loaded, a hit costs one small file read (koffi is not even loaded).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compileSeccomp } from './compile.js';
import { DEFAULT_SECCOMP_PROFILE, DEFAULT_SECCOMP_PROFILE_SHA256 } from './default-profile.js';
import type { SeccompProfile } from './profile.js';
import { capabilityName, kernelVersion, type SeccompOptions } from './resolve.js';
import { sha256Hex } from './sha256.js';

// Bump when compile.ts or resolve.ts would turn the same inputs into another program.
const FORMAT = 'mydocker-seccomp-1';

export type Compile = (profile: SeccompProfile, opts: SeccompOptions) => Buffer;

/** The program for these inputs, from `cacheDir` or compiled (and then stored there). */
export function cachedSeccomp(cacheDir: string, profile: SeccompProfile, opts: SeccompOptions, compile: Compile = compileSeccomp): Buffer {
  const arch = opts.arch ?? process.arch;
  const kernel = opts.kernel ?? kernelVersion();
  const capabilities = [...new Set(opts.capabilities.map(capabilityName))].sort();
  const key = sha256Hex(JSON.stringify([FORMAT, profileDigest(profile), capabilities, arch, kernel]));
  const file = path.join(cacheDir, `${key}.bpf`);

  const hit = readProgram(file);
  if (hit) return hit;
  const program = compile(profile, { capabilities, arch, kernel });
  fs.mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
  writeAtomic(file, program);
  return program;
}

/** What names a profile in the key: the SHA-256 of its JSON (bigints as "<digits>n"). */
export function profileDigest(profile: SeccompProfile): string {
  // Hashing Docker's 9 kB profile in JavaScript would cost a cold process about a millisecond:
  // its digest is written down instead, and a unit test fails when it no longer matches.
  if (profile === DEFAULT_SECCOMP_PROFILE) return DEFAULT_SECCOMP_PROFILE_SHA256;
  return sha256Hex(JSON.stringify(profile, (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value)));
}

/** The cached program, or undefined when absent or not a whole number of instructions. */
function readProgram(file: string): Buffer | undefined {
  let program: Buffer;
  try {
    program = fs.readFileSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return program.length > 0 && program.length % 8 === 0 ? program : undefined;
}

// Temporary file and rename (as src/atomic-file.ts, for bytes): a concurrent `run` reads the old
// program or the new one, never half of one.
function writeAtomic(file: string, content: Buffer): void {
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  try {
    fs.writeFileSync(tmp, content, { mode: 0o600 });
    fs.renameSync(tmp, file);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  }
}
